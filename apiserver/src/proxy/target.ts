// Where a pods/services/nodes proxy request goes (upstream's ResourceLocation of each kind's REST): pure
// decisions on the objects read by the caller. Only cluster addresses come out: a pod's own IP, a Service's
// endpoint that is the IP of the pod it names (upstream's isValidAddress), a node's kubelet.
import { isIPv4, isIPv6 } from 'node:net';
import { posix } from 'node:path';
import { ApiError, statusFor } from '@minik8s/shared';

export type Scheme = 'http' | 'https';

export interface Location {
  scheme: Scheme;
  host: string;
  port: number;
}

/** "name", "name:port" or "scheme:name:port" (upstream's SplitSchemeNamePort): undefined when it is none. */
export function splitSchemeNamePort(id: string): { scheme: '' | Scheme; name: string; port: string } | undefined {
  const parts = id.split(':');
  let scheme = '';
  let name: string;
  let port = '';
  if (parts.length === 1) [name] = parts;
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return undefined;
  if (!name || (scheme !== '' && scheme !== 'http' && scheme !== 'https')) return undefined;
  return { scheme: scheme as '' | Scheme, name, port };
}

export function parseId(what: 'pod' | 'service' | 'node', id: string): { scheme: '' | Scheme; name: string; port: string } {
  const p = splitSchemeNamePort(id);
  if (!p) throw new ApiError(statusFor.badRequest(`invalid ${what} request ${JSON.stringify(id)}`));
  return p;
}

/** A port number 1-65535, or a 400 naming the request. */
function portNumber(port: string, id: string): number {
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new ApiError(statusFor.badRequest(`invalid port ${JSON.stringify(port)} in ${JSON.stringify(id)}: a port is a number from 1 to 65535`));
  return n;
}

/** Upstream's IsGlobalUnicast: not unspecified, loopback, link-local, multicast or broadcast. */
export function isGlobalUnicast(ip: string): boolean {
  if (isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number);
    return !(a === 0 || a === 127 || (a === 169 && b === 254) || a >= 224);
  }
  if (isIPv6(ip)) {
    const l = ip.toLowerCase();
    return !(l === '::' || l === '::1' || /^fe[89ab]/.test(l) || l.startsWith('ff'));
  }
  return false;
}

interface PodLike {
  spec?: { containers?: Array<{ ports?: Array<{ containerPort?: number }> }> };
  status?: { podIP?: string; podIPs?: Array<{ ip?: string }> };
}

/** pods/proxy: the pod's IP, at the port asked for or its first declared one (none: the scheme's default). */
export function podLocation(pod: PodLike, id: string, scheme: '' | Scheme, port: string): Location {
  const ip = pod.status?.podIPs?.[0]?.ip ?? pod.status?.podIP ?? '';
  if (!isGlobalUnicast(ip)) throw new ApiError(statusFor.badRequest('address not allowed'));
  const s: Scheme = scheme || 'http';
  let p = port;
  if (!p) p = String(pod.spec?.containers?.find((c) => c.ports?.length)?.ports?.[0]?.containerPort ?? '');
  return { scheme: s, host: ip, port: p ? portNumber(p, id) : s === 'https' ? 443 : 80 };
}

interface ServiceLike {
  spec?: { ports?: Array<{ name?: string; port?: number }> };
}

interface EndpointsLike {
  subsets?: Array<{
    addresses?: Array<{ ip?: string; targetRef?: { kind?: string; name?: string; namespace?: string } }>;
    ports?: Array<{ name?: string; port?: number }>;
  }>;
}

/** A numeric port of the request → the name of the Service port it is (upstream looks it up the same way). */
export function servicePortName(svc: ServiceLike, name: string, port: string): string {
  if (!/^\d+$/.test(port)) return port;
  const p = svc.spec?.ports?.find((x) => x.port === Number(port));
  if (!p) throw new ApiError(statusFor.unavailable(`no service port ${Number(port)} found for service ${JSON.stringify(name)}`));
  return p.name ?? '';
}

/**
 * services/proxy: a ready endpoint address carrying the named port, picked at random (`random` in [0,1)) as
 * upstream does, and only one whose pod (targetRef in the Service's namespace) has that IP.
 */
export function serviceLocation(
  eps: EndpointsLike,
  id: string,
  namespace: string,
  scheme: '' | Scheme,
  portName: string,
  podIPs: (name: string) => string[] | undefined,
  random: () => number = Math.random,
): Location {
  const subsets = eps.subsets ?? [];
  const start = Math.floor(random() * subsets.length);
  for (let i = 0; i < subsets.length; i++) {
    const ss = subsets[(start + i) % subsets.length];
    const addrs = ss.addresses ?? [];
    const port = (ss.ports ?? []).find((p) => (p.name ?? '') === portName);
    if (!addrs.length || !port?.port) continue;
    const first = Math.floor(random() * addrs.length);
    for (let j = 0; j < addrs.length; j++) {
      const a = addrs[(first + j) % addrs.length];
      const ref = a.targetRef;
      if (!a.ip || !ref?.name || ref.namespace !== namespace || (ref.kind && ref.kind !== 'Pod')) continue;
      if (!podIPs(ref.name)?.includes(a.ip)) continue;
      return { scheme: scheme || 'http', host: a.ip, port: port.port };
    }
  }
  throw new ApiError(statusFor.unavailable(`no endpoints available for service ${JSON.stringify(id)}`));
}

/**
 * The path to ask the target for: the rest of the URL after `/proxy`, cleaned of `..` and `.` segments as
 * upstream's path.Join does, with the trailing slash kept; the query as it came.
 */
export function targetPath(rawUrl: string, prefix: string): { path: string; query: string } {
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q);
  const rest = rawPath.slice(prefix.length);
  if (!rest) return { path: '', query };
  // (Node's join keeps a trailing slash)
  return { path: posix.join('/', rest), query };
}
