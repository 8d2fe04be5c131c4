// Command-line flags, named as upstream kube-apiserver's.
import { networkInterfaces } from 'node:os';
import { parseDurationFlag } from '@minik8s/shared';

export interface Flags {
  etcdServers: string[];
  etcdPrefix: string;
  bindAddress: string;
  securePort: number;
  serviceClusterIpRange: string;
  serviceNodePortRange: string;
  advertiseAddress?: string;
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
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
  'v',
]);

/** A non-negative integer flag (0 turns the limit off). */
function count(v: Record<string, string>, name: string, dflt: number): number {
  const n = Number(v[name] ?? dflt);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid --${name} ${v[name]}: want a non-negative integer`);
  return n;
}

export function parseFlags(argv: string[]): Flags {
  const v: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    let [k, val] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (val === undefined) val = argv[++i];
    if (!KNOWN.has(k)) throw new Error(`unknown flag --${k}`);
    if (val === undefined) throw new Error(`flag --${k} needs a value`);
    v[k] = val;
  }
  const port = Number(v['secure-port'] ?? 6443);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid --secure-port ${v['secure-port']}`);
  return {
    etcdServers: (v['etcd-servers'] ?? 'http://127.0.0.1:2379').split(',').map((s) => s.trim()).filter(Boolean),
    etcdPrefix: v['etcd-prefix'] ?? '/registry',
    bindAddress: v['bind-address'] ?? '0.0.0.0',
    securePort: port,
    serviceClusterIpRange: v['service-cluster-ip-range'] ?? '10.96.0.0/12',
    serviceNodePortRange: v['service-node-port-range'] ?? '30000-32767',
    advertiseAddress: v['advertise-address'],
    tlsCertFile: v['tls-cert-file'],
    tlsPrivateKeyFile: v['tls-private-key-file'],
    etcdCompactionIntervalMs: parseDurationFlag('etcd-compaction-interval', v['etcd-compaction-interval'] ?? '5m'),
    etcdDefragIntervalMs: parseDurationFlag('etcd-defrag-interval', v['etcd-defrag-interval'] ?? '1h'),
    etcdTimeoutMs: parseDurationFlag('etcd-request-timeout', v['etcd-request-timeout'] ?? '3s'),
    watchCacheSize: Number(v['default-watch-cache-size'] ?? 4096),
    eventTTLSeconds: Math.round(parseDurationFlag('event-ttl', v['event-ttl'] ?? '1h') / 1000),
    maxRequestsInflight: count(v, 'max-requests-inflight', 400),
    maxMutatingRequestsInflight: count(v, 'max-mutating-requests-inflight', 200),
    maxLongRunningRequests: count(v, 'max-long-running-requests', 10_000),
    maxWatchesPerClient: count(v, 'max-watches-per-client', 1000),
    maxStreamsPerClient: count(v, 'max-streams-per-client', 100),
  };
}

/**
 * --advertise-address, else the bind address, else (bound to all addresses or to loopback, as upstream's
 * DefaultExternalAddress) the first non-internal IPv4: a loopback address is no endpoint for the cluster.
 */
export function advertiseAddressFor(f: Flags): string {
  if (f.advertiseAddress) return f.advertiseAddress;
  if (f.bindAddress !== '0.0.0.0' && f.bindAddress !== '::' && !f.bindAddress.startsWith('127.') && f.bindAddress !== '::1') return f.bindAddress;
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}
