// Command-line flags of kube-controller-manager that minik8s honours (names as upstream).
import { parseDurationFlag } from '@minik8s/shared';

export interface Options {
  kubeconfig?: string;
  master?: string;
  leaderElect: boolean;
  leaderElectLeaseDuration: number;
  leaderElectRenewDeadline: number;
  leaderElectRetryPeriod: number;
  bindAddress: string;
  securePort: number;
  controllers: string[];
  nodeMonitorGracePeriodMs: number;
  nodeMonitorPeriodMs: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  clusterCidr: string;
  nodeCidrMaskSize: number;
  allocateNodeCidrs: boolean;
  hpaSyncPeriodMs: number;
  terminatedPodGCThreshold: number;
  /** --resource-quota-sync-period: how often every quota's usage is recalculated in full. */
  resourceQuotaSyncPeriodMs: number;
  concurrent: Record<string, number>;
  /** --root-ca-file: the CA published in every namespace's kube-root-ca.crt. */
  rootCaFile?: string;
}

export const ALL_CONTROLLERS = [
  'replicaset',
  'replicationcontroller',
  'deployment',
  'endpoints',
  'endpointslice',
  'nodelifecycle',
  'nodeipam',
  'namespace',
  'garbagecollector',
  'serviceaccount',
  'job',
  'cronjob',
  'daemonset',
  'statefulset',
  'horizontalpodautoscaling',
  'disruption',
  'podgc',
  'ttl-after-finished',
  'root-ca-cert-publisher',
  'persistentvolume-binder',
  'pvc-protection',
  'pv-protection',
  'resourcequota',
  'clusterrole-aggregation',
] as const;

/** Upstream --controllers: "*" = all defaults, "foo" enables, "-foo" disables. */
export function resolveControllers(spec: string[]): string[] {
  const known = new Set<string>(ALL_CONTROLLERS);
  for (const c of spec) {
    const n = c.replace(/^-/, '');
    if (n !== '*' && !known.has(n)) throw new Error(`"${n}" is not in the list of known controllers (${ALL_CONTROLLERS.join(', ')})`);
  }
  const star = spec.includes('*');
  return ALL_CONTROLLERS.filter((c) => !spec.includes(`-${c}`) && (star || spec.includes(c)));
}

function bool(v: string, flag: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new Error(`invalid boolean "${v}" for --${flag}`);
}

function int(v: string, flag: string): number {
  if (!/^-?\d+$/.test(v)) throw new Error(`invalid integer "${v}" for --${flag}`);
  return Number(v);
}

export function parseOptions(argv: string[]): Options {
  const o: Options = {
    leaderElect: true,
    leaderElectLeaseDuration: 15,
    leaderElectRenewDeadline: 10,
    leaderElectRetryPeriod: 2,
    bindAddress: '0.0.0.0',
    securePort: 10257,
    controllers: ['*'],
    nodeMonitorGracePeriodMs: 40_000,
    nodeMonitorPeriodMs: 5_000,
    defaultNotReadyTolerationSeconds: 300,
    defaultUnreachableTolerationSeconds: 300,
    clusterCidr: '10.244.0.0/16',
    nodeCidrMaskSize: 24,
    allocateNodeCidrs: true,
    hpaSyncPeriodMs: 15_000,
    terminatedPodGCThreshold: 12_500,
    resourceQuotaSyncPeriodMs: 300_000,
    concurrent: {},
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const [flag, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    let value = inline;
    const isBool = ['leader-elect', 'allocate-node-cidrs'].includes(flag);
    if (value === undefined) {
      if (isBool && (i + 1 >= argv.length || argv[i + 1].startsWith('--'))) value = 'true';
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new Error(`flag needs an argument: --${flag}`);
    }
    const m = /^concurrent-(.+)-syncs$/.exec(flag);
    if (m) {
      o.concurrent[m[1]] = int(value, flag);
      continue;
    }
    switch (flag) {
      case 'kubeconfig':
        o.kubeconfig = value;
        break;
      case 'root-ca-file':
        o.rootCaFile = value;
        break;
      case 'master':
        o.master = value;
        break;
      case 'leader-elect':
        o.leaderElect = bool(value, flag);
        break;
      case 'leader-elect-lease-duration':
        o.leaderElectLeaseDuration = parseDurationFlag(flag, value) / 1000;
        break;
      case 'leader-elect-renew-deadline':
        o.leaderElectRenewDeadline = parseDurationFlag(flag, value) / 1000;
        break;
      case 'leader-elect-retry-period':
        o.leaderElectRetryPeriod = parseDurationFlag(flag, value) / 1000;
        break;
      case 'bind-address':
        o.bindAddress = value;
        break;
      case 'secure-port':
        o.securePort = int(value, flag);
        break;
      case 'controllers':
        o.controllers = value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'node-monitor-grace-period':
        o.nodeMonitorGracePeriodMs = parseDurationFlag(flag, value);
        break;
      case 'node-monitor-period':
        o.nodeMonitorPeriodMs = parseDurationFlag(flag, value);
        break;
      case 'default-not-ready-toleration-seconds':
        o.defaultNotReadyTolerationSeconds = int(value, flag);
        break;
      case 'default-unreachable-toleration-seconds':
        o.defaultUnreachableTolerationSeconds = int(value, flag);
        break;
      case 'pod-eviction-timeout': {
        const s = Math.round(parseDurationFlag(flag, value) / 1000);
        o.defaultNotReadyTolerationSeconds = o.defaultUnreachableTolerationSeconds = s;
        break;
      }
      case 'horizontal-pod-autoscaler-sync-period':
        o.hpaSyncPeriodMs = parseDurationFlag(flag, value);
        break;
      case 'terminated-pod-gc-threshold':
        o.terminatedPodGCThreshold = int(value, flag);
        break;
      case 'resource-quota-sync-period':
        o.resourceQuotaSyncPeriodMs = parseDurationFlag(flag, value);
        break;
      case 'cluster-cidr':
        o.clusterCidr = value;
        break;
      case 'node-cidr-mask-size':
        o.nodeCidrMaskSize = int(value, flag);
        break;
      case 'allocate-node-cidrs':
        o.allocateNodeCidrs = bool(value, flag);
        break;
      case 'v':
        break; // read by the logger
      default:
        throw new Error(`unknown flag: --${flag}`);
    }
  }
  resolveControllers(o.controllers);
  return o;
}

/** Workers for a controller: --concurrent-<name>-syncs, else upstream's default. */
export function concurrency(o: Options, name: string, dflt: number): number {
  return Math.max(1, o.concurrent[name] ?? dflt);
}
