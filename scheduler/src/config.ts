// KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1) — the subset minik8s honours:
// profiles[].schedulerName, plugins.{multiPoint,filter,score}.{enabled,disabled} (with score weights),
// pluginConfig args for NodeResourcesFit / NodeResourcesBalancedAllocation, leaderElection, clientConnection.
import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { parseDuration } from '@minik8s/shared';
import type { Profile } from './algorithm';
import type { Plugin } from './framework';
import { InterPodAffinity } from './plugins/inter-pod-affinity';
import { NodeAffinity } from './plugins/node-affinity';
import { NodeName, NodePorts, NodeUnschedulable } from './plugins/node-basic';
import { balancedAllocation, nodeResourcesFit, type FitArgs, type ResourceSpec } from './plugins/node-resources';
import { TaintToleration } from './plugins/taint-toleration';
import { VolumeBinding } from './plugins/volume-binding';

export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

type Factory = (args: Record<string, unknown>) => Plugin;

/** Every plugin minik8s implements, by upstream name. NodeResourcesLeastAllocated is the pre-1.23 alias. */
const REGISTRY: Record<string, Factory> = {
  NodeUnschedulable: () => NodeUnschedulable,
  NodeName: () => NodeName,
  TaintToleration: () => TaintToleration,
  NodeAffinity: () => NodeAffinity,
  NodePorts: () => NodePorts,
  NodeResourcesFit: (a) => nodeResourcesFit(a as FitArgs),
  NodeResourcesLeastAllocated: (a) => ({ ...nodeResourcesFit({ scoringStrategy: { type: 'LeastAllocated', resources: a.resources as ResourceSpec[] } }), filter: undefined, name: 'NodeResourcesLeastAllocated' }),
  NodeResourcesBalancedAllocation: (a) => balancedAllocation(a.resources as ResourceSpec[] | undefined),
  InterPodAffinity: () => InterPodAffinity,
  VolumeBinding: () => VolumeBinding,
};

/** Upstream's default filter order and score weights (InterPodAffinity scoring is not implemented). */
export const DEFAULT_FILTERS = ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeBinding', 'InterPodAffinity'];
export const DEFAULT_SCORES: Record<string, number> = { TaintToleration: 3, NodeAffinity: 2, NodeResourcesFit: 1, NodeResourcesBalancedAllocation: 1 };

export interface LeaderElectionConfig {
  leaderElect: boolean;
  resourceNamespace: string;
  resourceName: string;
  leaseDurationSeconds: number;
  renewDeadlineSeconds: number;
  retryPeriodSeconds: number;
}

export interface SchedulerConfig {
  profiles: Profile[];
  leaderElection: LeaderElectionConfig;
  kubeconfig?: string;
}

interface PluginRef {
  name: string;
  weight?: number;
}
interface PluginSet {
  enabled?: PluginRef[];
  disabled?: PluginRef[];
}
interface RawProfile {
  schedulerName?: string;
  plugins?: { multiPoint?: PluginSet; filter?: PluginSet; score?: PluginSet };
  pluginConfig?: { name: string; args?: Record<string, unknown> }[];
}

function durationSeconds(v: unknown, dflt: number, field: string): number {
  if (v === undefined || v === null) return dflt;
  let ms: number;
  try {
    ms = parseDuration(String(v));
  } catch (e) {
    throw new ConfigError(`${field}: ${(e as Error).message}`, { cause: e });
  }
  if (ms < 0) throw new ConfigError(`${field}: must not be negative`);
  return ms / 1000;
}

function checkName(name: string, where: string): void {
  if (!REGISTRY[name]) throw new ConfigError(`${where}: plugin "${name}" does not exist (known: ${Object.keys(REGISTRY).join(', ')})`);
}

/** Apply enabled/disabled to a default list, as upstream mergePlugins: "*" disables all defaults. */
function merge(defaults: PluginRef[], set: PluginSet | undefined, where: string, multi?: PluginSet): PluginRef[] {
  const disabled = new Set([...(multi?.disabled ?? []), ...(set?.disabled ?? [])].map((p) => p.name));
  let out = disabled.has('*') ? [] : defaults.filter((p) => !disabled.has(p.name));
  for (const e of [...(multi?.enabled ?? []), ...(set?.enabled ?? [])]) {
    if (!e || typeof e.name !== 'string') throw new ConfigError(`${where}: every enabled plugin needs a name`);
    checkName(e.name, where);
    out = out.filter((p) => p.name !== e.name);
    out.push({ name: e.name, weight: e.weight });
  }
  return out;
}

export function buildProfile(raw: RawProfile, index = 0): Profile {
  const where = `profiles[${index}]`;
  const args = new Map<string, Record<string, unknown>>();
  for (const pc of raw.pluginConfig ?? []) {
    checkName(pc.name, `${where}.pluginConfig`);
    args.set(pc.name, pc.args ?? {});
  }
  const instances = new Map<string, Plugin>();
  const instance = (name: string) => {
    if (!instances.has(name)) instances.set(name, REGISTRY[name](args.get(name) ?? {}));
    return instances.get(name)!;
  };
  const multi = raw.plugins?.multiPoint;
  const filterRefs = merge(DEFAULT_FILTERS.map((name) => ({ name })), raw.plugins?.filter, `${where}.plugins.filter`, multi);
  const scoreRefs = merge(Object.entries(DEFAULT_SCORES).map(([name, weight]) => ({ name, weight })), raw.plugins?.score, `${where}.plugins.score`, multi);
  const filters = filterRefs.map((r) => instance(r.name)).filter((p) => p.filter);
  const scores = scoreRefs
    .map((r) => ({ plugin: instance(r.name), weight: r.weight && r.weight > 0 ? r.weight : DEFAULT_SCORES[r.name] ?? 1 }))
    .filter((s) => s.plugin.score);
  for (const r of [...(raw.plugins?.filter?.enabled ?? []), ...(raw.plugins?.score?.enabled ?? [])]) {
    const p = instance(r.name);
    if (raw.plugins?.filter?.enabled?.includes(r) && !p.filter) throw new ConfigError(`${where}: plugin "${r.name}" does not extend Filter`);
    if (raw.plugins?.score?.enabled?.includes(r) && !p.score) throw new ConfigError(`${where}: plugin "${r.name}" does not extend Score`);
  }
  return { schedulerName: raw.schedulerName || 'default-scheduler', filters, scores };
}

export function defaultConfig(): SchedulerConfig {
  return {
    profiles: [buildProfile({})],
    leaderElection: {
      leaderElect: true,
      resourceNamespace: 'kube-system',
      resourceName: 'kube-scheduler',
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    },
  };
}

/** Parse a KubeSchedulerConfiguration document (YAML or JSON). */
export function parseConfig(text: string): SchedulerConfig {
  let doc: Record<string, unknown>;
  try {
    doc = (YAML.parse(text) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(`invalid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError('the configuration must be a YAML mapping');
  if (doc.kind !== undefined && doc.kind !== 'KubeSchedulerConfiguration')
    throw new ConfigError(`kind must be KubeSchedulerConfiguration, got "${String(doc.kind)}"`);
  const cfg = defaultConfig();
  const raws = (doc.profiles ?? [{}]) as RawProfile[];
  if (!Array.isArray(raws)) throw new ConfigError('profiles must be a list');
  cfg.profiles = raws.map((r, i) => buildProfile(r ?? {}, i));
  const names = new Set<string>();
  for (const p of cfg.profiles) {
    if (names.has(p.schedulerName)) throw new ConfigError(`profiles: duplicate schedulerName "${p.schedulerName}"`);
    names.add(p.schedulerName);
  }
  const le = (doc.leaderElection ?? {}) as Record<string, unknown>;
  const d = cfg.leaderElection;
  cfg.leaderElection = {
    leaderElect: le.leaderElect === undefined ? d.leaderElect : le.leaderElect === true,
    resourceNamespace: (le.resourceNamespace as string) || d.resourceNamespace,
    resourceName: (le.resourceName as string) || d.resourceName,
    leaseDurationSeconds: durationSeconds(le.leaseDuration, d.leaseDurationSeconds, 'leaderElection.leaseDuration'),
    renewDeadlineSeconds: durationSeconds(le.renewDeadline, d.renewDeadlineSeconds, 'leaderElection.renewDeadline'),
    retryPeriodSeconds: durationSeconds(le.retryPeriod, d.retryPeriodSeconds, 'leaderElection.retryPeriod'),
  };
  const cc = (doc.clientConnection ?? {}) as Record<string, unknown>;
  if (typeof cc.kubeconfig === 'string' && cc.kubeconfig) cfg.kubeconfig = cc.kubeconfig;
  return cfg;
}

export function loadConfig(path: string): SchedulerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseConfig(text);
}
