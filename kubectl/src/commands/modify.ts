// delete, label, annotate, scale: target objects by TYPE NAME, TYPE/NAME, -f or -l, as kubectl does.
import { parseDurationFlag } from '@minik8s/shared/rules';
import { getObject, listObjects, nsFor } from '../api';
import { kindPrefix, parseKeyValues, parseResourceArgs } from '../args';
import type { Ctx } from '../context';
import { parseDuration } from '../duration';
import { CliError, serverErrorLine } from '../errors';
import { readManifests } from '../manifests';
import { ApiError, isNotFound, qualifiedResource, resourcePath, type KubeObject, type ResourceType } from '../shared';

export interface Target {
  rt: ResourceType;
  ns?: string;
  name: string;
}

export interface Selection {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  fieldSelector?: string;
  all?: boolean;
  allNamespaces?: boolean;
}

/** The objects a command acts on. Names given → no lookup; -l / --all → a list. */
export async function targets(ctx: Ctx, args: string[], o: Selection, verb: string): Promise<Target[]> {
  if (o.filename?.length) {
    return (await readManifests(ctx, o.filename, !!o.recursive)).map((m) => ({ rt: m.rt, ns: m.rt.namespaced ? (m.obj.metadata.namespace ?? ctx.namespace) : undefined, name: m.obj.metadata.name ?? '' }));
  }
  if (args.length === 0) throw new CliError(`You must provide one or more resources by argument or filename.`);
  const reqs = await parseResourceArgs(ctx, args, verb);
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const out: Target[] = [];
  for (const r of reqs) {
    if (r.names.length) {
      if (o.selector) throw new CliError('name cannot be provided when a selector is specified');
      out.push(...r.names.map((name) => ({ rt: r.rt, ns: nsFor(r.rt, ctx.namespace), name })));
    } else if (o.selector || o.all || o.fieldSelector) {
      const list = await listObjects(ctx, r.rt, ns, { labelSelector: o.selector, fieldSelector: o.fieldSelector });
      out.push(...list.items.map((it) => ({ rt: r.rt, ns: it.metadata.namespace, name: it.metadata.name ?? '' })));
    } else {
      throw new CliError(`resource(s) were provided, but no name was specified`);
    }
  }
  return out;
}

// ---- delete --------------------------------------------------------------------------------------

export interface DeleteOptions extends Selection {
  gracePeriod?: string;
  cascade?: string;
  now?: boolean;
  force?: boolean;
  wait?: boolean;
  ignoreNotFound?: boolean;
  timeout?: string;
}

function propagation(cascade: string | undefined): 'Background' | 'Foreground' | 'Orphan' {
  switch ((cascade ?? 'background').toLowerCase()) {
    case 'background':
    case 'true':
      return 'Background';
    case 'foreground':
      return 'Foreground';
    case 'orphan':
    case 'false':
      return 'Orphan';
    default:
      throw new CliError(`invalid cascade value (${cascade}). Must be "background", "foreground", or "orphan"`);
  }
}

export async function del(ctx: Ctx, args: string[], o: DeleteOptions): Promise<number> {
  const policy = propagation(o.cascade);
  let grace: number | undefined;
  if (o.gracePeriod !== undefined) {
    grace = Number(o.gracePeriod);
    if (!Number.isInteger(grace)) throw new CliError(`invalid argument "${o.gracePeriod}" for "--grace-period" flag: not an integer`);
    if (grace < 0) grace = undefined;
  }
  if (o.now) grace = 1;
  if (o.force && grace === undefined) grace = 0;
  const list = await targets(ctx, args, o, 'delete');
  if (list.length === 0) {
    process.stderr.write(`No resources found\n`);
    return 0;
  }
  let rc = 0;
  const deleted: (Target & { uid?: string })[] = [];
  for (const t of list) {
    const body: Record<string, unknown> = { propagationPolicy: policy };
    if (grace !== undefined) body.gracePeriodSeconds = grace;
    try {
      const res = await ctx.client.request<KubeObject>('DELETE', resourcePath(t.rt, t.ns, t.name), { body });
      process.stdout.write(`${kindPrefix(t.rt)} "${t.name}" ${o.force && grace === 0 ? 'force deleted' : 'deleted'}\n`);
      deleted.push({ ...t, uid: res?.metadata?.uid });
    } catch (e) {
      if (e instanceof ApiError && isNotFound(e) && o.ignoreNotFound) continue;
      if (!(e instanceof ApiError)) throw e;
      process.stderr.write(serverErrorLine(e) + '\n');
      rc = 1;
    }
  }
  if (o.wait !== false && !(o.force && grace === 0)) await waitGone(ctx, deleted, o.timeout);
  return rc;
}

/** Poll until every object is gone (or replaced by one with another uid), with a progress line on a terminal. */
async function waitGone(ctx: Ctx, list: (Target & { uid?: string })[], timeout?: string): Promise<void> {
  const limitMs = timeout ? parseDurationFlag('timeout', timeout) : 0;
  const start = Date.now();
  const tty = process.stderr.isTTY;
  let pending = list;
  while (pending.length) {
    const still: typeof pending = [];
    for (const t of pending) {
      try {
        const o = await ctx.client.request<KubeObject>('GET', resourcePath(t.rt, t.ns, t.name));
        if (!t.uid || o.metadata.uid === t.uid) still.push(t);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    pending = still;
    if (!pending.length) break;
    if (limitMs && Date.now() - start > limitMs) throw new CliError(`timed out waiting for the condition on ${pending.map((t) => `${t.rt.resource}/${t.name}`).join(', ')}`);
    if (tty) process.stderr.write(`\rwaiting for ${pending.length} object(s) to be deleted (${Math.round((Date.now() - start) / 1000)}s) `);
    await new Promise((r) => setTimeout(r, 300));
  }
  if (tty && Date.now() - start > 300) process.stderr.write('\r\x1b[K');
}

// ---- label / annotate -----------------------------------------------------------------------------

export interface MetaOptions extends Selection {
  overwrite?: boolean;
  resourceVersion?: string;
}

async function editMeta(ctx: Ctx, field: 'labels' | 'annotations', args: string[], o: MetaOptions): Promise<number> {
  const what = field === 'labels' ? 'label' : 'annotation';
  // Split "TYPE NAME k=v k-" / "TYPE/NAME k=v": resource args end where key=value / key- begin.
  const isChange = (a: string) => a.includes('=') || (a.endsWith('-') && a.length > 1 && !a.includes('/'));
  const firstChange = args.findIndex((a, i) => i > 0 && isChange(a));
  const resArgs = o.filename?.length ? [] : firstChange < 0 ? args : args.slice(0, firstChange);
  const changeArgs = o.filename?.length ? args : firstChange < 0 ? [] : args.slice(firstChange);
  if (changeArgs.length === 0) throw new CliError(`at least one ${what} update is required`);
  const { set, remove } = parseKeyValues(changeArgs, what);
  const list = await targets(ctx, resArgs, o, field === 'labels' ? 'label' : 'annotate');
  let rc = 0;
  for (const t of list) {
    try {
      const obj = await getObject(ctx, t.rt, t.ns, t.name);
      const cur = obj.metadata[field] ?? {};
      for (const [k, v] of Object.entries(set)) {
        if (!o.overwrite && k in cur && cur[k] !== v) throw new CliError(`'${k}' already has a value (${cur[k]}), and --overwrite is false`);
      }
      const patch: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(set)) if (cur[k] !== v) patch[k] = v;
      for (const k of remove) if (k in cur) patch[k] = null;
      const meta: Record<string, unknown> = { [field]: patch };
      if (o.resourceVersion) meta.resourceVersion = o.resourceVersion;
      const verbDone = field === 'labels' ? 'labeled' : 'annotated';
      let msg = Object.keys(patch).length ? verbDone : `not ${verbDone}`;
      if (field === 'labels' && Object.keys(patch).length && !o.overwrite && Object.values(patch).every((v) => v === null)) msg = 'unlabeled';
      if (Object.keys(patch).length) {
        await ctx.client.request('PATCH', resourcePath(t.rt, t.ns, t.name), {
          body: JSON.stringify({ metadata: meta }),
          contentType: 'application/merge-patch+json',
          query: { fieldManager: field === 'labels' ? 'kubectl-label' : 'kubectl-annotate' },
        });
      }
      process.stdout.write(`${kindPrefix(t.rt)}/${t.name} ${msg}\n`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      process.stderr.write(serverErrorLine(e) + '\n');
      rc = 1;
    }
  }
  return rc;
}

export const label = (ctx: Ctx, args: string[], o: MetaOptions) => editMeta(ctx, 'labels', args, o);
export const annotate = (ctx: Ctx, args: string[], o: MetaOptions) => editMeta(ctx, 'annotations', args, o);

// ---- scale ----------------------------------------------------------------------------------------

export async function scale(ctx: Ctx, args: string[], o: Selection & { replicas?: string; currentReplicas?: string }): Promise<number> {
  if (o.replicas === undefined) throw new CliError('required flag(s) "replicas" not set');
  const replicas = Number(o.replicas);
  if (!Number.isInteger(replicas) || replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  const list = await targets(ctx, args, o, 'scale');
  let rc = 0;
  for (const t of list) {
    if (!t.rt.subresources.includes('scale')) throw new CliError(`cannot scale ${qualifiedResource(t.rt)}: it has no scale subresource`);
    try {
      if (o.currentReplicas !== undefined) {
        const s = await ctx.client.request<{ spec?: { replicas?: number } }>('GET', resourcePath(t.rt, t.ns, t.name, 'scale'));
        if ((s.spec?.replicas ?? 0) !== Number(o.currentReplicas)) throw new CliError(`Expected replicas to be ${o.currentReplicas}, was ${s.spec?.replicas ?? 0}`);
      }
      await ctx.client.request('PATCH', resourcePath(t.rt, t.ns, t.name, 'scale'), {
        body: JSON.stringify({ spec: { replicas } }),
        contentType: 'application/merge-patch+json',
      });
      process.stdout.write(`${kindPrefix(t.rt)}/${t.name} scaled\n`);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      process.stderr.write(serverErrorLine(e) + '\n');
      rc = 1;
    }
  }
  return rc;
}
