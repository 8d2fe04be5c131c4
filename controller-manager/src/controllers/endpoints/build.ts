// Which pods back a Service and on which ports (upstream endpoints controller + podutil.FindPort),
// shared by the Endpoints and EndpointSlice controllers.
import { isPodReady, isPodTerminal, type core } from '@minik8s/shared';
import type { Endpoints, Pod, Service } from '../../util/types';

export interface ResolvedPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface PodEndpoint {
  pod: Pod;
  ip: string;
  ready: boolean;
  terminating: boolean;
  ports: ResolvedPort[];
}

/** podutil.FindPort: a named targetPort is looked up among the pod's container ports (same protocol). */
export function findPort(pod: Pod, sp: core.ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  const protocol = sp.protocol ?? 'TCP';
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
  }
  return undefined;
}

/**
 * The endpoint of every pod that belongs in the Service's endpoints (ShouldPodBeInEndpoints):
 * it has an IP and is not terminal; terminating pods only when includeTerminating.
 */
export function podEndpoints(svc: Service, pods: Pod[], includeTerminating: boolean): PodEndpoint[] {
  const out: PodEndpoint[] = [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || isPodTerminal(pod)) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    if (terminating && !includeTerminating) continue;
    const ports: ResolvedPort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const rp: ResolvedPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) rp.name = sp.name;
      if (sp.appProtocol) rp.appProtocol = sp.appProtocol;
      ports.push(rp);
    }
    out.push({ pod, ip, ready: publishNotReady || (isPodReady(pod) && !terminating), terminating, ports });
  }
  return out;
}

export function portSetKey(ports: ResolvedPort[]): string {
  return JSON.stringify(ports.map((p) => [p.name ?? '', p.port, p.protocol, p.appProtocol ?? '']).sort());
}

function address(e: PodEndpoint): core.EndpointAddress {
  const a: core.EndpointAddress = { ip: e.ip, targetRef: { kind: 'Pod', namespace: e.pod.metadata.namespace, name: e.pod.metadata.name, uid: e.pod.metadata.uid } };
  if (e.pod.spec?.nodeName) a.nodeName = e.pod.spec.nodeName;
  if (e.pod.spec?.hostname) a.hostname = e.pod.spec.hostname;
  return a;
}

/** Endpoints subsets grouped by port set (RepackSubsets), addresses sorted for a stable diff. */
export function buildSubsets(svc: Service, pods: Pod[]): core.EndpointSubset[] {
  const groups = new Map<string, core.EndpointSubset>();
  const hasPorts = (svc.spec?.ports ?? []).length > 0;
  for (const e of podEndpoints(svc, pods, false)) {
    if (hasPorts && e.ports.length === 0) continue;
    const k = portSetKey(e.ports);
    let g = groups.get(k);
    if (!g) {
      g = {};
      if (e.ports.length) g.ports = e.ports.map((p) => ({ ...p }));
      groups.set(k, g);
    }
    const list = e.ready ? (g.addresses ??= []) : (g.notReadyAddresses ??= []);
    list.push(address(e));
  }
  const byIp = (a: core.EndpointAddress, b: core.EndpointAddress) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      g.addresses?.sort(byIp);
      g.notReadyAddresses?.sort(byIp);
      g.ports?.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
      return g;
    });
}

/** The Endpoints object the controller wants for a Service. */
export function desiredEndpoints(svc: Service, pods: Pod[]): Endpoints {
  const labels: Record<string, string> = { ...(svc.metadata?.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') labels['service.kubernetes.io/headless'] = '';
  const ep: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: svc.metadata!.name, namespace: svc.metadata!.namespace, labels },
    subsets: buildSubsets(svc, pods),
  };
  return ep;
}
