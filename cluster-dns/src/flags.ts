// Command-line flags of the cluster DNS server.
export interface Flags {
  kubeconfig?: string;
  master?: string;
  port: number;
  bindAddress: string;
  healthPort: number;
  clusterDomain: string;
  ttl: number;
}

const VALUE = new Set(['kubeconfig', 'master', 'port', 'bind-address', 'health-port', 'cluster-domain', 'ttl', 'v']);

export class FlagError extends Error {}

export function parseFlags(argv: string[]): Flags {
  const v = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new FlagError(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (!VALUE.has(name)) throw new FlagError(`unknown flag --${name}`);
    const val = eq < 0 ? argv[++i] : a.slice(eq + 1);
    if (val === undefined) throw new FlagError(`flag --${name} needs a value`);
    v.set(name, val);
  }
  const int = (n: string, def: number, min: number, max: number) => {
    const s = v.get(n);
    if (s === undefined) return def;
    const x = Number(s);
    if (!Number.isInteger(x) || x < min || x > max) throw new FlagError(`--${n}: want an integer in ${min}..${max}, got "${s}"`);
    return x;
  };
  const domain = (v.get('cluster-domain') ?? 'cluster.local').replace(/\.$/, '').toLowerCase();
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(domain)) throw new FlagError(`--cluster-domain: invalid domain "${domain}"`);
  return {
    kubeconfig: v.get('kubeconfig'),
    master: v.get('master'),
    port: int('port', 53, 0, 65535),
    bindAddress: v.get('bind-address') ?? '0.0.0.0',
    healthPort: int('health-port', 8080, 0, 65535),
    clusterDomain: domain,
    ttl: int('ttl', 5, 0, 3600),
  };
}
