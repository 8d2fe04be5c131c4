// From API objects (Services, EndpointSlices or Endpoints) to the proxy's view: one entry per
// Service port, with the endpoints that should receive traffic. Pure. Shared by kube-proxy (both
// modes) and `mkctl explain-route`, so that the tool shows what the proxy programs.
// This is also where every value that ends up in a rule is parsed: IPv4 addresses, ports,
// protocols, names and timeouts that do not parse are skipped (and reported through `onInvalid`),
// so the rule generators only ever see parsed values.
import { isIPv4 } from 'node:net';
import type { core, discovery } from '../api/types';
import { servicePortName } from './chain-names';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  nodeName?: string;
  /** "ns/name" of the Pod behind it (EndpointSlice targetRef), for display only. */
  pod?: string;
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
  /** Set when sessionAffinity is ClientIP: the affinity timeout in seconds. */
  affinitySeconds?: number;
  /** Usable endpoints (ready; or serving+terminating when none is ready), sorted. */
  endpoints: Endpoint[];
}

export const DEFAULT_AFFINITY_SECONDS = 10800;
/** Upstream validation caps sessionAffinityConfig.clientIP.timeoutSeconds at one day. */
const MAX_AFFINITY_SECONDS = 86400;
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const PROTOCOLS = new Set<string>(['TCP', 'UDP', 'SCTP']);
/** DNS-1123 subdomain (names, namespaces) and IANA_SVC_NAME-like port names: safe in a rule comment. */
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Called for each value that was skipped because it does not parse. */
export type InvalidReporter = (problem: string) => void;

interface Candidate extends Endpoint {
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export const isPort = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;

function ipKey(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3];
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return ipKey(a.ip) - ipKey(b.ip) || a.port - b.port;
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
  return chosen
    .map(({ ip, port, nodeName, pod }) => ({ ip, port, ...(nodeName ? { nodeName } : {}), ...(pod ? { pod } : {}) }))
    .sort(compareEndpoints);
}

function endpointOk(spn: string, ip: unknown, port: unknown, bad: InvalidReporter): boolean {
  if (typeof ip === 'string' && isIPv4(ip) && isPort(port)) return true;
  bad(`${spn}: skipping endpoint ${JSON.stringify(ip)}:${JSON.stringify(port)} (not an IPv4 address and a port)`);
  return false;
}

function fromSlices(slices: discovery.EndpointSlice[], spn: string, portName: string, protocol: Protocol, bad: InvalidReporter): Candidate[] {
  const out: Candidate[] = [];
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const port = (s.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port || port.port == null) continue;
    for (const e of s.endpoints ?? []) {
      const ready = e.conditions?.ready ?? true;
      const serving = e.conditions?.serving ?? ready;
      const terminating = e.conditions?.terminating ?? false;
      const ref = e.targetRef?.kind === 'Pod' && e.targetRef.name ? `${e.targetRef.namespace ?? s.metadata?.namespace}/${e.targetRef.name}` : undefined;
      for (const ip of (e.addresses ?? []).slice(0, 1)) {
        if (!endpointOk(spn, ip, port.port, bad)) continue;
        out.push({ ip, port: port.port, nodeName: e.nodeName ?? undefined, pod: ref, ready, serving, terminating });
      }
    }
  }
  return out;
}

function fromEndpoints(ep: core.Endpoints, spn: string, portName: string, protocol: Protocol, bad: InvalidReporter): Candidate[] {
  const out: Candidate[] = [];
  for (const sub of ep.subsets ?? []) {
    const port = (sub.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) continue;
    for (const a of sub.addresses ?? []) {
      if (!endpointOk(spn, a.ip, port.port, bad)) continue;
      out.push({ ip: a.ip, port: port.port, nodeName: a.nodeName ?? undefined, ready: true, serving: true, terminating: false });
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

/** Services whose ports kube-proxy programs: a real IPv4 ClusterIP, not headless, not ExternalName. */
export function isProxiable(svc: core.Service): boolean {
  const ip = svc.spec?.clusterIP;
  return svc.spec?.type !== 'ExternalName' && typeof ip === 'string' && isIPv4(ip);
}

function affinityOf(spec: core.ServiceSpec, key: string, bad: InvalidReporter): number | undefined {
  if (spec.sessionAffinity !== 'ClientIP') return undefined;
  const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS;
  if (Number.isInteger(t) && t >= 1 && t <= MAX_AFFINITY_SECONDS) return t;
  bad(`${key}: sessionAffinityConfig.clientIP.timeoutSeconds ${JSON.stringify(t)} is not 1-${MAX_AFFINITY_SECONDS}; using ${DEFAULT_AFFINITY_SECONDS}`);
  return DEFAULT_AFFINITY_SECONDS;
}

export function buildServicePorts(services: core.Service[], src: EndpointSources, bad: InvalidReporter = () => undefined): ServicePort[] {
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (!isProxiable(svc)) continue;
    const ns = svc.metadata?.namespace ?? 'default';
    const name = svc.metadata?.name ?? '';
    const key = `${ns}/${name}`;
    if (!DNS_NAME.test(ns) || !DNS_NAME.test(name)) {
      bad(`${JSON.stringify(key)}: skipping a Service whose namespace/name is not a DNS-1123 name`);
      continue;
    }
    const slices = src.slices.get(key);
    const eps = src.endpoints.get(key);
    const spec = svc.spec!;
    const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    const affinity = affinityOf(spec, key, bad);
    const externalIPs = (spec.externalIPs ?? []).filter((ip) => isIPv4(ip) || (bad(`${key}: skipping externalIP ${JSON.stringify(ip)} (not IPv4)`), false));
    for (const p of spec.ports ?? []) {
      const portName = p.name ?? '';
      const protocol = p.protocol ?? 'TCP';
      if (!PROTOCOLS.has(protocol) || !isPort(p.port) || (portName && !PORT_NAME.test(portName))) {
        bad(`${key}: skipping port ${JSON.stringify({ name: p.name, protocol: p.protocol, port: p.port })} (want a port name, TCP/UDP/SCTP and 1-65535)`);
        continue;
      }
      const spn = servicePortName(ns, name, portName);
      const proto = protocol as Protocol;
      const cands = slices ? fromSlices(slices, spn, portName, proto, bad) : eps ? fromEndpoints(eps, spn, portName, proto, bad) : [];
      const sp: ServicePort = {
        namespace: ns,
        name,
        spn,
        portName,
        protocol: proto,
        clusterIP: spec.clusterIP!,
        port: p.port,
        externalIPs: [...externalIPs].sort(),
        endpoints: usable(cands),
      };
      if (external && p.nodePort != null) {
        if (isPort(p.nodePort)) sp.nodePort = p.nodePort;
        else bad(`${spn}: ignoring nodePort ${JSON.stringify(p.nodePort)} (not 1-65535)`);
      }
      if (affinity !== undefined) sp.affinitySeconds = affinity;
      out.push(sp);
    }
  }
  return out.sort(comparePorts);
}

/** A Service port's identity across syncs: "ns/name:port/PROTOCOL". */
export const servicePortKey = (sp: ServicePort): string => `${sp.spn}/${sp.protocol}`;

/** Order of ServicePorts in the rules: by "ns/name:port", then protocol. */
export function comparePorts(a: ServicePort, b: ServicePort): number {
  return a.spn < b.spn ? -1 : a.spn > b.spn ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0;
}
