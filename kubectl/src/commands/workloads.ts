// run, expose, set image and rollout status|history|undo|pause|resume|restart (logic as kubectl's
// polymorphichelpers: rollout_status.go, history.go, rollback.go).
import { createTwoWayMergePatch } from '@minik8s/shared/patch';
import { ResourceClient } from '@minik8s/shared/client';
import { parseDurationFlag, rfc3339 } from '@minik8s/shared/rules';
import { getObject, listObjects } from '../api';
import { kindPrefix, parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError, usageError } from '../errors';
import { tabwrite } from '../print/tabwriter';
import { sortKeys, toYaml } from '../print/yaml';
import { resourcePath, type KubeObject, type ResourceType } from '../shared';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & { spec?: any; status?: any };

const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

async function oneTarget(ctx: Ctx, args: string[], verb: string): Promise<{ rt: ResourceType; name: string }> {
  const reqs = await parseResourceArgs(ctx, args, verb);
  if (reqs.length !== 1 || reqs[0].names.length !== 1) throw new CliError(`${verb} requires exactly one TYPE NAME or TYPE/NAME`);
  return { rt: reqs[0].rt, name: reqs[0].names[0] };
}

function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const vals = `(${(e.values ?? []).join(',')})`;
    if (e.operator === 'In') parts.push(`${e.key} in ${vals}`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin ${vals}`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

// ---- run / expose / set image -------------------------------------------------------------------

export interface RunOptions {
  image?: string;
  restart?: string;
  labels?: string;
  env?: string[];
  port?: string;
  command?: boolean;
  dryRun?: string;
  output?: string;
  stdin?: boolean;
  tty?: boolean;
  attach?: boolean;
  rm?: boolean;
  leaveStdinOpen?: boolean;
  quiet?: boolean;
  podRunningTimeout?: string;
}

export async function runPod(ctx: Ctx, name: string, command: string[], o: RunOptions): Promise<number> {
  if (!o.image) throw new CliError('required flag(s) "image" not set');
  const attach = o.attach ?? !!o.stdin;
  if (o.tty && !o.stdin) throw usageError('-i/--stdin is required for containers with -t/--tty=true', 'run');
  if (o.restart !== undefined && !['Always', 'OnFailure', 'Never'].includes(o.restart)) throw usageError(`invalid restart policy: ${o.restart}`, 'run');
  if (!attach && o.rm) throw usageError('--rm should only be used for attached containers', 'run');
  if (attach && o.dryRun) throw usageError("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)", 'run');
  const timeoutMs = o.podRunningTimeout !== undefined ? parseDurationFlag('pod-running-timeout', o.podRunningTimeout) : 60_000;
  if (timeoutMs <= 0) throw usageError('--pod-running-timeout must be higher than zero', 'run');
  const labels: Record<string, string> = {};
  if (o.labels) for (const kv of o.labels.split(',')) labels[kv.split('=')[0]] = kv.split('=').slice(1).join('=');
  else labels.run = name;
  const container: Record<string, unknown> = { name, image: o.image, resources: {} };
  if (command.length) container[o.command ? 'command' : 'args'] = command;
  if (o.env?.length) container.env = o.env.map((kv) => ({ name: kv.split('=')[0], value: kv.split('=').slice(1).join('=') }));
  if (o.port) container.ports = [{ containerPort: Number(o.port) }];
  if (o.stdin) {
    container.stdin = true;
    if (!o.leaveStdinOpen) container.stdinOnce = true;
  }
  if (o.tty) container.tty = true;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { labels, name }, spec: { containers: [container], dnsPolicy: 'ClusterFirst', restartPolicy: o.restart ?? 'Always' }, status: {} };
  if (o.dryRun === 'client') {
    // As kubectl prints the generated object: a null creationTimestamp, the namespace when given with -n.
    const meta = { ...pod.metadata, creationTimestamp: null, ...(ctx.namespaceExplicit ? { namespace: ctx.namespace } : {}) };
    process.stdout.write(o.output === 'yaml' ? toYaml({ ...pod, metadata: meta }) : `pod/${name} created (dry run)\n`);
    return 0;
  }
  const created = await ctx.client.request<Obj>('POST', resourcePath(builtinType('pods'), ctx.namespace), { body: pod, query: { fieldManager: 'kubectl-run' } });
  if (!attach) {
    process.stdout.write(`pod/${name} created\n`);
    return 0;
  }
  const { runAttached } = await import('./run');
  // kubectl waits for the exit code with the policy it reasons with: -i alone means OnFailure.
  const restart = o.restart ?? (o.stdin ? 'OnFailure' : 'Always');
  return runAttached(ctx, created, { stdin: o.stdin, tty: o.tty, quiet: o.quiet, rm: o.rm, leaveStdinOpen: o.leaveStdinOpen, restart, timeoutMs });
}

export async function expose(ctx: Ctx, args: string[], o: { port?: string; targetPort?: string; name?: string; type?: string; protocol?: string; selector?: string }): Promise<number> {
  const { rt, name } = await oneTarget(ctx, args, 'expose');
  const obj = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  let selector: Record<string, string> | undefined;
  if (o.selector) selector = Object.fromEntries(o.selector.split(',').map((kv) => [kv.split('=')[0], kv.split('=')[1] ?? '']));
  else if (rt.kind === 'Pod') selector = obj.metadata.labels;
  else if (rt.kind === 'Service') selector = obj.spec?.selector;
  else selector = obj.spec?.selector?.matchLabels;
  if (!selector || Object.keys(selector).length === 0) throw new CliError(`couldn't retrieve selectors via --selector flag or introspection: the ${rt.kind} has no matchLabels selector`);
  let port = o.port;
  if (!port) {
    const c = obj.spec?.template?.spec?.containers ?? obj.spec?.containers ?? [];
    port = c.flatMap((x: any) => x.ports ?? [])[0]?.containerPort?.toString();
    if (!port) throw new CliError(`couldn't find port via --port flag or introspection`);
  }
  const p: Record<string, unknown> = { port: Number(port), protocol: o.protocol ?? 'TCP' };
  const tp = o.targetPort ?? port;
  p.targetPort = /^\d+$/.test(tp) ? Number(tp) : tp;
  const svcName = o.name ?? name;
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { labels: obj.metadata.labels, name: svcName },
    spec: { ports: [p], selector, ...(o.type ? { type: o.type } : {}) },
    status: { loadBalancer: {} },
  };
  await ctx.client.request('POST', resourcePath(builtinType('services'), ctx.namespace), { body: svc, query: { fieldManager: 'kubectl-expose' } });
  process.stdout.write(`service/${svcName} exposed\n`);
  return 0;
}

export async function setImage(ctx: Ctx, args: string[], o: { all?: boolean }): Promise<number> {
  const resArgs = args.filter((a) => !a.includes('=') || a.includes('/'));
  const changes = args.filter((a) => a.includes('=') && !a.startsWith('-'));
  const res = resArgs.filter((a) => !changes.includes(a));
  if (changes.length === 0) throw new CliError('at least one image update is required');
  const { rt, name } = await oneTarget(ctx, res, 'set image');
  const obj = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  const updated = structuredClone(obj);
  const podSpec = updated.spec?.template?.spec ?? updated.spec;
  for (const ch of changes) {
    const [cname, image] = [ch.slice(0, ch.indexOf('=')), ch.slice(ch.indexOf('=') + 1)];
    const all = [...(podSpec.initContainers ?? []), ...(podSpec.containers ?? [])];
    const hits = cname === '*' ? all : all.filter((c: any) => c.name === cname);
    if (hits.length === 0) throw new CliError(`unable to find container named "${cname}"`);
    for (const c of hits) c.image = image;
  }
  const patch = createTwoWayMergePatch(obj, updated);
  if (Object.keys(patch).length === 0) return 0;
  await ctx.client.request('PATCH', resourcePath(rt, ctx.namespace, name), { body: JSON.stringify(patch), contentType: 'application/strategic-merge-patch+json', query: { fieldManager: 'kubectl-set' } });
  process.stdout.write(`${kindPrefix(rt)}/${name} image updated\n`);
  return 0;
}

// ---- rollout ----------------------------------------------------------------------------------------

async function deploymentTarget(ctx: Ctx, args: string[], verb: string): Promise<{ rt: ResourceType; name: string }> {
  const t = await oneTarget(ctx, args, `rollout ${verb}`);
  if (t.rt.kind !== 'Deployment') throw new CliError(`no ${verb === 'history' ? 'history viewer' : 'rollout support'} has been implemented for "${t.rt.kind}" (mkctl supports deployments)`);
  return t;
}

/** kubectl's DeploymentStatusViewer: the message and whether the rollout is done. */
export function deploymentStatus(d: Obj, revision?: number): { message: string; done: boolean } {
  const name = d.metadata.name;
  if (revision !== undefined && Number(d.metadata.annotations?.[REVISION] ?? 0) !== revision) {
    throw new CliError(`desired revision (${revision}) is different from the running revision (${d.metadata.annotations?.[REVISION] ?? 0})`);
  }
  const st = d.status ?? {};
  if ((d.metadata.generation ?? 0) <= (st.observedGeneration ?? 0)) {
    const progressing = (st.conditions ?? []).find((c: any) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') throw new CliError(`deployment "${name}" exceeded its progress deadline`);
    const want = d.spec?.replicas;
    const updated = st.updatedReplicas ?? 0;
    if (want !== undefined && updated < want) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...` };
    if ((st.replicas ?? 0) > updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${(st.replicas ?? 0) - updated} old replicas are pending termination...` };
    if ((st.availableReplicas ?? 0) < updated) return { done: false, message: `Waiting for deployment "${name}" rollout to finish: ${st.availableReplicas ?? 0} of ${updated} updated replicas are available...` };
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  return { done: false, message: 'Waiting for deployment spec update to be observed...' };
}

export async function rolloutStatus(ctx: Ctx, args: string[], o: { timeout?: string; revision?: string; watch?: boolean }): Promise<number> {
  const { rt, name } = await deploymentTarget(ctx, args, 'status');
  const revision = o.revision !== undefined ? Number(o.revision) : undefined;
  const limit = o.timeout ? parseDurationFlag('timeout', o.timeout) : 0;
  const rc = new ResourceClient<Obj>(ctx.client, rt);
  let last = '';
  const show = (d: Obj): boolean => {
    const s = deploymentStatus(d, revision);
    if (s.message !== last) process.stdout.write(s.message + '\n');
    last = s.message;
    return s.done;
  };
  const first = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  if (show(first) || o.watch === false) return 0;
  let rv = first.metadata.resourceVersion;
  const deadline = limit ? Date.now() + limit : Infinity;
  while (Date.now() < deadline) {
    let finished = false;
    let deleted = false;
    const w = rc.watch({ namespace: ctx.namespace, fieldSelector: `metadata.name=${name}`, resourceVersion: rv, timeoutSeconds: limit ? Math.max(1, Math.ceil((deadline - Date.now()) / 1000)) : 300 }, (ev) => {
      rv = ev.object.metadata.resourceVersion ?? rv;
      if (ev.type === 'DELETED') {
        deleted = true;
        w.stop();
      } else if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && show(ev.object)) {
        finished = true;
        w.stop();
      }
    });
    await w.done;
    if (deleted) throw new CliError(`object has been deleted`);
    if (finished) return 0;
  }
  throw new CliError('timed out waiting for the condition');
}

async function ownedReplicaSets(ctx: Ctx, d: Obj): Promise<Obj[]> {
  const list = await listObjects(ctx, builtinType('replicasets'), ctx.namespace, { labelSelector: selectorString(d.spec?.selector) });
  return (list.items as Obj[]).filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid === d.metadata.uid));
}

const revisionOf = (o: Obj): number => Number(o.metadata.annotations?.[REVISION] ?? 0);

export async function rolloutHistory(ctx: Ctx, args: string[], o: { revision?: string }): Promise<number> {
  const { rt, name } = await deploymentTarget(ctx, args, 'history');
  const d = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  const rss = (await ownedReplicaSets(ctx, d)).sort((a, b) => revisionOf(a) - revisionOf(b));
  if (o.revision !== undefined && o.revision !== '0') {
    const rs = rss.find((r) => revisionOf(r) === Number(o.revision));
    if (!rs) throw new CliError(`unable to find the specified revision`);
    const tpl = structuredClone(rs.spec?.template ?? {});
    delete tpl.metadata?.labels?.['pod-template-hash'];
    process.stdout.write(`${kindPrefix(rt)}/${name} with revision #${o.revision}\n${toYaml(tpl).replace(/^/gm, '  ').replace(/ +$/, '')}`);
    return 0;
  }
  if (rss.length === 0) {
    process.stdout.write(`${kindPrefix(rt)}/${name} \nNo rollout history found.\n`);
    return 0;
  }
  const rows = ['REVISION\tCHANGE-CAUSE', ...rss.map((r) => `${revisionOf(r)}\t${r.metadata.annotations?.[CHANGE_CAUSE] ?? '<none>'}`)];
  process.stdout.write(`${kindPrefix(rt)}/${name} \n${tabwrite(rows, 2)}\n`);
  return 0;
}

export async function rolloutUndo(ctx: Ctx, args: string[], o: { toRevision?: string }): Promise<number> {
  const { rt, name } = await deploymentTarget(ctx, args, 'undo');
  const d = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  if (d.spec?.paused) throw new CliError(`you cannot rollback a paused deployment; resume it first with 'mkctl rollout resume' and try again`);
  const rss = await ownedReplicaSets(ctx, d);
  const toRevision = Number(o.toRevision ?? 0);
  let target: Obj | undefined;
  if (toRevision > 0) {
    target = rss.find((r) => revisionOf(r) === toRevision);
    if (!target) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  } else {
    const sorted = rss.sort((a, b) => revisionOf(b) - revisionOf(a));
    target = sorted[1];
    if (!target) throw new CliError(`no rollout history found for deployment "${name}"`);
  }
  const tpl = structuredClone(target.spec.template);
  delete tpl.metadata?.labels?.['pod-template-hash'];
  if (JSON.stringify(sortKeys(tpl)) === JSON.stringify(sortKeys(d.spec.template))) {
    process.stdout.write(`${kindPrefix(rt)}/${name} skipped rollback (current template already matches revision ${revisionOf(target)})\n`);
    return 0;
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (k === REVISION) annotations[k] = v;
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) {
    if (!k.startsWith('deployment.kubernetes.io/') && k !== 'kubectl.kubernetes.io/last-applied-configuration') annotations[k] = v;
  }
  const patch = [
    { op: 'replace', path: '/spec/template', value: tpl },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ];
  await ctx.client.request('PATCH', resourcePath(rt, ctx.namespace, name), { body: JSON.stringify(patch), contentType: 'application/json-patch+json' });
  process.stdout.write(`${kindPrefix(rt)}/${name} rolled back\n`);
  return 0;
}

async function patchDeployment(ctx: Ctx, args: string[], verb: string, build: (d: Obj) => object | undefined, done: string, already: string): Promise<number> {
  const { rt, name } = await deploymentTarget(ctx, args, verb);
  const d = await getObject<Obj>(ctx, rt, ctx.namespace, name);
  const patch = build(d);
  if (!patch) {
    process.stdout.write(`${kindPrefix(rt)}/${name} ${already}\n`);
    return 0;
  }
  await ctx.client.request('PATCH', resourcePath(rt, ctx.namespace, name), { body: JSON.stringify(patch), contentType: 'application/strategic-merge-patch+json', query: { fieldManager: 'kubectl-rollout' } });
  process.stdout.write(`${kindPrefix(rt)}/${name} ${done}\n`);
  return 0;
}

export const rolloutPause = (ctx: Ctx, args: string[]) => patchDeployment(ctx, args, 'pause', (d) => (d.spec?.paused ? undefined : { spec: { paused: true } }), 'paused', 'already paused');
export const rolloutResume = (ctx: Ctx, args: string[]) => patchDeployment(ctx, args, 'resume', (d) => (d.spec?.paused ? { spec: { paused: null } } : undefined), 'resumed', 'is not paused');
export const rolloutRestart = (ctx: Ctx, args: string[]) =>
  patchDeployment(ctx, args, 'restart', () => ({ spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': rfc3339() } } } } }), 'restarted', '');
