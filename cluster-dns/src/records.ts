// DNS-based service discovery as specified for Kubernetes (the kube-dns/CoreDNS "kubernetes" plugin
// behaviour), as pure functions: API state -> index, and (question, index) -> answer.
// Authoritative for the cluster domain only; never recursive (names outside it get REFUSED).
import type { core, discovery } from '@minik8s/shared';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** A question's type: A, AAAA, SRV, CNAME, SOA, NS, PTR, TXT, ANY, or another name (answered with no records). */
export type RecordType = string;

export interface Record {
  name: string;
  type: 'A' | 'SRV' | 'CNAME' | 'SOA';
  ttl: number;
  data: string | { priority: number; weight: number; port: number; target: string } | SoaData;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface Answer {
  rcode: Rcode;
  /** Authoritative (set for every name in the cluster domain). */
  aa: boolean;
  answers: Record[];
  authorities: Record[];
  additionals: Record[];
}

interface Port {
  name: string;
  protocol: string;
  port: number;
}

interface EndpointAddr {
  ip: string;
  /** hostname, or the IP with dashes: the endpoint's label under a headless Service. */
  label: string;
  ports: Port[];
}

interface ServiceEntry {
  name: string;
  namespace: string;
  kind: 'ClusterIP' | 'Headless' | 'ExternalName';
  clusterIP?: string;
  externalName?: string;
  ports: Port[];
  endpoints: EndpointAddr[];
}

export interface DnsIndex {
  /** "svc.ns" -> entry */
  services: Map<string, ServiceEntry>;
  namespaces: Set<string>;
}

export interface DnsConfig {
  domain: string;
  ttl: number;
}

export const DEFAULT_CONFIG: DnsConfig = { domain: 'cluster.local', ttl: 5 };

function endpointsFromSlices(slices: discovery.EndpointSlice[], publishNotReady: boolean): EndpointAddr[] {
  const out = new Map<string, EndpointAddr>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4') continue;
    const ports = (s.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port ?? 0 }));
    for (const e of s.endpoints ?? []) {
      if (!publishNotReady && e.conditions?.ready === false) continue;
      const ip = e.addresses?.[0];
      if (!ip) continue;
      const prev = out.get(ip);
      if (prev) prev.ports.push(...ports.filter((p) => !prev.ports.some((q) => q.name === p.name && q.protocol === p.protocol)));
      else out.set(ip, { ip, label: e.hostname ?? ip.replace(/\./g, '-'), ports: [...ports] });
    }
  }
  return [...out.values()];
}

function endpointsFromEndpoints(ep: core.Endpoints, publishNotReady: boolean): EndpointAddr[] {
  const out: EndpointAddr[] = [];
  for (const sub of ep.subsets ?? []) {
    const ports = (sub.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
    const addrs = [...(sub.addresses ?? []), ...(publishNotReady ? (sub.notReadyAddresses ?? []) : [])];
    for (const a of addrs) out.push({ ip: a.ip, label: a.hostname ?? a.ip.replace(/\./g, '-'), ports });
  }
  return out;
}

/** Index the API objects (pure). Slices are used when a Service has any; else its Endpoints. */
export function buildIndex(services: core.Service[], slices: discovery.EndpointSlice[], endpoints: core.Endpoints[]): DnsIndex {
  const bySvc = new Map<string, discovery.EndpointSlice[]>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const k = `${svc}.${s.metadata?.namespace}`;
    bySvc.set(k, [...(bySvc.get(k) ?? []), s]);
  }
  const eps = new Map(endpoints.map((e) => [`${e.metadata?.name}.${e.metadata?.namespace}`, e]));
  const index: DnsIndex = { services: new Map(), namespaces: new Set() };
  for (const svc of services) {
    const name = svc.metadata?.name;
    const ns = svc.metadata?.namespace;
    if (!name || !ns) continue;
    const key = `${name}.${ns}`.toLowerCase();
    const spec = svc.spec ?? {};
    const ports = (spec.ports ?? []).map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
    const pnr = spec.publishNotReadyAddresses === true;
    const entry: ServiceEntry = { name, namespace: ns, kind: 'ClusterIP', ports, endpoints: [] };
    if (spec.type === 'ExternalName') {
      entry.kind = 'ExternalName';
      entry.externalName = spec.externalName;
    } else if (spec.clusterIP === 'None') {
      entry.kind = 'Headless';
      const sl = bySvc.get(`${name}.${ns}`);
      const ep = eps.get(`${name}.${ns}`);
      entry.endpoints = sl ? endpointsFromSlices(sl, pnr) : ep ? endpointsFromEndpoints(ep, pnr) : [];
      entry.endpoints.sort((a, b) => a.ip.localeCompare(b.ip, 'en', { numeric: true }));
    } else if (spec.clusterIP) {
      entry.clusterIP = spec.clusterIP;
    } else {
      continue;
    }
    index.services.set(key, entry);
    index.namespaces.add(ns.toLowerCase());
  }
  return index;
}

function soa(cfg: DnsConfig): Record {
  return {
    name: cfg.domain,
    type: 'SOA',
    ttl: cfg.ttl,
    data: {
      mname: `ns.dns.${cfg.domain}`,
      rname: `hostmaster.${cfg.domain}`,
      serial: 1,
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: cfg.ttl,
    },
  };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(-(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** Answer one question (pure). Names are case-insensitive; a trailing dot is ignored. */
export function answer(qname: string, qtype: RecordType, index: DnsIndex, cfg: DnsConfig = DEFAULT_CONFIG): Answer {
  const name = qname.toLowerCase().replace(/\.$/, '');
  const domain = cfg.domain.toLowerCase();
  const empty = (rcode: Rcode): Answer => ({ rcode, aa: true, answers: [], authorities: [soa(cfg)], additionals: [] });
  if (name !== domain && !name.endsWith(`.${domain}`))
    return { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] };
  if (name === domain) {
    return qtype === 'SOA' || qtype === 'ANY'
      ? { rcode: 'NOERROR', aa: true, answers: [soa(cfg)], authorities: [], additionals: [] }
      : empty('NOERROR');
  }
  const labels = name.slice(0, -domain.length - 1).split('.');
  const want = (t: string) => qtype === t || qtype === 'ANY';
  const ok = (answers: Record[], additionals: Record[] = []): Answer =>
    answers.length ? { rcode: 'NOERROR', aa: true, answers, authorities: [], additionals } : empty('NOERROR');
  const a = (n: string, ip: string): Record => ({ name: n, type: 'A', ttl: cfg.ttl, data: ip });

  // <a-b-c-d>.<ns>.pod.<domain> (CoreDNS "pods insecure": any well-formed IP answers)
  if (labels[labels.length - 1] === 'pod') {
    if (labels.length === 1) return empty('NOERROR');
    if (labels.length === 3 && IPV4.test(labels[0])) return ok(want('A') ? [a(name, labels[0].replace(/-/g, '.'))] : []);
    if (labels.length === 2) return empty('NOERROR');
    return empty('NXDOMAIN');
  }
  if (labels[labels.length - 1] !== 'svc') return empty('NXDOMAIN');
  if (labels.length === 1) return empty('NOERROR');
  const ns = labels[labels.length - 2];
  if (labels.length === 2) return empty(index.namespaces.has(ns) ? 'NOERROR' : 'NXDOMAIN');
  const svc = index.services.get(`${labels[labels.length - 3]}.${ns}`);
  if (!svc) return empty('NXDOMAIN');
  const svcName = `${svc.name}.${svc.namespace}.svc.${cfg.domain}`.toLowerCase();
  const rest = labels.slice(0, -3);

  if (rest.length === 0) {
    if (svc.kind === 'ExternalName') {
      return ok(svc.externalName ? [{ name, type: 'CNAME', ttl: cfg.ttl, data: svc.externalName }] : []);
    }
    if (want('A')) {
      const ips = svc.kind === 'Headless' ? svc.endpoints.map((e) => e.ip) : [svc.clusterIP!];
      if (svc.kind === 'Headless' && ips.length === 0) return empty('NXDOMAIN');
      if (qtype === 'A') return ok(ips.map((ip) => a(name, ip)));
    }
    if (want('SRV'))
      return ok(
        ...srv(
          svc,
          svc.ports.filter((p) => p.name),
          name,
          svcName,
          cfg,
        ),
      );
    return empty('NOERROR');
  }
  // _<port>._<proto>.<svc>.<ns>.svc.<domain>
  if (rest.length === 2 && rest[0].startsWith('_') && rest[1].startsWith('_')) {
    const port = rest[0].slice(1);
    const proto = rest[1].slice(1);
    const ports = svc.ports.filter((p) => p.name.toLowerCase() === port && p.protocol.toLowerCase() === proto);
    if (ports.length === 0 || svc.kind === 'ExternalName') return empty('NXDOMAIN');
    return want('SRV') ? ok(...srv(svc, ports, name, svcName, cfg)) : empty('NOERROR');
  }
  // <hostname or a-b-c-d>.<svc>.<ns>.svc.<domain> under a headless Service
  if (rest.length === 1 && svc.kind === 'Headless') {
    const ep = svc.endpoints.find((e) => e.label.toLowerCase() === rest[0]);
    if (!ep) return empty('NXDOMAIN');
    return ok(want('A') ? [a(name, ep.ip)] : []);
  }
  return empty('NXDOMAIN');
}

/** SRV answers (and A additionals) for the given ports of a Service. */
function srv(svc: ServiceEntry, ports: Port[], qname: string, svcName: string, cfg: DnsConfig): [Record[], Record[]] {
  const answers: Record[] = [];
  const additionals: Record[] = [];
  for (const p of ports) {
    if (svc.kind === 'Headless') {
      const eps = svc.endpoints.filter((e) => e.ports.some((q) => q.name === p.name && q.protocol === p.protocol));
      for (const e of eps) {
        const target = `${e.label}.${svcName}`;
        const port = e.ports.find((q) => q.name === p.name && q.protocol === p.protocol)!.port;
        answers.push({ name: qname, type: 'SRV', ttl: cfg.ttl, data: { priority: 0, weight: Math.floor(100 / eps.length), port, target } });
        additionals.push({ name: target, type: 'A', ttl: cfg.ttl, data: e.ip });
      }
    } else {
      answers.push({ name: qname, type: 'SRV', ttl: cfg.ttl, data: { priority: 0, weight: 100, port: p.port, target: svcName } });
      if (!additionals.length) additionals.push({ name: svcName, type: 'A', ttl: cfg.ttl, data: svc.clusterIP! });
    }
  }
  return [answers, additionals];
}
