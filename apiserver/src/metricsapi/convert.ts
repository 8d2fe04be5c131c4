// Pure part of metrics.k8s.io: kubelet Summaries (/stats/summary) → per-node and per-container usage
// (CPU as a rate over the window between two scrapes, memory as the working set, as metrics-server
// reports them), and the NodeMetrics / PodMetrics objects in upstream's shape.
import { formatDuration, parseQuantity, rfc3339 } from '@minik8s/shared';

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;

interface CpuStats {
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}
interface MemoryStats {
  workingSetBytes?: number;
}

/** The parts of the kubelet's Summary we read. */
export interface Summary {
  node?: { cpu?: CpuStats; memory?: MemoryStats };
  pods?: Array<{
    podRef?: { name?: string; namespace?: string; uid?: string };
    containers?: Array<{ name?: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats }>;
  }>;
}

/** One node's Summary and when we received it (the kubelet's own timestamps have whole seconds only). */
export interface Scrape {
  node: string;
  at: number;
  summary: Summary;
}

export interface Usage {
  nanoCores: number;
  memoryBytes: number;
  /** ms since epoch: the end of the window. */
  timestamp: number;
  windowMs: number;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid?: string;
  containers: Array<{ name: string } & Usage>;
}

/** A cumulative CPU reading, kept until the next scrape to compute a rate. */
export interface CpuPoint {
  at: number;
  cumulative: number;
}

export interface Snapshot {
  nodes: Map<string, Usage>;
  /** By "namespace/name". */
  pods: Map<string, PodUsage>;
  /** The readings to compute the next rates from. */
  points: Map<string, CpuPoint>;
  /** Some cumulative reading had no usable earlier one: a second scrape gives it a real window. */
  needsBaseline: boolean;
}

/**
 * CPU usage in nanocores: the cumulative difference with the previous reading when it is recent
 * enough (window = the time between them, `measured`), else the kubelet's own rate (window = `fallbackWindowMs`).
 */
export function cpuRate(prev: CpuPoint | undefined, at: number, cpu: CpuStats | undefined, maxAgeMs: number, fallbackWindowMs: number): { nanoCores: number; windowMs: number; measured: boolean } | undefined {
  const cum = cpu?.usageCoreNanoSeconds;
  if (prev && cum !== undefined && at > prev.at && at - prev.at <= maxAgeMs && cum >= prev.cumulative) {
    return { nanoCores: Math.round(((cum - prev.cumulative) * 1000) / (at - prev.at)), windowMs: at - prev.at, measured: true };
  }
  if (cpu?.usageNanoCores === undefined) return undefined;
  return { nanoCores: Math.round(cpu.usageNanoCores), windowMs: fallbackWindowMs, measured: false };
}

/** Usage of every node and running container in `scrapes`, given the readings of the previous scrape. */
export function buildSnapshot(scrapes: Scrape[], prev: Map<string, CpuPoint>, opts: { maxAgeMs: number; fallbackWindowMs: number }): Snapshot {
  const snap: Snapshot = { nodes: new Map(), pods: new Map(), points: new Map(), needsBaseline: false };
  const read = (key: string, at: number, cpu: CpuStats | undefined) => {
    const r = cpuRate(prev.get(key), at, cpu, opts.maxAgeMs, opts.fallbackWindowMs);
    if (cpu?.usageCoreNanoSeconds !== undefined) {
      snap.points.set(key, { at, cumulative: cpu.usageCoreNanoSeconds });
      if (!r?.measured) snap.needsBaseline = true;
    }
    return r;
  };
  for (const { node, at, summary } of scrapes) {
    const cpu = read(`node/${node}`, at, summary.node?.cpu);
    const mem = summary.node?.memory?.workingSetBytes;
    if (cpu && mem !== undefined) snap.nodes.set(node, { nanoCores: cpu.nanoCores, memoryBytes: mem, timestamp: at, windowMs: cpu.windowMs });
    for (const p of summary.pods ?? []) {
      const { namespace, name, uid } = p.podRef ?? {};
      if (!namespace || !name) continue;
      const containers: PodUsage['containers'] = [];
      for (const c of p.containers ?? []) {
        if (!c.name) continue;
        // A restarted container is a new series: its cumulative counter starts again.
        const r = read(`pod/${namespace}/${name}/${uid ?? ''}/${c.name}/${c.startTime ?? ''}`, at, c.cpu);
        const m = c.memory?.workingSetBytes;
        if (r && m !== undefined) containers.push({ name: c.name, nanoCores: r.nanoCores, memoryBytes: m, timestamp: at, windowMs: r.windowMs });
      }
      // metrics-server leaves out pods it has no container metrics for.
      if (containers.length) snap.pods.set(`${namespace}/${name}`, { namespace, name, uid, containers });
    }
  }
  return snap;
}

// --- formatting, as resource.Quantity and metav1 print them -------------------------------------

/** Nanocores as a canonical DecimalSI quantity: 329087452 → "329087452n", 5000000 → "5m", 2e9 → "2". */
export function cpuQuantity(nanoCores: number): string {
  let n = Math.max(0, Math.round(nanoCores));
  if (n === 0) return '0';
  const suffixes = ['n', 'u', 'm', '', 'k', 'M', 'G'];
  let i = 0;
  while (i < suffixes.length - 1 && n % 1000 === 0) {
    n /= 1000;
    i++;
  }
  return `${n}${suffixes[i]}`;
}

/** Bytes as a BinarySI quantity: multiples of 1024 with Ki/Mi/Gi..., anything else in plain bytes. */
export function memoryQuantity(bytes: number): string {
  let n = Math.max(0, Math.round(bytes));
  if (n < 1024) return String(n);
  const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let i = 0;
  while (i < suffixes.length - 1 && n % 1024 === 0) {
    n /= 1024;
    i++;
  }
  return `${n}${suffixes[i]}`;
}


interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

const usageOf = (u: Usage) => ({ cpu: cpuQuantity(u.nanoCores), memory: memoryQuantity(u.memoryBytes) });

export function nodeMetrics(meta: Meta, u: Usage, now: number) {
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: meta.name, creationTimestamp: rfc3339(now), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: rfc3339(u.timestamp),
    window: formatDuration(Math.max(0, Math.round(u.windowMs))),
    usage: usageOf(u),
  };
}

export function podMetrics(meta: Meta, p: PodUsage, now: number) {
  const newest = Math.max(...p.containers.map((c) => c.timestamp));
  const window = Math.max(...p.containers.map((c) => c.windowMs));
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: meta.name, namespace: meta.namespace, creationTimestamp: rfc3339(now), ...(meta.labels ? { labels: meta.labels } : {}) },
    timestamp: rfc3339(newest),
    window: formatDuration(Math.max(0, Math.round(window))),
    containers: p.containers.map((c) => ({ name: c.name, usage: usageOf(c) })),
  };
}

export function metricsList(kind: 'NodeMetricsList' | 'PodMetricsList', items: unknown[]) {
  return { kind, apiVersion: METRICS_API_VERSION, metadata: {}, items };
}

// --- Tables (kubectl get nodes.metrics.k8s.io / podmetrics), as metrics-server converts them ---------

type MetricsObject = ReturnType<typeof nodeMetrics> | ReturnType<typeof podMetrics>;

/**
 * A meta.k8s.io Table: Name, cpu, memory (pods: summed over the containers) and Window. Rows carry
 * PartialObjectMetadata unless `includeObject` says Object or None. An empty list has no columns.
 */
export function metricsTable(items: MetricsObject[], version: 'v1' | 'v1beta1', includeObject: 'None' | 'Metadata' | 'Object') {
  const columnDefinitions = items.length
    ? [
        { name: 'Name', type: 'string', format: 'name', description: 'Name of the resource', priority: 0 },
        { name: 'cpu', type: 'string', format: 'quantity', description: '', priority: 0 },
        { name: 'memory', type: 'string', format: 'quantity', description: '', priority: 0 },
        { name: 'Window', type: 'string', format: 'duration', description: '', priority: 0 },
      ]
    : [];
  const rows = items.map((m) => {
    const usages = 'usage' in m ? [m.usage] : m.containers.map((c) => c.usage);
    const cpu = cpuQuantity(usages.reduce((a, u) => a + Math.round(parseQuantity(u.cpu) * 1e9), 0));
    const memory = memoryQuantity(usages.reduce((a, u) => a + parseQuantity(u.memory), 0));
    const object = includeObject === 'None' ? undefined : includeObject === 'Object' ? m : { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: m.metadata };
    return { cells: [m.metadata.name, cpu, memory, m.window], ...(object ? { object } : {}) };
  });
  return { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: {}, columnDefinitions, rows };
}

