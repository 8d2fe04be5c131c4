// mkctl top node|pod: CPU and memory usage from metrics.k8s.io/v1beta1 (served by the apiserver from the
// kubelets' stats), printed as kubectl's metricsutil printer does: CPU in millicores, memory in Mi,
// node percentages of allocatable (or capacity), every cell tab-terminated (trailing padding included).
import type { Command } from 'commander';
import type { Ctx } from '../context';
import { CliError } from '../errors';
import { tabwrite } from '../print/tabwriter';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Sub = (parent: Command, name: string, description: string) => Command;
type Act = (load: () => Promise<(ctx: Ctx, ...args: any[]) => Promise<number | void>>) => (...all: unknown[]) => Promise<void>;
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Declares `top node` and `top pod` under `top` (the code runs only when one of them does). */
export function registerTop(top: Command, sub: Sub, act: Act): void {
  const common = (c: Command) =>
    c.option('-l, --selector <selector>', 'Selector (label query) to filter on, supports \'=\', \'==\', \'!=\', \'in\', \'notin\'.')
      .option('--sort-by <field>', 'If non-empty, sort the list using specified field. The field can be either \'cpu\' or \'memory\'.')
      .option('--no-headers', 'If present, print output without headers')
      .option('--use-protocol-buffers [bool]', 'accepted for compatibility (the Metrics API answers JSON)');
  common(sub(top, 'node', 'Display resource (CPU/memory) usage of nodes').aliases(['nodes', 'no']).argument('[name]'))
    .option('--show-capacity', 'Print node resources based on Capacity instead of Allocatable(default) of the nodes.')
    .action(act(async () => topNode));
  common(sub(top, 'pod', 'Display resource (CPU/memory) usage of pods').aliases(['pods', 'po']).argument('[name]'))
    .option('-A, --all-namespaces', 'If present, list the requested object(s) across all namespaces.')
    .option('--field-selector <selector>', 'Selector (field query) to filter on, supports \'=\', \'==\', and \'!=\'.')
    .option('--containers', 'If present, print usage of containers within a pod.')
    .option('--sum', 'Print the sum of the resource usage')
    .action(act(async () => topPod));
}

// --- metrics.k8s.io objects ----------------------------------------------------------------------

type Usage = { cpu?: string; memory?: string };
export interface NodeMetrics {
  metadata: { name: string };
  usage: Usage;
}
export interface PodMetrics {
  metadata: { name: string; namespace?: string };
  containers: { name: string; usage: Usage }[];
}

const METRICS_BASE = '/apis/metrics.k8s.io/v1beta1';

// main.ts loads this file on every run to declare the commands: the quantity parser is loaded when
// printing, the duration printer on the error that needs it.
/* eslint-disable @typescript-eslint/no-require-imports */
const quantity = (): typeof import('@minik8s/shared/quantity') => require('@minik8s/shared/quantity');
const rules = (): typeof import('@minik8s/shared/rules') => require('@minik8s/shared/rules');
/* eslint-enable @typescript-eslint/no-require-imports */

/** Exact sums: CPU in nanocores, memory in bytes. */
function nanoCores(q: string | undefined): number {
  return q ? Math.round(quantity().parseQuantity(q) * 1e9) : 0;
}
function bytes(q: string | undefined): number {
  return q ? quantity().parseQuantity(q) : 0;
}

interface Row {
  name: string;
  nanoCores: number;
  bytes: number;
}

const cpuCell = (n: number) => `${Math.ceil(n / 1e6 - 1e-9)}m`;
const memCell = (b: number) => `${Math.floor(Math.ceil(b) / (1024 * 1024))}Mi`;

/** kubectl's sorters: cpu or memory descending; otherwise by name (stable, as Go's insertion sort on short lists). */
function sortRows<T>(items: T[], sortBy: string | undefined, key: (t: T) => Row, byName: (a: T, b: T) => number): T[] {
  const cmp = sortBy === 'cpu'
    ? (a: T, b: T) => Math.ceil(key(b).nanoCores / 1e6 - 1e-9) - Math.ceil(key(a).nanoCores / 1e6 - 1e-9)
    : sortBy === 'memory'
      ? (a: T, b: T) => key(b).bytes - key(a).bytes
      : byName;
  return [...items].sort(cmp);
}

// kubectl's tabwriter has a minimum cell width of 6 including the padding of 3: short cells are widened
// with spaces, which come out the same as its padding since every cell is tab-terminated.
const line = (cells: string[]) => cells.map((c) => `${c.padEnd(3)}\t`).join('');

export interface Available {
  cpu?: string;
  memory?: string;
}

/** The `top node` table. `available`: each node's allocatable (or capacity); nodes without metrics print <unknown>. */
export function printNodeMetrics(metrics: NodeMetrics[], available: Map<string, Available>, o: { noHeaders?: boolean; sortBy?: string }): string {
  if (!metrics.length) return '';
  const { milliValue } = quantity();
  const rows = sortRows(metrics.map((m) => ({ m, r: { name: m.metadata.name, nanoCores: nanoCores(m.usage.cpu), bytes: bytes(m.usage.memory) } })), o.sortBy, (x) => x.r, (a, b) => (a.r.name < b.r.name ? -1 : a.r.name > b.r.name ? 1 : 0));
  const lines: string[] = o.noHeaders ? [] : [line(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'])];
  const left = new Map(available);
  for (const { m, r } of rows) {
    const avail = available.get(r.name) ?? {};
    const cells = [r.name, cpuCell(r.nanoCores)];
    // CPU(%) and MEMORY(%) only when the node reports the resource (kubectl prints no cell otherwise).
    if (avail.cpu !== undefined) cells.push(`${Math.trunc((milliValue(m.usage.cpu ?? '0') / milliValue(avail.cpu)) * 100)}%`);
    cells.push(memCell(r.bytes));
    if (avail.memory !== undefined) cells.push(`${Math.trunc((milliValue(m.usage.memory ?? '0') / milliValue(avail.memory)) * 100)}%`);
    lines.push(line(cells));
    left.delete(r.name);
  }
  for (const name of [...left.keys()].sort()) lines.push(line([name, '<unknown>', '<unknown>', '<unknown>', '<unknown>']));
  return tabwrite(lines, 3);
}

/** The `top pod` table: one line per pod (containers summed) or, with `containers`, per container. */
export function printPodMetrics(metrics: PodMetrics[], o: { noHeaders?: boolean; sortBy?: string; allNamespaces?: boolean; containers?: boolean; sum?: boolean }): string {
  if (!metrics.length) return '';
  const lines: string[] = [];
  // kubectl counts the NAMESPACE and POD columns for --sum's alignment only when it prints the header.
  let columns = 3;
  if (!o.noHeaders) {
    const extra = [...(o.allNamespaces ? ['NAMESPACE'] : []), ...(o.containers ? ['POD'] : [])];
    columns += extra.length;
    lines.push(line([...extra, 'NAME', 'CPU(cores)', 'MEMORY(bytes)']));
  }
  const containerRows = (p: PodMetrics) => p.containers.map((c) => ({ name: c.name, nanoCores: nanoCores(c.usage.cpu), bytes: bytes(c.usage.memory) }));
  const pods = metrics.map((m) => {
    const cs = containerRows(m);
    return { m, cs, r: { name: m.metadata.name, nanoCores: cs.reduce((a, c) => a + c.nanoCores, 0), bytes: cs.reduce((a, c) => a + c.bytes, 0) } };
  });
  const byName = (a: (typeof pods)[number], b: (typeof pods)[number]) => {
    const ka = o.allNamespaces ? [a.m.metadata.namespace ?? '', a.r.name] : [a.r.name];
    const kb = o.allNamespaces ? [b.m.metadata.namespace ?? '', b.r.name] : [b.r.name];
    return ka[0] !== kb[0] ? (ka[0] < kb[0] ? -1 : 1) : ka[1] === kb[1] ? 0 : (ka[1] ?? '') < (kb[1] ?? '') ? -1 : 1;
  };
  for (const { m, cs, r } of sortRows(pods, o.sortBy, (x) => x.r, byName)) {
    const ns = o.allNamespaces ? [m.metadata.namespace ?? ''] : [];
    if (!o.containers) {
      lines.push(line([...ns, r.name, cpuCell(r.nanoCores), memCell(r.bytes)]));
      continue;
    }
    for (const c of sortRows(cs, o.sortBy, (x) => x, (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      lines.push(line([...ns, r.name, c.name, cpuCell(c.nanoCores), memCell(c.bytes)]));
    }
  }
  if (o.sum) {
    const total = pods.reduce((a, p) => ({ nanoCores: a.nanoCores + p.r.nanoCores, bytes: a.bytes + p.r.bytes }), { nanoCores: 0, bytes: 0 });
    lines.push(line([...Array<string>(columns - 2).fill(''), '________', '________']));
    lines.push(line([...Array<string>(columns - 2).fill(''), cpuCell(total.nanoCores), memCell(total.bytes)]));
  }
  return tabwrite(lines, 3);
}

// --- commands ------------------------------------------------------------------------------------

interface TopOptions {
  selector?: string;
  sortBy?: string;
  noHeaders?: boolean;
}

function validate(name: string | undefined, o: TopOptions): void {
  if (o.sortBy && o.sortBy !== 'cpu' && o.sortBy !== 'memory') throw new CliError('--sort-by accepts only cpu or memory');
  if (name && o.selector) throw new CliError('only one of NAME or selector can be provided');
}

/** As kubectl: the metrics.k8s.io group with version v1beta1 must be in the server's group list. */
async function requireMetricsApi(ctx: Ctx): Promise<void> {
  const groups = await ctx.client.request<{ groups?: { name: string; versions?: { version: string }[] }[] }>('GET', '/apis');
  const ok = (groups.groups ?? []).some((g) => g.name === 'metrics.k8s.io' && (g.versions ?? []).some((v) => v.version === 'v1beta1'));
  if (!ok) throw new CliError('Metrics API not available');
}

interface NodeLike {
  metadata: { name: string };
  status?: { allocatable?: Available; capacity?: Available };
}

export async function topNode(ctx: Ctx, name: string | undefined, o: TopOptions & { showCapacity?: boolean }): Promise<number> {
  validate(name, o);
  await requireMetricsApi(ctx);
  const metrics = name
    ? [await ctx.client.request<NodeMetrics>('GET', `${METRICS_BASE}/nodes/${encodeURIComponent(name)}`)]
    : (await ctx.client.request<{ items?: NodeMetrics[] }>('GET', `${METRICS_BASE}/nodes`, { query: { labelSelector: o.selector } })).items ?? [];
  if (!metrics.length) throw new CliError('metrics not available yet');
  const nodes = name
    ? [await ctx.client.request<NodeLike>('GET', `/api/v1/nodes/${encodeURIComponent(name)}`)]
    : (await ctx.client.request<{ items?: NodeLike[] }>('GET', '/api/v1/nodes', { query: { labelSelector: o.selector } })).items ?? [];
  const available = new Map(nodes.map((n) => [n.metadata.name, (o.showCapacity ? n.status?.capacity : n.status?.allocatable) ?? {}]));
  process.stdout.write(printNodeMetrics(metrics, available, { noHeaders: o.noHeaders, sortBy: o.sortBy }));
  return 0;
}

/** kubectl waits this long after a pod's creation before calling its missing metrics an error. */
const METRICS_CREATION_DELAY_MS = 2 * 60_000;

export async function topPod(ctx: Ctx, name: string | undefined, o: TopOptions & { allNamespaces?: boolean; fieldSelector?: string; containers?: boolean; sum?: boolean }): Promise<number> {
  validate(name, o);
  const ns = ctx.namespace;
  await requireMetricsApi(ctx);
  const path = o.allNamespaces && !name ? `${METRICS_BASE}/pods` : `${METRICS_BASE}/namespaces/${encodeURIComponent(ns)}/pods`;
  const metrics = name
    ? [await ctx.client.request<PodMetrics>('GET', `${path}/${encodeURIComponent(name)}`)]
    : (await ctx.client.request<{ items?: PodMetrics[] }>('GET', path, { query: { labelSelector: o.selector, fieldSelector: o.fieldSelector } })).items ?? [];
  if (!metrics.length) {
    // As kubectl: pods that exist but have no metrics are an error (young ones: "not available yet").
    const podsPath = o.allNamespaces ? '/api/v1/pods' : `/api/v1/namespaces/${encodeURIComponent(ns)}/pods`;
    const pods = (await ctx.client.request<{ items?: { metadata: { name: string; namespace?: string; creationTimestamp?: string } }[] }>('GET', podsPath, { query: { labelSelector: o.selector, fieldSelector: o.fieldSelector } })).items ?? [];
    if (pods.length) {
      for (const p of pods) {
        const age = Date.now() - Date.parse(p.metadata.creationTimestamp ?? '');
        if (age > METRICS_CREATION_DELAY_MS) throw new CliError(`Metrics not available for pod ${p.metadata.namespace}/${p.metadata.name}, age: ${rules().formatDuration(age)}`);
      }
      throw new CliError('metrics not available yet');
    }
    process.stderr.write(o.allNamespaces ? 'No resources found\n' : `No resources found in ${ns} namespace.\n`);
  }
  process.stdout.write(printPodMetrics(metrics, { noHeaders: o.noHeaders, sortBy: o.sortBy, allNamespaces: o.allNamespaces, containers: o.containers, sum: o.sum }));
  return 0;
}
