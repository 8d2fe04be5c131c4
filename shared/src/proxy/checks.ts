// What the proxy accepts from an API object before any of its values reaches a rule (either proxy mode), a
// route or a rule comment. The apiserver validated the object, but one stored before validation existed, or
// written behind the apiserver's back, must neither break every Service on the node nor add rules of its
// own: each value is parsed with shared's rules into a typed, canonical form (the only thing the builders
// read), and an object with a value that does not parse is dropped whole, with the reason. Pure.
import type { core, discovery } from '../api/types';
import { isPortNumber, isProtocol, MAX_CLIENT_IP_AFFINITY_SECONDS, type PortProtocol } from '../validation';
import { canonicalIPv4, formatCIDR, parseCIDR, parseIP } from '../validation/ip';

/** An object left out of the rules or routes, and why (for an Event and a metric). */
export interface Dropped {
  kind: 'Service' | 'EndpointSlice' | 'Endpoints' | 'Node';
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  reason: string;
}

export type DropReporter = (d: Dropped) => void;

/** A value as a reason shows it: JSON (control characters escaped), cut short (it lands in an Event). */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

/** A value that does not parse; the message names the field and the value. */
export class Invalid extends Error {}

/** A field's path, or a function that builds it: only an error needs it (a sync parses every endpoint). */
type Field = string | (() => string);
const at = (f: Field): string => (typeof f === 'string' ? f : f());

/** upstream's default sessionAffinityConfig.clientIP.timeoutSeconds. */
export const DEFAULT_AFFINITY_SECONDS = 10800;

/** A strict IPv4 address in canonical form (the proxy programs IPv4), else Invalid naming the field. */
function ipv4(v: unknown, field: Field): string {
  const ip = canonicalIPv4(v);
  if (ip === undefined) throw new Invalid(`${at(field)} ${show(v)} is not an IPv4 address`);
  return ip;
}

/** As ipv4, but a valid IPv6 address is undefined: another family's value, valid and not ours to program. */
function ipv4Only(v: unknown, field: Field): string | undefined {
  return canonicalIPv4(v) ?? (typeof v === 'string' && parseIP(v)?.family === 6 ? undefined : ipv4(v, field));
}

/** A strict IPv4 subnet ("10.244.1.0/24") in canonical form, else Invalid. */
function cidr4(v: unknown, field: Field): string {
  const c = typeof v === 'string' ? parseCIDR(v) : undefined;
  if (!c || c.ip.family !== 4) throw new Invalid(`${at(field)} ${show(v)} is not an IPv4 CIDR`);
  return formatCIDR(c);
}

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label (names and port names end up in rule comments and chain-name hashes). */
function label(v: unknown, field: Field): string {
  if (typeof v !== 'string' || v.length > 63 || !LABEL.test(v)) throw new Invalid(`${at(field)} ${show(v)} is not a DNS-1123 label`);
  return v;
}

function port(v: unknown, field: Field): number {
  if (!isPortNumber(v)) throw new Invalid(`${at(field)} ${show(v)} is not a port (1-65535)`);
  return v;
}

function protocol(v: unknown, field: Field): PortProtocol {
  const p = v ?? 'TCP';
  if (!isProtocol(p)) throw new Invalid(`${at(field)} ${show(v)} is not TCP, UDP or SCTP`);
  return p;
}

/** An optional string (absent: undefined); only compared or displayed, never written into a rule. */
function optString(v: unknown, field: Field): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new Invalid(`${at(field)} ${show(v)} is not a string`);
  return v;
}

function optBool(v: unknown, field: Field): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new Invalid(`${at(field)} ${show(v)} is not a boolean`);
  return v;
}

/** A list of objects (absent: []), else Invalid. */
function list<T>(v: T[] | undefined | null, field: Field): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Invalid(`${at(field)} is not a list`);
  v.forEach((x, i) => {
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new Invalid(`${at(field)}[${i}] ${show(x)} is not an object`);
  });
  return v;
}

/** A list of strings (absent: []), else Invalid. */
function strings(v: unknown, field: Field): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Invalid(`${at(field)} is not a list`);
  return v;
}

/** sessionAffinityConfig.clientIP.timeoutSeconds: an integer in (0, 86400]. */
function affinitySeconds(v: unknown, field: Field): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_CLIENT_IP_AFFINITY_SECONDS) throw new Invalid(`${at(field)} ${show(v)} is not in (0, ${MAX_CLIENT_IP_AFFINITY_SECONDS}]`);
  return v;
}

/** The drop record of an object, from the Invalid that refused it. */
function dropped(kind: Dropped['kind'], o: { metadata?: { namespace?: string; name?: string; uid?: string; resourceVersion?: string } }, e: Invalid): Dropped {
  const m = o.metadata ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { kind, namespace: str(m.namespace), name: str(m.name) ?? '', uid: str(m.uid), resourceVersion: str(m.resourceVersion), reason: e.message };
}

/** `parse(o)`, or undefined with the object reported to `drop` when a value of it does not parse. */
export function parsed<O extends { metadata?: object }, P>(kind: Dropped['kind'], o: O, parse: (o: O) => P, drop: DropReporter): P | undefined {
  try {
    return parse(o);
  } catch (e) {
    if (!(e instanceof Invalid)) throw e;
    drop(dropped(kind, o as { metadata?: Record<string, string> }, e));
    return undefined;
  }
}

export type Protocol = PortProtocol;

export interface ParsedServicePort {
  /** '' for an unnamed port. */
  name: string;
  port: number;
  protocol: Protocol;
  /** Only for NodePort and LoadBalancer Services. */
  nodePort?: number;
}

export interface ParsedService {
  namespace: string;
  name: string;
  clusterIP: string;
  externalIPs: string[];
  ports: ParsedServicePort[];
  affinitySeconds?: number;
}

/**
 * Services whose ports the proxy programs: a ClusterIP that is not "None" nor IPv6, not ExternalName. A
 * ClusterIP that is neither IPv4 nor IPv6 passes here and is refused by parseService (reported, not skipped).
 */
export function isProxiable(svc: core.Service): boolean {
  const ip: unknown = svc.spec?.clusterIP;
  return svc.spec?.type !== 'ExternalName' && typeof ip === 'string' && ip !== '' && ip !== 'None' && parseIP(ip)?.family !== 6;
}

/** Every value of a Service the proxy writes, parsed (Invalid on the first that does not). */
export function parseService(svc: core.Service): ParsedService {
  const spec = svc.spec ?? {};
  const external = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  const out: ParsedService = {
    namespace: label(svc.metadata?.namespace, 'metadata.namespace'),
    name: label(svc.metadata?.name, 'metadata.name'),
    clusterIP: ipv4(spec.clusterIP, 'spec.clusterIP'),
    externalIPs: strings(spec.externalIPs, 'spec.externalIPs').flatMap((ip, i) => ipv4Only(ip, `spec.externalIPs[${i}]`) ?? []),
    ports: list(spec.ports, 'spec.ports').map((p, i) => {
      const sp: ParsedServicePort = { name: p.name ? label(p.name, `spec.ports[${i}].name`) : '', port: port(p.port, `spec.ports[${i}].port`), protocol: protocol(p.protocol, `spec.ports[${i}].protocol`) };
      const nodePort = p.nodePort ? port(p.nodePort, `spec.ports[${i}].nodePort`) : undefined;
      if (external && nodePort !== undefined) sp.nodePort = nodePort;
      return sp;
    }),
  };
  if (spec.sessionAffinity === 'ClientIP') {
    const t = spec.sessionAffinityConfig?.clientIP?.timeoutSeconds;
    out.affinitySeconds = t == null ? DEFAULT_AFFINITY_SECONDS : affinitySeconds(t, 'spec.sessionAffinityConfig.clientIP.timeoutSeconds');
  }
  return out;
}

/** A port of an EndpointSlice or Endpoints subset; `port` undefined: a slice port without one (none to DNAT to). */
export interface ParsedEndpointPort {
  name: string;
  port?: number;
  protocol: Protocol;
}

export interface ParsedEndpoint {
  ip: string;
  nodeName?: string;
  /** "ns/name" of the Pod behind it (targetRef), for display only. */
  pod?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

export interface ParsedEndpointGroup {
  ports: ParsedEndpointPort[];
  endpoints: ParsedEndpoint[];
}

function endpointPort(p: { name?: string | null; port?: number | null; protocol?: string | null }, field: string, required: boolean): ParsedEndpointPort {
  return {
    name: optString(p.name, `${field}.name`) ?? '',
    ...(required || p.port != null ? { port: port(p.port, `${field}.port`) } : {}),
    protocol: protocol(p.protocol, `${field}.protocol`),
  };
}

/** An EndpointSlice's ports and endpoints (every address parsed; the first one is used); undefined when not IPv4 (not ours). */
export function parseSlice(s: discovery.EndpointSlice): ParsedEndpointGroup | undefined {
  if (s.addressType !== 'IPv4') return undefined;
  const ns = optString(s.metadata?.namespace, 'metadata.namespace');
  const endpoints: ParsedEndpoint[] = [];
  list(s.endpoints, 'endpoints').forEach((e, i) => {
    const addresses = strings(e.addresses, () => `endpoints[${i}].addresses`);
    let ip: string | undefined;
    for (let j = 0; j < addresses.length; j++) {
      const parsed = ipv4(addresses[j], () => `endpoints[${i}].addresses[${j}]`);
      ip ??= parsed;
    }
    const c = (e.conditions ?? {}) as Record<string, unknown>;
    if (typeof c !== 'object' || Array.isArray(c)) throw new Invalid(`endpoints[${i}].conditions is not an object`);
    const ready = optBool(c.ready, () => `endpoints[${i}].conditions.ready`) ?? true;
    const serving = optBool(c.serving, () => `endpoints[${i}].conditions.serving`) ?? ready;
    const terminating = optBool(c.terminating, () => `endpoints[${i}].conditions.terminating`) ?? false;
    const nodeName = optString(e.nodeName, () => `endpoints[${i}].nodeName`);
    const ref = e.targetRef;
    const podName = ref?.kind === 'Pod' ? optString(ref.name, () => `endpoints[${i}].targetRef.name`) : undefined;
    const pod = podName ? `${optString(ref?.namespace, () => `endpoints[${i}].targetRef.namespace`) ?? ns}/${podName}` : undefined;
    if (ip) endpoints.push({ ip, ready, serving, terminating, nodeName, pod });
  });
  return { ports: list(s.ports, 'ports').map((p, i) => endpointPort(p, `ports[${i}]`, false)), endpoints };
}

/** A core/v1 Endpoints object, one group per subset (ready addresses only; IPv6 ones are not ours). */
export function parseEndpoints(ep: core.Endpoints): ParsedEndpointGroup[] {
  return list(ep.subsets, 'subsets').map((sub, i) => {
    const endpoints: ParsedEndpoint[] = [];
    list(sub.addresses, () => `subsets[${i}].addresses`).forEach((a, j) => {
      const ip = ipv4Only(a.ip, () => `subsets[${i}].addresses[${j}].ip`);
      const nodeName = optString(a.nodeName, () => `subsets[${i}].addresses[${j}].nodeName`);
      if (ip) endpoints.push({ ip, ready: true, serving: true, terminating: false, nodeName });
    });
    return { ports: list(sub.ports, `subsets[${i}].ports`).map((p, j) => endpointPort(p, `subsets[${i}].ports[${j}]`, true)), endpoints };
  });
}

/** A pod route to another node: its podCIDR via its InternalIP. */
export interface PodRoute {
  cidr: string;
  via: string;
}

/**
 * The route to a Node's pods, both values parsed and canonical (a podCIDR of "default" would otherwise be
 * `ip route replace default ...`); undefined when there is nothing to route (no podCIDR or InternalIP yet,
 * an IPv6 podCIDR).
 */
export function parsePodRoute(n: core.Node): PodRoute | undefined {
  const raw: unknown = n.spec?.podCIDR;
  if (raw === undefined || raw === null || raw === '') return undefined;
  const c = typeof raw === 'string' ? parseCIDR(raw) : undefined;
  if (c?.ip.family === 6) return undefined;
  const cidr = cidr4(raw, 'spec.podCIDR');
  const i = list(n.status?.addresses, 'status.addresses').findIndex((a) => a.type === 'InternalIP');
  if (i < 0) return undefined;
  return { cidr, via: ipv4(n.status!.addresses![i].address, `status.addresses[${i}].address`) };
}
