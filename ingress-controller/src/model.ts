// What the proxy should do, decided from the API objects alone (pure): the virtual servers (one per
// host, plus the catch-all), their locations with upstream's path semantics, the upstreams (the ready
// endpoints' pod IPs, as ingress-nginx does, not the Service's ClusterIP), the certificates to write, and
// per Ingress what could not be served as asked (the controller turns those into Events).
import { objectKey, type core, type discovery, type KubeObject, type networking } from '@minik8s/shared';

export type Ingress = networking.Ingress & KubeObject;
export type IngressClass = networking.IngressClass & KubeObject;
export type Service = core.Service & KubeObject;
export type EndpointSlice = discovery.EndpointSlice & KubeObject;
export type Secret = core.Secret & KubeObject;

export const ANNOTATION = {
  ingressClass: 'kubernetes.io/ingress.class',
  rewriteTarget: 'nginx.ingress.kubernetes.io/rewrite-target',
  sslRedirect: 'nginx.ingress.kubernetes.io/ssl-redirect',
  forceSslRedirect: 'nginx.ingress.kubernetes.io/force-ssl-redirect',
  backendProtocol: 'nginx.ingress.kubernetes.io/backend-protocol',
} as const;

/** The catch-all virtual server: requests for hosts no rule names (and rules without a host). */
export const DEFAULT_SERVER = '_';

/** A TLS Secret's certificate and key as one PEM, or why it cannot be used. */
export type KeyPair = { pem: string } | { error: string };

export interface ModelInput {
  ingresses: readonly Ingress[];
  classes: readonly IngressClass[];
  services: readonly Service[];
  slices: readonly EndpointSlice[];
  secrets: readonly Secret[];
  /** spec.controller of the IngressClasses this controller implements. */
  controller: string;
  /** Also serve Ingresses that name no class at all (ingress-nginx's --watch-ingress-without-class). */
  watchWithoutClass: boolean;
  /** Checks a TLS Secret's data (X.509 parsing lives in the shell; tests pass a fake). */
  keyPair(secret: Secret): KeyPair;
}

export interface Problem {
  reason: string;
  message: string;
}

export type Backend = { upstream: string; protocol: 'HTTP' | 'HTTPS' } | { status: 404 | 503 };

export interface Location {
  /** `=`: this exact path; prefix: nginx's longest-prefix match on `path`. */
  match: 'exact' | 'prefix';
  /** The nginx location path (a Prefix path /foo is the exact /foo and the prefix /foo/). */
  path: string;
  backend: Backend;
  /** The upstream path that replaces the matched path (rewrite-target). */
  rewrite?: string;
  /** Redirect plain HTTP to HTTPS (308). */
  sslRedirect: boolean;
  /** The Ingress it comes from ("" for the built-in 404). */
  source: string;
}

export interface Server {
  /** A host name, "*.example.com", or DEFAULT_SERVER. */
  host: string;
  /** The file name (without directory) of the PEM this host is served with over TLS. */
  cert?: string;
  locations: Location[];
}

export interface Upstream {
  name: string;
  /** "ip:port", sorted. */
  endpoints: string[];
}

export interface Cert {
  file: string;
  pem: string;
}

export interface Model {
  /** The catch-all server first, then by host. */
  servers: Server[];
  upstreams: Upstream[];
  certs: Cert[];
  /** Keys of the Ingresses this controller serves (their status carries its address). */
  ingresses: string[];
  /** Per Ingress key, what it asked that is not served as asked. */
  problems: Map<string, Problem[]>;
}

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 3986 path characters minus `$` (nginx variables) : nothing that could end a quoted nginx string. */
const SAFE_PATH = /^\/[A-Za-z0-9\-._~!&'()*+,;=:@%/]*$/;
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Which of our IngressClass names an Ingress belongs to, or undefined when it is not ours. */
function ourIngress(ing: Ingress, classes: Set<string>, watchWithoutClass: boolean): boolean {
  const name = ing.spec?.ingressClassName ?? ing.metadata.annotations?.[ANNOTATION.ingressClass];
  if (name === undefined) return watchWithoutClass;
  return classes.has(name);
}

/** Oldest first (then by key), so that the first claim on a host's path wins as in ingress-nginx. */
function byAge(a: Ingress, b: Ingress): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  return ta < tb ? -1 : ta > tb ? 1 : objectKey(a).localeCompare(objectKey(b));
}

/** Does the TLS host `tls` cover `host` (equal, or a wildcard of exactly one more label)? */
export function tlsCovers(tls: string, host: string): boolean {
  if (tls === host) return true;
  if (!tls.startsWith('*.') || host.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot + 1) === tls.slice(2);
}

interface IngressOptions {
  rewrite?: string;
  sslRedirect: boolean;
  forceSslRedirect: boolean;
  protocol: 'HTTP' | 'HTTPS';
}

function boolAnnotation(ing: Ingress, key: string, dflt: boolean, problems: Problem[]): boolean {
  const v = ing.metadata.annotations?.[key];
  if (v === undefined) return dflt;
  if (v === 'true' || v === 'false') return v === 'true';
  problems.push({ reason: 'InvalidAnnotation', message: `${key}: "${v}" is not "true" or "false"; using ${dflt}` });
  return dflt;
}

function annotations(ing: Ingress, problems: Problem[]): IngressOptions {
  const a = ing.metadata.annotations ?? {};
  let rewrite: string | undefined = a[ANNOTATION.rewriteTarget];
  if (rewrite !== undefined && !SAFE_PATH.test(rewrite)) {
    const why = rewrite.includes('$') ? 'capture groups ($1...) need regular-expression paths, which this controller does not serve' : 'it must be an absolute path of URL path characters';
    problems.push({ reason: 'InvalidAnnotation', message: `${ANNOTATION.rewriteTarget}: "${rewrite}" ignored: ${why}` });
    rewrite = undefined;
  }
  let protocol: IngressOptions['protocol'] = 'HTTP';
  const p = a[ANNOTATION.backendProtocol];
  if (p !== undefined) {
    const up = p.toUpperCase();
    if (up === 'HTTP' || up === 'HTTPS') protocol = up;
    else problems.push({ reason: 'InvalidAnnotation', message: `${ANNOTATION.backendProtocol}: "${p}" is not supported (HTTP or HTTPS); using HTTP` });
  }
  return {
    rewrite,
    sslRedirect: boolAnnotation(ing, ANNOTATION.sslRedirect, true, problems),
    forceSslRedirect: boolAnnotation(ing, ANNOTATION.forceSslRedirect, false, problems),
    protocol,
  };
}

/** Builds the model; see the module comment. */
export function buildModel(input: ModelInput): Model {
  const classes = new Set(input.classes.filter((c) => c.spec?.controller === input.controller).map((c) => c.metadata.name!));
  const ours = input.ingresses.filter((i) => ourIngress(i, classes, input.watchWithoutClass)).sort(byAge);
  const services = new Map(input.services.map((s) => [objectKey(s), s]));
  const slicesBySvc = new Map<string, EndpointSlice[]>();
  for (const s of input.slices) {
    const svc = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    const k = `${s.metadata.namespace}/${svc}`;
    slicesBySvc.set(k, [...(slicesBySvc.get(k) ?? []), s]);
  }
  const secrets = new Map(input.secrets.map((s) => [objectKey(s), s]));

  const servers = new Map<string, Server>([[DEFAULT_SERVER, { host: DEFAULT_SERVER, locations: [] }]]);
  const upstreams = new Map<string, Upstream>();
  const certs = new Map<string, Cert>();
  const problems = new Map<string, Problem[]>();
  /** Each server's location keys: who claimed them, and whether weakly (a Prefix's own exact match, a default backend). */
  const claims = new Map<string, { weak: boolean; index: number }>();
  let defaultServerBackend: { backend: Backend; source: string } | undefined;
  const tls: Array<{ ns: string; hosts: string[]; secretName?: string; index: number; probs: Problem[] }> = [];
  /** Ingresses with force-ssl-redirect. */
  const forced = new Set<string>();

  const server = (host: string) => {
    let s = servers.get(host);
    if (!s) servers.set(host, (s = { host, locations: [] }));
    return s;
  };

  for (const ing of ours) {
    const key = objectKey(ing);
    const ns = ing.metadata.namespace!;
    const probs: Problem[] = [];
    problems.set(key, probs);
    const opts = annotations(ing, probs);
    const spec = ing.spec ?? {};

    /** The backend of one path, or a status answer with the reason. */
    const resolve = (b: networking.IngressBackend | undefined, where: string): Backend => {
      if (!b?.service) {
        probs.push({ reason: 'UnsupportedBackend', message: `${where}: only Service backends are served; answering 503` });
        return { status: 503 };
      }
      const name = b.service.name;
      const svc = DNS_NAME.test(name) ? services.get(`${ns}/${name}`) : undefined;
      if (!svc) {
        probs.push({ reason: 'ServiceNotFound', message: `${where}: service "${ns}/${name}" not found; answering 503` });
        return { status: 503 };
      }
      if (svc.spec?.type === 'ExternalName') {
        probs.push({ reason: 'UnsupportedBackend', message: `${where}: service "${ns}/${name}" is an ExternalName Service, which this controller does not proxy to; answering 503` });
        return { status: 503 };
      }
      const want = b.service.port ?? {};
      const port = (svc.spec?.ports ?? []).find((p) => (want.name ? p.name === want.name : p.port === want.number));
      if (!port || !(want.name ? DNS_NAME.test(want.name) : Number.isInteger(want.number))) {
        probs.push({ reason: 'ServicePortNotFound', message: `${where}: service "${ns}/${name}" has no port ${want.name ? `"${want.name}"` : want.number}; answering 503` });
        return { status: 503 };
      }
      const upName = `${ns}-${name}-${want.name ?? want.number}`;
      if (!upstreams.has(upName)) upstreams.set(upName, { name: upName, endpoints: endpointsOf(slicesBySvc.get(`${ns}/${name}`) ?? [], port) });
      // no ready endpoint: nginx has nothing to send to; the path answers 503 as ingress-nginx's does
      return upstreams.get(upName)!.endpoints.length ? { upstream: upName, protocol: opts.protocol } : { status: 503 };
    };

    const claim = (host: string, loc: Location, weak: boolean, what: string) => {
      const s = server(host);
      const ck = `${host} ${loc.match} ${loc.path}`;
      const prev = claims.get(ck);
      if (prev && (weak || !prev.weak)) {
        if (!weak && prev) probs.push({ reason: 'PathConflict', message: `${what} is already served by ingress "${s.locations[prev.index].source}"; ignored` });
        return;
      }
      if (prev) s.locations[prev.index] = loc;
      else s.locations.push(loc);
      claims.set(ck, { weak, index: prev ? prev.index : s.locations.length - 1 });
    };

    const hosts: string[] = [];
    (spec.rules ?? []).forEach((rule) => {
      const host = rule.host || DEFAULT_SERVER;
      if (host !== DEFAULT_SERVER && !HOST.test(host)) {
        probs.push({ reason: 'InvalidHost', message: `host "${host}" is not a DNS name; its rule is ignored` });
        return;
      }
      if (!hosts.includes(host)) hosts.push(host);
      for (const p of rule.http?.paths ?? []) {
        const path = p.path || '/';
        const what = `${rule.host || '*'}${path}`;
        if (!SAFE_PATH.test(path)) {
          probs.push({ reason: 'InvalidPath', message: `${what}: the path must be absolute and of URL path characters (no "$", spaces or quotes); ignored` });
          continue;
        }
        const backend = resolve(p.backend, what);
        const base = { backend, rewrite: opts.rewrite, sslRedirect: opts.sslRedirect, source: key };
        if (p.pathType === 'Exact') {
          claim(host, { ...base, match: 'exact', path }, false, what);
          continue;
        }
        // Prefix (and ImplementationSpecific, served as Prefix): element-wise, so /foo matches /foo and /foo/...
        // but not /foobar; a trailing slash changes nothing
        const clean = path.replace(/\/+$/, '');
        if (!clean) {
          claim(host, { ...base, match: 'prefix', path: '/', rewrite: opts.rewrite === undefined ? undefined : withSlash(opts.rewrite) }, false, what);
          continue;
        }
        claim(host, { ...base, match: 'prefix', path: `${clean}/`, rewrite: opts.rewrite === undefined ? undefined : withSlash(opts.rewrite) }, false, what);
        claim(host, { ...base, match: 'exact', path: clean }, true, what);
      }
    });

    if (spec.defaultBackend) {
      const backend = resolve(spec.defaultBackend, 'defaultBackend');
      const loc: Location = { match: 'prefix', path: '/', backend, sslRedirect: opts.sslRedirect, source: key };
      for (const h of hosts) claim(h, loc, true, `${h}/`);
      // the catch-all server's fallback: the oldest Ingress's default backend (claimed after every rule)
      defaultServerBackend ??= { backend, source: key };
    }

    for (const [i, t] of (spec.tls ?? []).entries()) tls.push({ ns, hosts: t.hosts?.length ? t.hosts : hosts.filter((h) => h !== DEFAULT_SERVER), secretName: t.secretName, index: i, probs });
    if (opts.forceSslRedirect) forced.add(key);
  }

  // TLS after every rule, so that an entry covers hosts of any Ingress (and wildcards hosts named later)
  for (const t of tls) {
    if (!t.secretName) {
      t.probs.push({ reason: 'TLSSecretMissing', message: `spec.tls[${t.index}] names no secretName and this controller has no default certificate: ${t.hosts.join(', ')} served over HTTP only` });
      continue;
    }
    const secret = DNS_NAME.test(t.secretName) ? secrets.get(`${t.ns}/${t.secretName}`) : undefined;
    const pair: KeyPair = secret ? input.keyPair(secret) : { error: 'not found' };
    if ('error' in pair) {
      t.probs.push({ reason: secret ? 'InvalidTLSSecret' : 'TLSSecretNotFound', message: `secret "${t.ns}/${t.secretName}" skipped (${pair.error}): ${t.hosts.join(', ') || 'no host'} served over HTTP only` });
      continue;
    }
    const file = `${t.ns}_${t.secretName}.pem`;
    certs.set(file, { file, pem: pair.pem });
    for (const s of servers.values()) if (s.host !== DEFAULT_SERVER && !s.cert && t.hosts.some((h) => tlsCovers(h, s.host))) s.cert = file;
  }

  const catchAll = servers.get(DEFAULT_SERVER)!;
  const fallback: Backend = defaultServerBackend?.backend ?? { status: 404 };
  for (const s of servers.values()) {
    if (!s.locations.some((l) => l.match === 'prefix' && l.path === '/')) {
      s.locations.push(s === catchAll ? { match: 'prefix', path: '/', backend: fallback, sslRedirect: false, source: defaultServerBackend?.source ?? '' } : { match: 'prefix', path: '/', backend: { status: 404 }, sslRedirect: false, source: '' });
    }
    // a host served over TLS redirects plain HTTP unless its Ingress says ssl-redirect: "false"
    for (const l of s.locations) l.sslRedirect = (l.sslRedirect && !!s.cert) || forced.has(l.source);
    s.locations.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.match < b.match ? -1 : a.match > b.match ? 1 : 0));
  }
  // servers with a host but nothing to serve (only a TLS entry named it) are left out
  const list = [...servers.values()].filter((s) => s === catchAll || s.locations.some((l) => l.source));
  list.sort((a, b) => (a.host === DEFAULT_SERVER ? -1 : b.host === DEFAULT_SERVER ? 1 : a.host.localeCompare(b.host)));
  const used = new Set(list.flatMap((s) => s.locations.flatMap((l) => ('upstream' in l.backend ? [l.backend.upstream] : []))));
  const usedCerts = new Set(list.map((s) => s.cert).filter(Boolean));
  return {
    servers: list,
    upstreams: [...upstreams.values()].filter((u) => used.has(u.name)).sort((a, b) => a.name.localeCompare(b.name)),
    certs: [...certs.values()].filter((c) => usedCerts.has(c.file)).sort((a, b) => a.file.localeCompare(b.file)),
    ingresses: ours.map(objectKey),
    problems,
  };
}

function withSlash(p: string): string {
  return p.endsWith('/') ? p : `${p}/`;
}

/** The ready endpoints of a Service port, "ip:port" (EndpointSlice ports carry the Service port's name). */
export function endpointsOf(slices: readonly EndpointSlice[], port: core.ServicePort): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    if (s.addressType !== 'IPv4' && s.addressType !== 'IPv6') continue;
    const p = (s.ports ?? []).find((x) => (x.name ?? '') === (port.name ?? '') && (x.protocol ?? 'TCP') === 'TCP');
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      if (e.conditions?.ready === false) continue;
      for (const a of e.addresses ?? []) out.add(s.addressType === 'IPv6' ? `[${a}]:${p.port}` : `${a}:${p.port}`);
    }
  }
  return [...out].filter((x) => /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}$/.test(x)).sort();
}
