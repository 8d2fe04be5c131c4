// Command-line flags, named as upstream kube-apiserver's.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { parseDurationFlag } from '@minik8s/shared';
import type { AuthFlags } from './auth';

export interface Flags extends AuthFlags {
  etcdServers: string[];
  etcdPrefix: string;
  bindAddress: string;
  securePort: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  advertiseAddress?: string;
  etcdCafile?: string;
  etcdCertfile?: string;
  etcdKeyfile?: string;
  kubeletClientCertificate?: string;
  kubeletClientKey?: string;
  kubeletCertificateAuthority?: string;
  kubeletPreferredAddressTypes: string[];
  etcdCompactionIntervalMs: number;
  etcdDefragIntervalMs: number;
  etcdTimeoutMs: number;
  watchCacheSize: number;
  eventTTLSeconds: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  maxLongRunningRequests: number;
  maxWatchesPerClient: number;
  maxStreamsPerClient: number;
  /** An AdmissionConfiguration file (the PodSecurity plugin's defaults and exemptions). */
  admissionControlConfigFile?: string;
}

const KNOWN = new Set([
  'etcd-servers',
  'etcd-prefix',
  'bind-address',
  'secure-port',
  'service-cluster-ip-range',
  'service-node-port-range',
  'advertise-address',
  'tls-cert-file',
  'tls-private-key-file',
  'cert-dir',
  'client-ca-file',
  'anonymous-auth',
  'authorization-mode',
  'service-account-issuer',
  'service-account-key-file',
  'service-account-signing-key-file',
  'service-account-max-token-expiration',
  'api-audiences',
  'enable-bootstrap-token-auth',
  'etcd-cafile',
  'etcd-certfile',
  'etcd-keyfile',
  'kubelet-client-certificate',
  'kubelet-client-key',
  'kubelet-certificate-authority',
  'kubelet-preferred-address-types',
  'etcd-compaction-interval',
  'etcd-defrag-interval',
  'etcd-request-timeout',
  'default-watch-cache-size',
  'event-ttl',
  'max-requests-inflight',
  'max-mutating-requests-inflight',
  'max-long-running-requests',
  'max-watches-per-client',
  'max-streams-per-client',
  'admission-control-config-file',
  'v',
]);

const BOOLS = new Set(['anonymous-auth', 'enable-bootstrap-token-auth']);
/** Flags that may be given more than once (each adds to the list). */
const REPEATED = new Set(['service-account-issuer', 'service-account-key-file']);
const ADDRESS_TYPES = ['Hostname', 'InternalDNS', 'InternalIP', 'ExternalDNS', 'ExternalIP'];

function parseBool(k: string, v: string): boolean {
  if (['true', '1', 't', 'T', 'TRUE', 'True'].includes(v)) return true;
  if (['false', '0', 'f', 'F', 'FALSE', 'False'].includes(v)) return false;
  throw new Error(`invalid value ${JSON.stringify(v)} for --${k}: want true or false`);
}

const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/** A non-negative integer flag (0 turns the limit off). */
function count(v: Record<string, string>, name: string, dflt: number): number {
  const n = Number(v[name] ?? dflt);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${name} ${v[name]}: want a non-negative integer`);
  return n;
}

export function parseFlags(argv: string[]): Flags {
  const v: Record<string, string> = {};
  const many: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let val = inline;
    if (!KNOWN.has(k)) throw new Error(`unknown flag --${k}`);
    // a boolean flag alone means true (--enable-bootstrap-token-auth), as Go's flag package
    if (val === undefined && BOOLS.has(k) && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) val = 'true';
    if (val === undefined) val = argv[++i];
    if (val === undefined) throw new Error(`flag --${k} needs a value`);
    if (REPEATED.has(k)) (many[k] ??= []).push(...list(val));
    else v[k] = val;
  }
  const maxExp = parseDurationFlag('service-account-max-token-expiration', v['service-account-max-token-expiration'] ?? '0') / 1000;
  if (maxExp !== 0 && maxExp < 3600) throw new Error('--service-account-max-token-expiration: must be at least 1h (or 0 for no maximum)');
  const addressTypes = list(v['kubelet-preferred-address-types'] ?? ADDRESS_TYPES.join(','));
  for (const t of addressTypes)
    if (!ADDRESS_TYPES.includes(t))
      throw new Error(`--kubelet-preferred-address-types: unknown address type ${JSON.stringify(t)} (known: ${ADDRESS_TYPES.join(', ')})`);
  if (!!v['kubelet-client-certificate'] !== !!v['kubelet-client-key'])
    throw new Error('--kubelet-client-certificate and --kubelet-client-key go together');
  if (!!v['tls-cert-file'] !== !!v['tls-private-key-file']) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  if (!!v['etcd-certfile'] !== !!v['etcd-keyfile']) throw new Error('--etcd-certfile and --etcd-keyfile go together');
  const issuers = many['service-account-issuer'] ?? [];
  const watchCacheSize = count(v, 'default-watch-cache-size', 4096);
  // upstream's 0 turns the cache off; here every watch is served from it
  if (watchCacheSize === 0)
    throw new Error('invalid --default-watch-cache-size 0: want at least 1 (watches are served from the watch cache)');
  const port = Number(v['secure-port'] ?? 6443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --secure-port ${v['secure-port']}`);
  return {
    etcdServers: (v['etcd-servers'] ?? 'http://127.0.0.1:2379')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    etcdPrefix: v['etcd-prefix'] ?? '/registry',
    bindAddress: v['bind-address'] ?? '0.0.0.0',
    securePort: port,
    serviceClusterIpRange: v['service-cluster-ip-range'] ?? '10.96.0.0/12',
    serviceNodePortRange: v['service-node-port-range'] ?? '30000-32767',
    advertiseAddress: v['advertise-address'],
    tlsCertFile: v['tls-cert-file'],
    tlsPrivateKeyFile: v['tls-private-key-file'],
    certDir: v['cert-dir'] ?? '/var/run/kubernetes',
    clientCaFile: v['client-ca-file'],
    anonymousAuth: parseBool('anonymous-auth', v['anonymous-auth'] ?? 'true'),
    authorizationModes: list(v['authorization-mode'] ?? 'AlwaysAllow'),
    serviceAccountIssuers: issuers,
    serviceAccountKeyFiles: many['service-account-key-file'] ?? [],
    serviceAccountSigningKeyFile: v['service-account-signing-key-file'],
    serviceAccountMaxTokenExpirationSeconds: maxExp,
    apiAudiences: list(v['api-audiences']),
    enableBootstrapTokenAuth: parseBool('enable-bootstrap-token-auth', v['enable-bootstrap-token-auth'] ?? 'false'),
    etcdCafile: v['etcd-cafile'],
    etcdCertfile: v['etcd-certfile'],
    etcdKeyfile: v['etcd-keyfile'],
    kubeletClientCertificate: v['kubelet-client-certificate'],
    kubeletClientKey: v['kubelet-client-key'],
    kubeletCertificateAuthority: v['kubelet-certificate-authority'],
    kubeletPreferredAddressTypes: addressTypes,
    etcdCompactionIntervalMs: parseDurationFlag('etcd-compaction-interval', v['etcd-compaction-interval'] ?? '5m'),
    etcdDefragIntervalMs: parseDurationFlag('etcd-defrag-interval', v['etcd-defrag-interval'] ?? '1h'),
    etcdTimeoutMs: parseDurationFlag('etcd-request-timeout', v['etcd-request-timeout'] ?? '3s'),
    watchCacheSize,
    eventTTLSeconds: Math.round(parseDurationFlag('event-ttl', v['event-ttl'] ?? '1h') / 1000),
    maxRequestsInflight: count(v, 'max-requests-inflight', 400),
    maxMutatingRequestsInflight: count(v, 'max-mutating-requests-inflight', 200),
    maxLongRunningRequests: count(v, 'max-long-running-requests', 10_000),
    maxWatchesPerClient: count(v, 'max-watches-per-client', 1000),
    maxStreamsPerClient: count(v, 'max-streams-per-client', 100),
    admissionControlConfigFile: v['admission-control-config-file'],
  };
}

/**
 * --advertise-address, else the bind address, else (bound to all addresses or to loopback, as upstream's
 * ChooseHostInterface) the IPv4 of the interface that holds the default route, else the first non-internal
 * IPv4: a loopback address is no endpoint for the cluster, and neither is one on a network without a route
 * out (compose's internal etcd network, which only the apiserver joins).
 */
export function advertiseAddressFor(f: Flags, routes = readDefaultRouteInterfaces()): string {
  if (f.advertiseAddress) return f.advertiseAddress;
  if (f.bindAddress !== '0.0.0.0' && f.bindAddress !== '::' && !f.bindAddress.startsWith('127.') && f.bindAddress !== '::1')
    return f.bindAddress;
  const interfaces = networkInterfaces();
  const ipv4 = (name: string) => (interfaces[name] ?? []).find((a) => a.family === 'IPv4' && !a.internal)?.address;
  for (const name of routes) {
    const a = ipv4(name);
    if (a) return a;
  }
  for (const name of Object.keys(interfaces)) {
    const a = ipv4(name);
    if (a) return a;
  }
  return '127.0.0.1';
}

/** The interfaces of IPv4 default routes (destination 0.0.0.0/0 in /proc/net/route); none where it cannot be read. */
function readDefaultRouteInterfaces(): string[] {
  try {
    return readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c.length > 7 && c[1] === '00000000' && c[7] === '00000000')
      .map((c) => c[0]);
  } catch {
    return [];
  }
}
