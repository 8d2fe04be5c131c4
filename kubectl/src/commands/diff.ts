// diff -f FILE (or -k DIR): what apply would change, as kubectl shows it — each object as it is (LIVE) and
// as the server says it would be after the apply (MERGED: a dry-run create, or a dry-run of apply's
// three-way patch), written as YAML into two temporary directories that `diff -u -N` (or
// $KUBECTL_EXTERNAL_DIFF) compares. Exit code 0: no differences, 1: differences, >1: an error.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createThreeWayMergePatch } from '@minik8s/shared/patch';
import type { Ctx } from '../context';
import { CliError, ExitCode, usageError } from '../errors';
import type { Manifest } from '../manifests';
import { toYaml } from '../print/yaml';
import { isNotFound, resourcePath, type KubeObject } from '../shared';
import { LAST_APPLIED, targetNamespace } from './apply';
import { manifestsFrom } from './kustomize';

/** The file name kubectl gives an object: [group.]version.Kind.namespace.name. */
export function diffFileName(obj: KubeObject, ns: string | undefined): string {
  const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', String(obj.apiVersion)];
  return `${group ? `${group}.` : ''}${version}.${obj.kind}.${ns ?? ''}.${obj.metadata.name}`;
}

const MASK = { same: '***', before: '*** (before)', after: '*** (after)' };

/** Secret values never reach the diff: equal ones read ***, changed ones *** (before) / *** (after). */
export function maskSecrets(from: KubeObject | undefined, to: KubeObject): [KubeObject | undefined, KubeObject] {
  const f = (from as { data?: Record<string, string> } | undefined)?.data;
  const t = (to as { data?: Record<string, string> }).data;
  const mf: Record<string, string> | undefined = f ? {} : undefined;
  const mt: Record<string, string> | undefined = t ? {} : undefined;
  for (const k of Object.keys(f ?? {})) {
    if (t && k in t) {
      const changed = f![k] !== t[k];
      mf![k] = changed ? MASK.before : MASK.same;
      mt![k] = changed ? MASK.after : MASK.same;
    } else mf![k] = MASK.same;
  }
  for (const k of Object.keys(t ?? {})) if (!(f && k in f)) mt![k] = MASK.same;
  return [from && mf ? { ...from, data: mf } : from, mt ? { ...to, data: mt } : to];
}

function withoutManagedFields(o: KubeObject): KubeObject {
  const { managedFields: _m, ...metadata } = o.metadata as KubeObject['metadata'] & { managedFields?: unknown };
  return { ...o, metadata };
}

/** MERGED for one manifest: what the server would store if it were applied (nothing is written). */
async function merged(ctx: Ctx, m: Manifest, ns: string | undefined, live: KubeObject | undefined, fieldManager: string): Promise<KubeObject> {
  const local = structuredClone(m.obj);
  const query = { dryRun: 'All', fieldManager };
  if (!live) {
    local.metadata = { ...local.metadata, resourceVersion: undefined };
    return ctx.client.request<KubeObject>('POST', resourcePath(m.rt, ns), { body: local, query });
  }
  // kubectl's GetModifiedConfiguration: the annotations without last-applied, an empty map kept as such.
  const annotations = { ...(local.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  local.metadata.annotations = annotations;
  const originalText = live.metadata.annotations?.[LAST_APPLIED];
  let original: KubeObject | undefined;
  try {
    original = originalText ? (JSON.parse(originalText) as KubeObject) : undefined;
  } catch {
    original = undefined;
  }
  const patch = createThreeWayMergePatch(original, local, live) as { metadata?: Record<string, unknown> };
  // Optimistic locking, as kubectl's patcher: the patch applies to the live object read above only.
  patch.metadata = { ...(patch.metadata ?? {}), resourceVersion: live.metadata.resourceVersion };
  return ctx.client.request<KubeObject>('PATCH', resourcePath(m.rt, ns, m.obj.metadata.name), { body: JSON.stringify(patch), contentType: 'application/strategic-merge-patch+json', query });
}

export interface DiffOptions {
  filename?: string[];
  recursive?: boolean;
  kustomize?: string;
  fieldManager?: string;
}

export async function diff(ctx: Ctx, args: string[], o: DiffOptions): Promise<number> {
  try {
    return await run(ctx, args, o);
  } catch (e) {
    // kubectl diff's own failures exit with 2 or more, so they never read as "differences found".
    if (e instanceof ExitCode) throw e;
    if (e instanceof CliError && e.exitCode > 1) throw e;
    const { formatError } = await import('../errors');
    process.stderr.write(formatError(e) + '\n');
    throw new ExitCode(2);
  }
}

async function run(ctx: Ctx, args: string[], o: DiffOptions): Promise<number> {
  if (args.length) throw usageError(`Unexpected args: [${args.join(' ')}]`, 'diff');
  const manifests = await manifestsFrom(ctx, o);
  const liveDir = mkdtempSync(join(tmpdir(), 'LIVE-'));
  const mergedDir = mkdtempSync(join(tmpdir(), 'MERGED-'));
  try {
    for (const m of manifests) {
      const ns = targetNamespace(ctx, m);
      if (ns) m.obj.metadata.namespace = ns;
      let live: KubeObject | undefined;
      try {
        live = await ctx.client.request<KubeObject>('GET', resourcePath(m.rt, ns, m.obj.metadata.name));
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      const to = await merged(ctx, m, ns, live, o.fieldManager ?? 'kubectl-client-side-apply');
      let from = live && withoutManagedFields(live);
      let after = withoutManagedFields(to);
      if (after.kind === 'Secret' && after.apiVersion === 'v1') [from, after] = maskSecrets(from, after);
      const name = diffFileName(m.obj, ns);
      if (from) writeFileSync(join(liveDir, name), toYaml(from), { mode: 0o700 });
      writeFileSync(join(mergedDir, name), toYaml(after), { mode: 0o700 });
    }
    return await runDiff(liveDir, mergedDir);
  } finally {
    rmSync(liveDir, { recursive: true, force: true });
    rmSync(mergedDir, { recursive: true, force: true });
  }
}

/** The diff program and its arguments: $KUBECTL_EXTERNAL_DIFF (its extra words only if plain flags), else `diff -u -N`. */
export function diffCommand(env: string | undefined, from: string, to: string): [string, string[]] {
  if (!env) return ['diff', ['-u', '-N', from, to]];
  const [cmd, ...rest] = env.split(' ');
  return [cmd, [from, to, ...rest.filter((a) => /^[a-zA-Z0-9-=]+$/.test(a))]];
}

function runDiff(from: string, to: string): Promise<number> {
  const [cmd, argv] = diffCommand(process.env.KUBECTL_EXTERNAL_DIFF, from, to);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (e) => reject(new CliError(`failed to run "${cmd}": ${e.message}`, 2, { cause: e })));
    child.on('exit', (code, signal) => {
      if (code === 0 || code === 1) return resolve(code);
      reject(new CliError(`failed to run "${cmd}": ${signal ? `signal: ${signal}` : `exit status ${code}`}`, 2));
    });
  });
}
