// Command-line flags, named as upstream kube-scheduler's (pflag syntax: --name value, --name=value;
// booleans take no separate value: --leader-elect, --leader-elect=false).
import { parseDurationFlag } from '@minik8s/shared';

export interface Flags {
  kubeconfig?: string;
  master?: string;
  config?: string;
  leaderElect?: boolean;
  leaseDuration?: number;
  renewDeadline?: number;
  retryPeriod?: number;
  resourceName?: string;
  resourceNamespace?: string;
  bindAddress: string;
  securePort: number;
  parallelBinds?: number;
}

export class FlagError extends Error {}

const BOOL = new Set(['leader-elect']);
const VALUE = new Set([
  'kubeconfig', 'master', 'config', 'bind-address', 'secure-port', 'v',
  'leader-elect-lease-duration', 'leader-elect-renew-deadline', 'leader-elect-retry-period',
  'leader-elect-resource-name', 'leader-elect-resource-namespace', 'parallel-binds',
]);

function seconds(v: string, flag: string): number {
  try {
    return parseDurationFlag(flag, v) / 1000;
  } catch (e) {
    throw new FlagError((e as Error).message, { cause: e });
  }
}

function int(v: string, flag: string): number {
  if (!/^\d+$/.test(v)) throw new FlagError(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

export function parseFlags(argv: string[]): Flags {
  const f: Flags = { bindAddress: '0.0.0.0', securePort: 10259 };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--?([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new FlagError(`unexpected argument "${argv[i]}"`);
    const name = m[1];
    let value = m[2];
    if (BOOL.has(name)) {
      if (value !== undefined && value !== 'true' && value !== 'false') throw new FlagError(`invalid argument "${value}" for "--${name}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`);
      f.leaderElect = value !== 'false';
      continue;
    }
    if (!VALUE.has(name)) throw new FlagError(`unknown flag: --${name}`);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new FlagError(`flag needs an argument: --${name}`);
    }
    switch (name) {
      case 'kubeconfig': f.kubeconfig = value; break;
      case 'master': f.master = value; break;
      case 'config': f.config = value; break;
      case 'bind-address': f.bindAddress = value; break;
      case 'secure-port': f.securePort = int(value, name); break;
      case 'parallel-binds': f.parallelBinds = Math.max(1, int(value, name)); break;
      case 'leader-elect-lease-duration': f.leaseDuration = seconds(value, name); break;
      case 'leader-elect-renew-deadline': f.renewDeadline = seconds(value, name); break;
      case 'leader-elect-retry-period': f.retryPeriod = seconds(value, name); break;
      case 'leader-elect-resource-name': f.resourceName = value; break;
      case 'leader-elect-resource-namespace': f.resourceNamespace = value; break;
      case 'v': break; // read by createLogger
    }
  }
  return f;
}
