// What kube-proxy re-checks before any value reaches a rule or a route (the apiserver validated it, but a
// value stored before validation existed, or written behind the apiserver's back, must not break every
// Service on the node or add rules of its own): each value is parsed with shared's rules and written in its
// canonical form; an object with a value that does not parse is dropped whole, with the reason. Pure.
import { formatCIDR, formatIP, isPortNumber, isProtocol, MAX_CLIENT_IP_AFFINITY_SECONDS, parseCIDR, parseIP, type core, type discovery } from '@minik8s/shared';

/** An object left out of the rules, and why (for an Event and a metric). */
export interface Dropped {
  kind: 'Service' | 'EndpointSlice' | 'Endpoints' | 'Node';
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  reason: string;
}

export class Invalid extends Error {}

/** A strict IPv4 address in canonical form (kube-proxy programs IPv4), else Invalid naming the field. */
export function ipv4(v: unknown, field: string): string {
  const ip = typeof v === 'string' ? parseIP(v) : undefined;
  if (!ip || ip.family !== 4) throw new Invalid(`${field} ${JSON.stringify(v)} is not an IPv4 address`);
  return formatIP(ip);
}

/** A strict IPv4 subnet ("10.244.1.0/24") in canonical form, else Invalid. */
export function cidr4(v: unknown, field: string): string {
  const c = typeof v === 'string' ? parseCIDR(v) : undefined;
  if (!c || c.ip.family !== 4) throw new Invalid(`${field} ${JSON.stringify(v)} is not an IPv4 CIDR`);
  return formatCIDR(c);
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (names and port names end up in rule comments and chain-name hashes). */
export function label(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length > 63 || !LABEL.test(v)) throw new Invalid(`${field} ${JSON.stringify(v)} is not a DNS-1123 label`);
  return v;
}

export function port(v: unknown, field: string): number {
  if (!isPortNumber(v)) throw new Invalid(`${field} ${JSON.stringify(v)} is not a port (1-65535)`);
  return v;
}

export function protocol(v: unknown, field: string): 'TCP' | 'UDP' | 'SCTP' {
  const p = v ?? 'TCP';
  if (!isProtocol(p)) throw new Invalid(`${field} ${JSON.stringify(v)} is not TCP, UDP or SCTP`);
  return p;
}

/** A list (absent: []), else Invalid. */
export function list<T>(v: T[] | undefined | null, field: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Invalid(`${field} is not a list`);
  return v.map((x, i) => {
    if (typeof x !== 'object' && typeof x !== 'string') throw new Invalid(`${field}[${i}] ${JSON.stringify(x)} is neither an object nor a string`);
    if (x === null) throw new Invalid(`${field}[${i}] is null`);
    return x;
  });
}

/** sessionAffinityConfig.clientIP.timeoutSeconds: an integer in (0, 86400]. */
export function affinitySeconds(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_CLIENT_IP_AFFINITY_SECONDS) throw new Invalid(`${field} ${JSON.stringify(v)} is not in (0, ${MAX_CLIENT_IP_AFFINITY_SECONDS}]`);
  return v;
}

/** The drop record of an object, from the Invalid that refused it. */
export function dropped(kind: Dropped['kind'], o: { metadata?: { namespace?: string; name?: string; uid?: string; resourceVersion?: string } }, e: Invalid): Dropped {
  const m = o.metadata ?? {};
  return { kind, namespace: m.namespace, name: m.name ?? '', uid: m.uid, resourceVersion: m.resourceVersion, reason: e.message };
}

/** Every value of a Service kube-proxy writes, checked (Invalid on the first that does not parse). */
export function checkService(svc: core.Service): void {
  const spec = svc.spec ?? {};
  label(svc.metadata?.namespace, 'metadata.namespace');
  label(svc.metadata?.name, 'metadata.name');
  ipv4(spec.clusterIP, 'spec.clusterIP');
  list(spec.externalIPs, 'spec.externalIPs').forEach((ip, i) => ipv4(ip, `spec.externalIPs[${i}]`));
  list(spec.ports, 'spec.ports').forEach((p, i) => {
    if (p.name) label(p.name, `spec.ports[${i}].name`);
    port(p.port, `spec.ports[${i}].port`);
    protocol(p.protocol, `spec.ports[${i}].protocol`);
    if (p.nodePort) port(p.nodePort, `spec.ports[${i}].nodePort`);
  });
  if (spec.sessionAffinity === 'ClientIP' && spec.sessionAffinityConfig?.clientIP?.timeoutSeconds != null)
    affinitySeconds(spec.sessionAffinityConfig.clientIP.timeoutSeconds, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds');
}

export function checkSlice(s: discovery.EndpointSlice): void {
  if (s.addressType !== 'IPv4') return; // not programmed at all
  list(s.ports, 'ports').forEach((p, i) => {
    if (p.port != null) port(p.port, `ports[${i}].port`);
    protocol(p.protocol, `ports[${i}].protocol`);
  });
  list(s.endpoints, 'endpoints').forEach((e, i) => {
    list(e.addresses, `endpoints[${i}].addresses`).forEach((a, j) => ipv4(a, `endpoints[${i}].addresses[${j}]`));
    if (e.conditions != null && typeof e.conditions !== 'object') throw new Invalid(`endpoints[${i}].conditions is not an object`);
  });
}

export function checkEndpoints(ep: core.Endpoints): void {
  list(ep.subsets, 'subsets').forEach((sub, i) => {
    list(sub.ports, `subsets[${i}].ports`).forEach((p, j) => {
      port(p.port, `subsets[${i}].ports[${j}].port`);
      protocol(p.protocol, `subsets[${i}].ports[${j}].protocol`);
    });
    list(sub.addresses, `subsets[${i}].addresses`).forEach((a, j) => ipv4(a.ip, `subsets[${i}].addresses[${j}].ip`));
  });
}
