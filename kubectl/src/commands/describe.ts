// describe (pods, deployments, services, nodes; other kinds as their fields) with kubectl's layout and
// the Events found by the involvedObject field selector.
import type { apps, core } from '@minik8s/shared';
import { humanDuration } from '@minik8s/shared/rules';
import { getObject, listObjects } from '../api';
import { parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { tabwrite } from '../print/tabwriter';
import { ApiError, type KubeObject, type ResourceType } from '../shared';

// The kinds with their own layout, as the server returns them (describeOne picks one by the kind).
type Pod = core.Pod & KubeObject;
type Deployment = apps.Deployment & KubeObject;
type ReplicaSet = apps.ReplicaSet & KubeObject;
type Service = core.Service & KubeObject;
type Node = core.Node & KubeObject;
type Event = core.Event & KubeObject;

const ago = (t: string | undefined, now = Date.now()) => (t ? humanDuration(now - Date.parse(t)) : '<unknown>');

class Writer {
  readonly lines: string[] = [];
  line(level: number, key: string, value?: unknown): void {
    const ind = '  '.repeat(level);
    this.lines.push(value === undefined ? `${ind}${key}` : `${ind}${key}\t${value === '' ? '' : String(value)}`);
  }
  /** `Labels:  a=b` then further entries on their own lines, or <none>. */
  map(level: number, key: string, m: Record<string, string> | undefined, sep = '='): void {
    // kubectl never shows the last-applied annotation.
    const keys = Object.keys(m ?? {})
      .filter((k) => k !== 'kubectl.kubernetes.io/last-applied-configuration')
      .sort();
    if (keys.length === 0) return this.line(level, key, '<none>');
    keys.forEach((k, i) => this.line(level, i === 0 ? key : '', `${k}${sep}${m![k]}`));
  }
  toString(): string {
    return tabwrite(this.lines);
  }
}

async function events(ctx: Ctx, obj: KubeObject, kind?: string): Promise<Event[]> {
  const sel = [
    `involvedObject.name=${obj.metadata.name}`,
    `involvedObject.namespace=${obj.metadata.namespace ?? ''}`,
    `involvedObject.uid=${obj.metadata.uid}`,
  ];
  if (kind) sel.push(`involvedObject.kind=${kind}`);
  try {
    const list = await listObjects(ctx, builtinType('events'), obj.metadata.namespace ?? ctx.namespace, { fieldSelector: sel.join(',') });
    return (list.items as Event[]).sort((a, b) => String(eventTime(a)).localeCompare(String(eventTime(b))));
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return [];
    throw e;
  }
}

const eventTime = (e: Event) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp;

function writeEvents(w: Writer, evs: Event[]): void {
  if (evs.length === 0) return w.line(0, 'Events:', '<none>');
  w.line(0, 'Events:');
  w.line(1, 'Type\tReason\tAge\tFrom\tMessage');
  w.line(1, '----\t------\t----\t----\t-------');
  for (const e of evs) {
    const age = (e.count ?? 1) > 1 ? `${ago(eventTime(e))} (x${e.count} over ${ago(e.firstTimestamp ?? eventTime(e))})` : ago(eventTime(e));
    const from = e.source?.component || e.reportingComponent || '';
    w.line(1, `${e.type ?? ''}\t${e.reason ?? ''}\t${age}\t${from}\t${(e.message ?? '').trim()}`);
  }
}

function meta(w: Writer, o: KubeObject): void {
  w.line(0, 'Name:', o.metadata.name);
  if (o.metadata.namespace) w.line(0, 'Namespace:', o.metadata.namespace);
}

function describePod(w: Writer, p: Pod): void {
  meta(w, p);
  if (p.spec?.priority !== undefined) w.line(0, 'Priority:', p.spec.priority);
  if (p.spec?.serviceAccountName) w.line(0, 'Service Account:', p.spec.serviceAccountName);
  w.line(0, 'Node:', p.spec?.nodeName ? `${p.spec.nodeName}/${p.status?.hostIP ?? ''}` : '<none>');
  if (p.status?.startTime) w.line(0, 'Start Time:', new Date(p.status.startTime).toUTCString().replace('GMT', '+0000'));
  w.map(0, 'Labels:', p.metadata.labels);
  w.map(0, 'Annotations:', p.metadata.annotations, ': ');
  w.line(0, 'Status:', p.metadata.deletionTimestamp ? 'Terminating' : (p.status?.phase ?? 'Unknown'));
  w.line(0, 'IP:', p.status?.podIP ?? '');
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip);
  if (ips.length) {
    w.line(0, 'IPs:');
    for (const ip of ips) w.line(1, 'IP:', ip);
  } else w.line(0, 'IPs:', '<none>');
  const owner = (p.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (owner) w.line(0, 'Controlled By:', `${owner.kind}/${owner.name}`);
  const statuses = p.status?.containerStatuses ?? [];
  w.line(0, 'Containers:');
  for (const c of p.spec?.containers ?? []) {
    const st = statuses.find((s) => s.name === c.name);
    w.line(1, `${c.name}:`);
    if (st?.containerID) w.line(2, 'Container ID:', st.containerID);
    w.line(2, 'Image:', c.image);
    if (st?.imageID) w.line(2, 'Image ID:', st.imageID);
    const ports = (c.ports ?? []).map((x) => `${x.containerPort}/${x.protocol ?? 'TCP'}`);
    w.line(2, 'Port:', ports.length ? ports.join(', ') : '<none>');
    w.line(2, 'Host Port:', ports.length ? (c.ports ?? []).map((x) => `${x.hostPort ?? 0}/${x.protocol ?? 'TCP'}`).join(', ') : '<none>');
    for (const [k, label] of [
      ['command', 'Command:'],
      ['args', 'Args:'],
    ] as const) {
      if (c[k]?.length) {
        w.line(2, label);
        for (const a of c[k]) w.line(3, a);
      }
    }
    if (st) {
      const [stateName, state] = Object.entries(st.state ?? {})[0] ?? ['Waiting', {}];
      w.line(2, 'State:', stateName[0].toUpperCase() + stateName.slice(1));
      const s = state as { reason?: string; exitCode?: number; startedAt?: string };
      if (s.reason) w.line(3, 'Reason:', s.reason);
      if (s.exitCode !== undefined) w.line(3, 'Exit Code:', s.exitCode);
      if (s.startedAt) w.line(3, 'Started:', new Date(s.startedAt).toUTCString().replace('GMT', '+0000'));
      w.line(2, 'Ready:', st.ready ? 'True' : 'False');
      w.line(2, 'Restart Count:', st.restartCount ?? 0);
    }
    const env = c.env ?? [];
    if (env.length) {
      w.line(2, 'Environment:');
      for (const e of env) w.line(3, `${e.name}:`, e.value ?? (e.valueFrom ? '(from a reference)' : ''));
    } else w.line(2, 'Environment:', '<none>');
    const mounts = c.volumeMounts ?? [];
    if (mounts.length) {
      w.line(2, 'Mounts:');
      for (const m of mounts) w.line(3, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})`);
    } else w.line(2, 'Mounts:', '<none>');
  }
  const conds = p.status?.conditions ?? [];
  if (conds.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus');
    for (const c of conds) w.line(1, `${c.type} \t${c.status} `);
  }
  const vols = p.spec?.volumes ?? [];
  if (vols.length) {
    w.line(0, 'Volumes:');
    for (const v of vols) {
      w.line(1, `${v.name}:`);
      if (v.projected) projectedVolume(w, v.projected);
      else w.line(2, 'Type:', Object.keys(v).filter((k) => k !== 'name')[0] ?? '<unknown>');
    }
  } else w.line(0, 'Volumes:', '<none>');
  w.line(0, 'QoS Class:', p.status?.qosClass ?? 'BestEffort');
  w.map(0, 'Node-Selectors:', p.spec?.nodeSelector);
  const tol = (p.spec?.tolerations ?? []).map(
    (t) =>
      `${t.key ?? ''}${t.value ? `=${t.value}` : ''}:${t.effect ?? ''}${t.operator === 'Exists' ? ' op=Exists' : ''}${t.tolerationSeconds !== undefined ? ` for ${t.tolerationSeconds}s` : ''}`,
  );
  if (tol.length) tol.forEach((t: string, i: number) => w.line(0, i === 0 ? 'Tolerations:' : '', t));
  else w.line(0, 'Tolerations:', '<none>');
}

/** A projected volume as kubectl describes one (every pod's kube-api-access-* volume is one). */
function projectedVolume(w: { line(indent: number, ...cols: unknown[]): void }, p: NonNullable<core.Volume['projected']>): void {
  const opt = (x: unknown) => (x === undefined || x === null ? '<nil>' : String(x));
  w.line(2, 'Type:', 'Projected (a volume that contains injected data from multiple sources)');
  for (const src of p.sources ?? []) {
    if (src.secret) {
      w.line(2, 'SecretName:', src.secret.name ?? '');
      w.line(2, 'SecretOptionalName:', opt(src.secret.optional));
    } else if (src.downwardAPI) w.line(2, 'DownwardAPI:', 'true');
    else if (src.configMap) {
      w.line(2, 'ConfigMapName:', src.configMap.name ?? '');
      w.line(2, 'ConfigMapOptional:', opt(src.configMap.optional));
    } else if (src.serviceAccountToken) w.line(2, 'TokenExpirationSeconds:', src.serviceAccountToken.expirationSeconds ?? 3600);
  }
}

function selector(sel: { matchLabels?: Record<string, string> } | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? sel ?? {}).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join(',') : '<none>';
}

async function describeDeployment(ctx: Ctx, w: Writer, d: Deployment): Promise<void> {
  meta(w, d);
  w.line(0, 'CreationTimestamp:', new Date(d.metadata.creationTimestamp ?? 0).toUTCString().replace('GMT', '+0000'));
  w.map(0, 'Labels:', d.metadata.labels);
  w.map(0, 'Annotations:', d.metadata.annotations, ': ');
  w.line(0, 'Selector:', selector(d.spec?.selector));
  const st = d.status;
  w.line(
    0,
    'Replicas:',
    `${d.spec?.replicas ?? 1} desired | ${st?.updatedReplicas ?? 0} updated | ${st?.replicas ?? 0} total | ${st?.availableReplicas ?? 0} available | ${st?.unavailableReplicas ?? 0} unavailable`,
  );
  w.line(0, 'StrategyType:', d.spec?.strategy?.type ?? 'RollingUpdate');
  w.line(0, 'MinReadySeconds:', d.spec?.minReadySeconds ?? 0);
  const ru = d.spec?.strategy?.rollingUpdate;
  if (ru) w.line(0, 'RollingUpdateStrategy:', `${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge`);
  w.line(0, 'Pod Template:');
  const t = d.spec?.template;
  w.map(1, 'Labels:', t?.metadata?.labels);
  w.line(1, 'Containers:');
  for (const c of t?.spec?.containers ?? []) {
    // kubectl indents template containers by three spaces, their fields by four.
    w.line(0, `   ${c.name}:`);
    w.line(2, 'Image:', c.image);
    const ports = (c.ports ?? []).map((x) => `${x.containerPort}/${x.protocol ?? 'TCP'}`);
    w.line(2, 'Port:', ports.length ? ports.join(', ') : '<none>');
    w.line(2, 'Host Port:', ports.length ? (c.ports ?? []).map((x) => `${x.hostPort ?? 0}/${x.protocol ?? 'TCP'}`).join(', ') : '<none>');
    for (const [k, label] of [
      ['command', 'Command:'],
      ['args', 'Args:'],
    ] as const) {
      if (c[k]?.length) {
        w.line(2, label);
        for (const a of c[k]) w.line(3, a);
      }
    }
    const env = c.env ?? [];
    if (env.length) {
      w.line(2, 'Environment:');
      for (const e of env) w.line(3, `${e.name}:`, e.value ?? '(from a reference)');
    } else w.line(2, 'Environment:', '<none>');
    const mounts = c.volumeMounts ?? [];
    if (mounts.length) {
      w.line(2, 'Mounts:');
      for (const m of mounts) w.line(3, `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'})`);
    } else w.line(2, 'Mounts:', '<none>');
  }
  const vols = t?.spec?.volumes ?? [];
  if (vols.length) {
    w.line(1, 'Volumes:');
    for (const v of vols) w.line(2, `${v.name}:`, Object.keys(v).filter((k) => k !== 'name')[0] ?? '<unknown>');
  } else w.line(1, 'Volumes:', '<none>');
  w.map(1, 'Node-Selectors:', t?.spec?.nodeSelector);
  const tolerations = t?.spec?.tolerations ?? [];
  w.line(1, 'Tolerations:', tolerations.length ? tolerations.map((x) => `${x.key ?? ''}:${x.effect ?? ''}`).join(', ') : '<none>');
  const conds = st?.conditions ?? [];
  if (conds.length) {
    w.line(0, 'Conditions:');
    w.line(1, 'Type\tStatus\tReason');
    w.line(1, '----\t------\t------');
    for (const c of conds) w.line(1, `${c.type}\t${c.status}\t${c.reason ?? ''}`);
  }
  const rss = (await listObjects(ctx, builtinType('replicasets'), d.metadata.namespace, { labelSelector: selector(d.spec?.selector) }))
    .items as ReplicaSet[];
  const owned = rss.filter((rs) => (rs.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid));
  const rev = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const isNew = (rs: ReplicaSet) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === rev;
  const fmt = (rs: ReplicaSet) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`;
  const old = owned.filter((rs) => !isNew(rs) && (rs.spec?.replicas ?? 0) > 0);
  w.line(0, 'OldReplicaSets:', old.length ? old.map(fmt).join(', ') : '<none>');
  const cur = owned.find(isNew);
  w.line(0, 'NewReplicaSet:', cur ? fmt(cur) : '<none>');
}

function describeService(w: Writer, s: Service): void {
  meta(w, s);
  w.map(0, 'Labels:', s.metadata.labels);
  w.map(0, 'Annotations:', s.metadata.annotations, ': ');
  w.line(
    0,
    'Selector:',
    s.spec?.selector
      ? Object.entries(s.spec.selector)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(',')
      : '<none>',
  );
  w.line(0, 'Type:', s.spec?.type ?? 'ClusterIP');
  w.line(0, 'IP Family Policy:', s.spec?.ipFamilyPolicy ?? 'SingleStack');
  w.line(0, 'IP Families:', (s.spec?.ipFamilies ?? ['IPv4']).join(','));
  w.line(0, 'IP:', s.spec?.clusterIP ?? '<none>');
  w.line(0, 'IPs:', (s.spec?.clusterIPs ?? [s.spec?.clusterIP]).filter(Boolean).join(',') || '<none>');
  for (const p of s.spec?.ports ?? []) {
    const name = p.name || '<unset>';
    w.line(0, 'Port:', `${name}  ${p.port}/${p.protocol ?? 'TCP'}`);
    w.line(0, 'TargetPort:', `${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`);
    if (p.nodePort) w.line(0, 'NodePort:', `${name}  ${p.nodePort}/${p.protocol ?? 'TCP'}`);
  }
  w.line(0, 'Session Affinity:', s.spec?.sessionAffinity ?? 'None');
}

function describeNode(w: Writer, n: Node, pods: KubeObject[]): void {
  w.line(0, 'Name:', n.metadata.name);
  const roles = Object.keys(n.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.split('/')[1]);
  w.line(0, 'Roles:', roles.length ? roles.join(',') : '<none>');
  w.map(0, 'Labels:', n.metadata.labels);
  w.map(0, 'Annotations:', n.metadata.annotations, ': ');
  w.line(0, 'CreationTimestamp:', new Date(n.metadata.creationTimestamp ?? 0).toUTCString().replace('GMT', '+0000'));
  const taints = (n.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  w.line(0, 'Taints:', taints.length ? taints.join(', ') : '<none>');
  w.line(0, 'Unschedulable:', n.spec?.unschedulable ? 'true' : 'false');
  w.line(0, 'Conditions:');
  w.line(1, 'Type\tStatus\tLastHeartbeatTime\tReason\tMessage');
  w.line(1, '----\t------\t-----------------\t------\t-------');
  for (const c of n.status?.conditions ?? [])
    w.line(1, `${c.type}\t${c.status}\t${c.lastHeartbeatTime ?? ''}\t${c.reason ?? ''}\t${c.message ?? ''}`);
  w.line(0, 'Addresses:');
  for (const a of n.status?.addresses ?? []) w.line(1, `${a.type}:`, a.address);
  for (const [key, label] of [
    ['capacity', 'Capacity:'],
    ['allocatable', 'Allocatable:'],
  ] as const) {
    w.line(0, label);
    for (const [k, v] of Object.entries(n.status?.[key] ?? {})) w.line(1, `${k}:`, v);
  }
  w.line(0, 'PodCIDR:', n.spec?.podCIDR ?? '');
  w.line(0, `Non-terminated Pods:`, `(${pods.length} in total)`);
  w.line(1, 'Namespace\tName\tAge');
  w.line(1, '---------\t----\t---');
  for (const p of pods) w.line(1, `${p.metadata.namespace}\t${p.metadata.name}\t${ago(p.metadata.creationTimestamp)}`);
}

function describeGeneric(w: Writer, o: KubeObject): void {
  meta(w, o);
  w.map(0, 'Labels:', o.metadata.labels);
  w.map(0, 'Annotations:', o.metadata.annotations, ': ');
  const walk = (level: number, v: unknown, key: string) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      w.line(level, `${key}:`);
      for (const [k, x] of Object.entries(v)) walk(level + 1, x, k);
    } else if (Array.isArray(v)) {
      w.line(level, `${key}:`);
      v.forEach((x, i) => walk(level + 1, x, `[${i}]`));
    } else w.line(level, `${key}:`, String(v));
  };
  for (const [k, v] of Object.entries(o)) if (!['metadata', 'apiVersion', 'kind'].includes(k)) walk(0, v, k[0].toUpperCase() + k.slice(1));
}

async function describeOne(ctx: Ctx, rt: ResourceType, o: KubeObject): Promise<string> {
  const w = new Writer();
  if (rt.kind === 'Pod') describePod(w, o as Pod);
  else if (rt.kind === 'Deployment') await describeDeployment(ctx, w, o as Deployment);
  else if (rt.kind === 'Service') describeService(w, o as Service);
  else if (rt.kind === 'Node') {
    const pods = (await listObjects(ctx, builtinType('pods'), undefined, { fieldSelector: `spec.nodeName=${o.metadata.name}` })).items;
    describeNode(w, o as Node, pods);
  } else describeGeneric(w, o);
  writeEvents(w, await events(ctx, o, rt.kind === 'Pod' ? undefined : rt.kind));
  return w.toString();
}

export async function describe(ctx: Ctx, args: string[], o: { selector?: string; allNamespaces?: boolean }): Promise<number> {
  const reqs = await parseResourceArgs(ctx, args, 'describe');
  const out: string[] = [];
  let rc = 0;
  for (const r of reqs) {
    let objs: KubeObject[] = [];
    if (r.names.length) {
      for (const n of r.names) {
        try {
          objs.push(await getObject(ctx, r.rt, r.rt.namespaced ? ctx.namespace : undefined, n));
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          process.stderr.write(`Error from server (${e.reason}): ${e.message}\n`);
          rc = 1;
        }
      }
    } else {
      objs = (await listObjects(ctx, r.rt, o.allNamespaces ? undefined : ctx.namespace, { labelSelector: o.selector })).items;
    }
    for (const obj of objs) out.push(await describeOne(ctx, r.rt, obj));
  }
  if (out.length === 0 && rc === 0) process.stderr.write(`No resources found in ${ctx.namespace} namespace.\n`);
  process.stdout.write(out.join('\n\n\n'));
  return rc;
}
