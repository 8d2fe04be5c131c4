// Command-line flags named like upstream kube-proxy (`--flag value` or `--flag=value`).
import { isIPv4 } from 'node:net';
import { parseDurationFlag } from '@minik8s/shared';

export type ProxyMode = 'iptables' | 'nftables';
export interface Flags {
  kubeconfig?: string;
  master?: string;
  hostnameOverride?: string;
  clusterCIDR?: string;
  serviceClusterIPRange: string;
  minSyncPeriodMs: number;
  syncPeriodMs: number;
  healthzBindAddress: string;
  metricsBindAddress: string;
  cleanup: boolean;
  /** undefined: nftables where the kernel supports it, else iptables. */
  proxyMode?: ProxyMode;
  masqueradeAll: boolean;
  syncPodRoutes: boolean;
}

const BOOL = new Set(['cleanup', 'masquerade-all', 'sync-pod-routes']);
const VALUE = new Set([
  'kubeconfig', 'master', 'hostname-override', 'cluster-cidr', 'service-cluster-ip-range', 'min-sync-period',
  'sync-period', 'healthz-bind-address', 'metrics-bind-address', 'proxy-mode', 'v',
]);

export class FlagError extends Error {}

export function parseFlags(argv: string[]): Flags {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new FlagError(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (BOOL.has(name)) {
      v.set(name, eq < 0 ? 'true' : a.slice(eq + 1));
    } else if (VALUE.has(name)) {
      const val = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (val === undefined) throw new FlagError(`flag --${name} needs a value`);
      v.set(name, val);
    } else {
      throw new FlagError(`unknown flag --${name}`);
    }
  }
  const bool = (n: string) => {
    const s = v.get(n);
    if (s === undefined) return false;
    if (s !== 'true' && s !== 'false') throw new FlagError(`--${n} must be true or false`);
    return s === 'true';
  };
  const cidr = (n: string, def?: string) => {
    const s = v.get(n) ?? def;
    if (s === undefined) return s;
    const [ip, bits, extra] = s.split('/');
    if (extra !== undefined || !isIPv4(ip) || !/^\d{1,2}$/.test(bits ?? '') || Number(bits) > 32) throw new FlagError(`--${n}: invalid IPv4 CIDR "${s}"`);
    return s;
  };
  const duration = (n: string, def: string) => {
    try {
      return parseDurationFlag(n, v.get(n) ?? def);
    } catch (e) {
      throw new FlagError((e as Error).message, { cause: e });
    }
  };
  const mode = v.get('proxy-mode') || undefined;
  if (mode !== undefined && mode !== 'iptables' && mode !== 'nftables') {
    throw new FlagError(`--proxy-mode ${JSON.stringify(mode)} is not supported: use iptables or nftables (or leave it empty: nftables where the kernel supports it)`);
  }
  const flags: Flags = {
    kubeconfig: v.get('kubeconfig'),
    master: v.get('master'),
    hostnameOverride: v.get('hostname-override'),
    clusterCIDR: cidr('cluster-cidr'),
    serviceClusterIPRange: cidr('service-cluster-ip-range', '10.96.0.0/12')!,
    minSyncPeriodMs: duration('min-sync-period', '1s'),
    syncPeriodMs: duration('sync-period', '30s'),
    healthzBindAddress: v.get('healthz-bind-address') ?? '0.0.0.0:10256',
    metricsBindAddress: v.get('metrics-bind-address') ?? '127.0.0.1:10249',
    cleanup: bool('cleanup'),
    proxyMode: mode,
    masqueradeAll: bool('masquerade-all'),
    syncPodRoutes: bool('sync-pod-routes'),
  };
  if (flags.syncPodRoutes && !flags.clusterCIDR) throw new FlagError('--sync-pod-routes needs --cluster-cidr');
  return flags;
}

export function hostPort(s: string, flag: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new FlagError(`--${flag}: want host:port, got "${s}"`);
  return { host: s.slice(0, i) || '0.0.0.0', port };
}
