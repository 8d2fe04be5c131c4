// From API objects (Services, EndpointSlices or Endpoints) to the proxy's view: one entry per
// Service port, with the endpoints that should receive traffic. Pure. Shared by kube-proxy (both
// modes) and `mkctl explain-route`, so that the tool shows what the proxy programs.
// Every object is parsed first (checks.ts) and only its parsed values are read here: an object with
// a value that does not parse is left out whole and reported through `drop` (kube-proxy: an Event
// and a metric), every other object is still programmed, so the rule generators of both modes only
// ever see parsed, canonical values.
import type { core, discovery } from '../api/types';
import { servicePortName } from './chain-names';
import { isProxiable, parsed, parseEndpoints, parseService, parseSlice, type DropReporter, type ParsedEndpointGroup, type Protocol } from './checks';

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

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function ipKey(ip: string): number {
  const p = ip.split('.').map(Number);
  return ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3];
}

function compareEndpoints(a: Endpoint, b: Endpoint): number {
  return ipKey(a.ip) - ipKey(b.ip) || a.port - b.port;
}

/** An endpoint as a rule gets it, with the conditions that decide whether it is used. */
interface Candidate {
  endpoint: Endpoint;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** Ready endpoints; if none is ready, the serving+terminating ones (upstream's terminating fallback). */
function usable(cands: Candidate[]): Endpoint[] {
  const seen = new Set<string>();
  const dedup = cands.filter((c) => {
    const k = `${c.endpoint.ip}:${c.endpoint.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  let chosen = dedup.filter((c) => c.ready);
  if (chosen.length === 0) chosen = dedup.filter((c) => c.serving && c.terminating);
  return chosen.map((c) => c.endpoint).sort(compareEndpoints);
}

/** The endpoints of the groups that serve `portName`/`protocol` on a port number. */
function candidates(groups: ParsedEndpointGroup[], portName: string, protocol: Protocol): Candidate[] {
  const out: Candidate[] = [];
  for (const g of groups) {
    const port = g.ports.find((p) => p.name === portName && p.protocol === protocol)?.port;
    if (port === undefined) continue;
    for (const e of g.endpoints) {
      const endpoint: Endpoint = { ip: e.ip, port };
      if (e.nodeName) endpoint.nodeName = e.nodeName;
      if (e.pod) endpoint.pod = e.pod;
      out.push({ endpoint, ready: e.ready, serving: e.serving, terminating: e.terminating });
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

/**
 * The Service ports to program. A Service, EndpointSlice or Endpoints object with a value that does not
 * parse is left out and reported through `drop` (a Service whose slices are all left out has no endpoints;
 * its Endpoints object is read only when it has no slice at all); IPv6 and headless Services, ExternalName
 * and another family's addresses are not ours and skipped silently.
 */
export function buildServicePorts(services: core.Service[], src: EndpointSources, drop: DropReporter = () => undefined): ServicePort[] {
  const out: ServicePort[] = [];
  for (const svc of services) {
    if (!isProxiable(svc)) continue;
    const s = parsed('Service', svc, parseService, drop);
    if (!s) continue;
    const key = `${s.namespace}/${s.name}`;
    const slices = src.slices.get(key);
    const eps = slices ? undefined : src.endpoints.get(key);
    const groups = slices
      ? slices.flatMap((sl) => parsed('EndpointSlice', sl, parseSlice, drop) ?? [])
      : eps ? parsed('Endpoints', eps, parseEndpoints, drop) ?? [] : [];
    for (const p of s.ports) {
      const sp: ServicePort = {
        namespace: s.namespace,
        name: s.name,
        spn: servicePortName(s.namespace, s.name, p.name),
        portName: p.name,
        protocol: p.protocol,
        clusterIP: s.clusterIP,
        port: p.port,
        externalIPs: [...s.externalIPs].sort(),
        endpoints: usable(candidates(groups, p.name, p.protocol)),
      };
      if (p.nodePort !== undefined) sp.nodePort = p.nodePort;
      if (s.affinitySeconds !== undefined) sp.affinitySeconds = s.affinitySeconds;
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
