// apply (client-side, with the last-applied annotation and a three-way strategic merge patch, as
// kubectl), create -f and replace -f.
import { createThreeWayMergePatch } from '@minik8s/shared/patch';
import { nsFor } from '../api';
import { kindPrefix } from '../args';
import type { Ctx } from '../context';
import { CliError, serverErrorLine, usageError } from '../errors';
import type { Manifest } from '../manifests';
import { manifestsFrom } from './kustomize';
import { sortKeys } from '../print/yaml';
import { ApiError, isNotFound, resourcePath, type KubeObject } from '../shared';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface FileOptions {
  filename?: string[];
  recursive?: boolean;
  kustomize?: string;
  output?: string;
}

/** The namespace an object goes to: its own, else -n / the context's; a mismatch with -n is an error. */
export function targetNamespace(ctx: Ctx, m: Manifest): string | undefined {
  if (!m.rt.namespaced) return undefined;
  const own = m.obj.metadata.namespace;
  if (own && ctx.namespaceExplicit && own !== ctx.namespace) {
    throw new CliError(`the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
  return own ?? ctx.namespace;
}

/** What kubectl stores in the annotation: the manifest without that annotation, as sorted JSON plus a newline. */
export function lastAppliedValue(obj: KubeObject): string {
  const copy = structuredClone(obj);
  const annots = { ...(copy.metadata.annotations ?? {}) };
  delete annots[LAST_APPLIED];
  copy.metadata.annotations = annots; // kept even when empty, as kubectl records it
  return JSON.stringify(sortKeys(copy)) + '\n';
}

/** The manifest with its last-applied annotation set (what apply creates, and the "modified" of the patch). */
export function withLastApplied(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [LAST_APPLIED]: lastAppliedValue(obj) };
  return copy;
}

function label(m: Manifest, name: string): string {
  return `${kindPrefix(m.rt)}/${name}`;
}

async function eachManifest(ctx: Ctx, o: FileOptions, fn: (m: Manifest, ns: string | undefined) => Promise<void>): Promise<number> {
  const manifests = await manifestsFrom(ctx, o);
  let rc = 0;
  for (const m of manifests) {
    try {
      await fn(m, targetNamespace(ctx, m));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      rc = 1;
    }
  }
  return rc;
}

function fail(e: unknown, what: string, source: string): never {
  if (e instanceof ApiError) process.stderr.write(serverErrorLine(e, `error when ${what} "${source}"`) + '\n');
  throw e;
}

export async function apply(ctx: Ctx, o: FileOptions): Promise<number> {
  return eachManifest(ctx, o, async (m, ns) => {
    const name = m.obj.metadata.name;
    if (!name) {
      if (m.obj.metadata.generateName) throw new CliError(`from ${m.obj.metadata.generateName}: cannot use generate name with apply`);
      throw new CliError(`error when retrieving current configuration of: resource name may not be empty`);
    }
    // kubectl's builder sets the default namespace on the object before it is recorded.
    if (ns) m.obj.metadata.namespace = ns;
    const modified = withLastApplied(m.obj);
    let live: KubeObject | undefined;
    try {
      live = await ctx.client.request<KubeObject>('GET', resourcePath(m.rt, ns, name));
    } catch (e) {
      if (!isNotFound(e)) fail(e, 'retrieving current configuration of', m.source);
    }
    if (!live) {
      try {
        await ctx.client.request('POST', resourcePath(m.rt, ns), { body: modified, query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' } });
      } catch (e) {
        fail(e, 'creating', m.source);
      }
      process.stdout.write(`${label(m, name)} created\n`);
      return;
    }
    const originalText = live.metadata.annotations?.[LAST_APPLIED];
    if (originalText === undefined) {
      process.stderr.write(
        `Warning: resource ${m.rt.resource}/${name} is missing the ${LAST_APPLIED} annotation which is required by mkctl apply. mkctl apply should only be used on resources created declaratively by either mkctl create --save-config or mkctl apply. The missing annotation will be patched automatically.\n`,
      );
    }
    let original: KubeObject | undefined;
    try {
      original = originalText ? (JSON.parse(originalText) as KubeObject) : undefined;
    } catch {
      original = undefined;
    }
    const patch = createThreeWayMergePatch(original, modified, live);
    if (Object.keys(patch).length === 0) {
      process.stdout.write(`${label(m, name)} unchanged\n`);
      return;
    }
    try {
      await ctx.client.request('PATCH', resourcePath(m.rt, ns, name), {
        body: JSON.stringify(patch),
        contentType: 'application/strategic-merge-patch+json',
        query: { fieldManager: 'kubectl-client-side-apply', fieldValidation: 'Strict' },
      });
    } catch (e) {
      if (e instanceof ApiError && e.reason !== 'Invalid') {
        process.stderr.write(serverErrorLine(e, `error when applying patch:\n${JSON.stringify(patch)}\nto:\nResource: "${m.rt.group ? m.rt.group + '/' : ''}${m.rt.version}, Resource=${m.rt.resource}", GroupVersionKind: "${m.obj.apiVersion}, Kind=${m.obj.kind}"\nName: "${name}", Namespace: "${ns ?? ''}"\nfor: "${m.source}"`) + '\n');
        throw e;
      }
      fail(e, 'patching', m.source);
    }
    process.stdout.write(`${label(m, name)} configured\n`);
  });
}

export async function create(ctx: Ctx, args: string[], o: FileOptions & { saveConfig?: boolean }): Promise<number> {
  if (args.length) throw usageError(`Unexpected args: [${args.join(' ')}]`, 'create');
  if (!o.filename?.length) throw new CliError('must specify one of -f and -k');
  return eachManifest(ctx, o, async (m, ns) => {
    const body = o.saveConfig ? withLastApplied(m.obj) : m.obj;
    let created: KubeObject;
    try {
      created = await ctx.client.request<KubeObject>('POST', resourcePath(m.rt, nsFor(m.rt, ns)), { body, query: { fieldManager: 'kubectl-create', fieldValidation: 'Strict' } });
    } catch (e) {
      fail(e, 'creating', m.source);
    }
    if (o.output === 'name') process.stdout.write(`${label(m, created.metadata.name ?? '')}\n`);
    else process.stdout.write(`${label(m, created.metadata.name ?? '')} created\n`);
  });
}

export async function replace(ctx: Ctx, o: FileOptions): Promise<number> {
  return eachManifest(ctx, o, async (m, ns) => {
    const name = m.obj.metadata.name;
    if (!name) throw new CliError(`error when replacing "${m.source}": resource name may not be empty`);
    try {
      await ctx.client.request('PUT', resourcePath(m.rt, nsFor(m.rt, ns), name), { body: m.obj, query: { fieldManager: 'kubectl-replace', fieldValidation: 'Strict' } });
    } catch (e) {
      fail(e, 'replacing', m.source);
    }
    process.stdout.write(`${label(m, name)} replaced\n`);
  });
}
