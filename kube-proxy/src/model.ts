// From API objects (Services, EndpointSlices or Endpoints) to the proxy's view: one entry per
// Service port, with the endpoints that should receive traffic. Pure.
import type { core, discovery } from '@minik8s/shared';
import { servicePortName } from '@minik8s/shared';
import { checkEndpoints, checkService, checkSlice, dropped, Invalid, ipv4, type Dropped } from './checks';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  nodeName?: string;
}

export interface ServicePort {
  namespace: string;
  name: string;
  /** Upstream ServicePortName.String(): "ns/name:port" or "ns/name" for an unnamed port. */
  spn: string;
  portName: string;
  protocol: Protocol;
  clusterIP: string;
  port: number;
  nodePort?: number;
  externalIPs: string[];
  /** Set when sessionAffinity is ClientIP: the recent-list timeout in seconds. */
  affinitySeconds?: number;
  /** Usable endpoints (ready; or serving+terminating when none is ready), sorted. */
  endpoints: Endpoint[];
}

export const DEFAULT_AFFINITY_SECONDS = 10800;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';


interface Candidate extends Endpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

function ipKey(ip: string): number {
  const p = ip.split('.').map(Number);
  return p.length === 4 && p.every((x) => x >= 0 && x <= 255) ? ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3] : 0;
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return ipKey(a.ip) - ipKey(b.ip) || a.ip.localeCompare(b.ip) || a.port - b.port;
}

/** Ready endpoints; if none is ready, the serving+terminating ones (upstream's terminating fallback). */
function usable(cands: Candidate[]): Endpoint[] {
  const seen = new Set<string>();
  const dedup = cands.filter((c) => {
    const k = `${c.ip}:${c.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  let chosen = dedup.filter((c) => c.ready);
  if (chosen.length === 0) chosen = dedup.filter((c) => c.serving && c.terminating);
  return chosen.map(({ ip, port, nodeName }) => (nodeName ? { ip, port, nodeName } : { ip, port })).sort(compareEndpoints);
}

function fromSlices(slices: discovery.EndpointSlice[], portName: string, protocol: Protocol): Candidate[] {
  const out: Candidate[] = [];
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const port = (s.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port || port.port == null) continue;
    for (const e of s.endpoints ?? []) {
      const ready = e.conditions?.ready ?? true;
      const serving = e.conditions?.serving ?? ready;
      const terminating = e.conditions?.terminating ?? false;
      for (const ip of (e.addresses ?? []).slice(0, 1)) {
        out.push({ ip: ipv4(ip, 'address'), port: port.port, nodeName: e.nodeName, ready, serving, terminating });
      }
    }
  }
  return out;
}

function fromEndpoints(ep: core.Endpoints, portName: string, protocol: Protocol): Candidate[] {
  const out: Candidate[] = [];
  for (const sub of ep.subsets ?? []) {
    const port = (sub.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) continue;
    for (const a of sub.addresses ?? []) {
      out.push({ ip: ipv4(a.ip, 'address'), port: port.port, nodeName: a.nodeName, ready: true, serving: true, terminating: false });
    }
  }
  return out;
}

export interface EndpointSources {
  /** EndpointSlices by "ns/serviceName" (label kubernetes.io/service-name). */
  slices: Map<string, discovery.EndpointSlice[]>;
  /** Endpoints objects by "ns/name"; used for a Service that has no EndpointSlice. */
  endpoints: Map<string, core.Endpoints>;
}

export function groupSlices(slices: discovery.EndpointSlice[]): Map<string, discovery.EndpointSlice[]> {
  const m = new Map<string, discovery.EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || !s.metadata?.namespace) continue;
    const k = `${s.metadata.namespace}/${svc}`;
    const list = m.get(k);
    if (list) list.push(s);
    else m.set(k, [s]);
  }
  return m;
}

/** Services whose ports kube-proxy programs: a real ClusterIP, not headless, not ExternalName. */
export function isProxiable(svc: core.Service): boolean {
  const ip = svc.spec?.clusterIP;
  return svc.spec?.type !== 'ExternalName' && typeof ip === 'string' && !!ip && ip !== 'None' && !ip.includes(':');
}

/**
 * The Service ports to program. Every value is re-checked (checks.ts): a Service, EndpointSlice or Endpoints
 * object with a value that does not parse is left out (reported through `drop`) and the others go on, so one
 * bad object never fails the whole sync nor adds a rule of its own; endpoint addresses are written canonical.
 */
export function buildServicePorts(services: core.Service[], src: EndpointSources, drop: (d: Dropped) => void = () => undefined): ServicePort[] {
  const out: ServicePort[] = [];
  const valid = <T>(kind: Dropped['kind'], o: T & { metadata?: object }, check: (o: T) => void): boolean => {
    try {
      check(o);
      return true;
    } catch (e) {
      if (!(e instanceof Invalid)) throw e;
      drop(dropped(kind, o, e));
      return false;
    }
  };
  for (const svc of services) {
    if (!isProxiable(svc) || !valid('Service', svc, checkService)) continue;
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    const key = `${ns}/${name}`;
    const allSlices = src.slices.get(key)?.filter((s) => valid('EndpointSlice', s, checkSlice));
    const slices = src.slices.get(key) ? allSlices : undefined;
    const endpointsObj = src.endpoints.get(key);
    const eps = endpointsObj && valid('Endpoints', endpointsObj, checkEndpoints) ? endpointsObj : undefined;
    const spec = svc.spec!;
    const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const affinity =
      spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS : undefined;
    for (const p of spec.ports ?? []) {
      const portName = p.name ?? '';
      const protocol = (p.protocol ?? 'TCP') as Protocol;
      const cands = slices ? fromSlices(slices, portName, protocol) : eps ? fromEndpoints(eps, portName, protocol) : [];
      const sp: ServicePort = {
        namespace: ns,
        name,
        spn: servicePortName(ns, name, portName),
        portName,
        protocol,
        clusterIP: ipv4(spec.clusterIP, 'spec.clusterIP'),
        port: p.port,
        externalIPs: (spec.externalIPs ?? []).map((ip) => ipv4(ip, 'spec.externalIPs')).sort(),
        endpoints: usable(cands),
      };
      if (external && p.nodePort) sp.nodePort = p.nodePort;
      if (affinity !== undefined) sp.affinitySeconds = affinity;
      out.push(sp);
    }
  }
  return out.sort(comparePorts);
}

/** Order of ServicePorts in the payload: by "ns/name:port", then protocol. */
export function comparePorts(a: ServicePort, b: ServicePort): number {
  return a.spn < b.spn ? -1 : a.spn > b.spn ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}
