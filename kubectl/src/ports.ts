// port-forward's arguments as kubectl reads them: `[LOCAL:]REMOTE` port specs, named ports resolved
// against the pod (or a Service's port mapped to its targetPort), and --address lists.

type PodLike = { metadata: { name?: string }; spec?: { containers?: Array<{ ports?: Array<{ name?: string; containerPort: number }> }> } };
type ServiceLike = { metadata: { name?: string }; spec?: { ports?: Array<{ name?: string; port: number; targetPort?: number | string }> } };

export interface ForwardedPort {
  /** 0: pick a free one. */
  local: number;
  remote: number;
}

export interface ListenAddress {
  address: string;
  family: 4 | 6;
  /** localhost's two listeners may fail one at a time ("all" must fail); a given IP must not fail ("any"). */
  failureMode: 'all' | 'any';
}

function splitPort(spec: string): [string, string] {
  const parts = spec.split(':');
  return parts.length === 2 ? [parts[0], parts[1]] : [parts[0], parts[0]];
}

function parsePort(s: string, what: 'local' | 'remote'): number {
  if (!/^\d+$/.test(s) || Number(s) > 65535)
    throw new Error(
      `error parsing ${what} port '${s}': strconv.ParseUint: parsing ${JSON.stringify(s)}: ${/^\d+$/.test(s) ? 'value out of range' : 'invalid syntax'}`,
    );
  return Number(s);
}

/** `8080:80`, `:80` (a free local port), `80` (the same port both sides). */
export function parsePorts(specs: string[]): ForwardedPort[] {
  return specs.map((spec) => {
    const parts = spec.split(':');
    if (parts.length > 2) throw new Error(`invalid port format '${spec}'`);
    const local = parts.length === 1 ? parts[0] : parts[0] || '0';
    const remote = parsePort(parts.length === 1 ? parts[0] : parts[1], 'remote');
    const l = parsePort(local, 'local');
    if (remote === 0) throw new Error('remote port must be > 0');
    return { local: l, remote };
  });
}

/** The listen addresses, `localhost` as 127.0.0.1 and ::1, sorted as kubectl sorts them. */
export function parseAddresses(list: string[]): ListenAddress[] {
  const out = new Map<string, ListenAddress>();
  for (const a of list) {
    if (a === 'localhost') {
      if (!out.has('127.0.0.1')) out.set('127.0.0.1', { address: '127.0.0.1', family: 4, failureMode: 'all' });
      if (!out.has('::1')) out.set('::1', { address: '::1', family: 6, failureMode: 'all' });
    } else if (/^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((o) => Number(o) <= 255)) {
      out.set(a, { address: a, family: 4, failureMode: 'any' });
    } else if (a.includes(':') && /^[0-9a-fA-F:.]+$/.test(a)) {
      out.set(a, { address: a, family: 6, failureMode: 'any' });
    } else {
      throw new Error(`${a} is not a valid IP`);
    }
  }
  return [...out.values()].sort((x, y) => (x.address < y.address ? -1 : x.address > y.address ? 1 : 0));
}

function containerPortByName(pod: PodLike, name: string): number {
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  throw new Error(`Pod '${pod.metadata.name}' does not have a named port '${name}'`);
}

/** A pod's named ports (`8080:http`, `http`) as numbers. */
export function podPorts(specs: string[], pod: PodLike): string[] {
  return specs.map((spec) => {
    const [local, remote] = splitPort(spec);
    const number = /^\d+$/.test(remote) ? remote : String(containerPortByName(pod, remote));
    return local !== remote ? `${local}:${number}` : number;
  });
}

/** A Service's ports (by number or name) as the container ports its targetPorts point to on this pod. */
export function servicePorts(specs: string[], svc: ServiceLike, pod: PodLike): string[] {
  return specs.map((spec) => {
    let [local, remote] = splitPort(spec);
    let port = Number(remote);
    const ports = svc.spec?.ports ?? [];
    if (!/^\d+$/.test(remote)) {
      const byName = ports.find((p) => p.name === remote);
      if (!byName) throw new Error(`Service '${svc.metadata.name}' does not have a named port '${remote}'`);
      port = byName.port;
      if (local === remote) local = String(port);
    }
    const sp = ports.find((p) => p.port === port);
    if (!sp) throw new Error(`Service ${svc.metadata.name} does not have a service port ${port}`);
    const t = sp.targetPort;
    const target = typeof t === 'string' && !/^\d+$/.test(t) ? containerPortByName(pod, t) : Number(t) || sp.port;
    remote = String(target);
    return local !== remote ? `${local}:${remote}` : remote;
  });
}
