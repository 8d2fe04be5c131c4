import { describe, expect, it } from 'vitest';
import { buildSnapshot, cpuQuantity, cpuRate, memoryQuantity, metricsTable, nodeMetrics, podMetrics, type CpuPoint, type Scrape } from '../src/metricsapi/convert';
import { METRICS_RESOURCES } from '../src/metricsapi';
import { aggregatedDiscovery, apiGroupList, apiResourceList } from '../src/discovery';

describe('quantities and durations as upstream prints them', () => {
  it.each([
    [0, '0'],
    [329087452, '329087452n'],
    [5_000_000, '5m'],
    [1_500_000_000, '1500m'],
    [2_000_000_000, '2'],
    [123_000, '123u'],
    [-5, '0'],
  ])('cpu %d nanocores → %s', (n, want) => expect(cpuQuantity(n)).toBe(want));

  it.each([
    [0, '0'],
    [1000, '1000'],
    [2748180 * 1024, '2748180Ki'],
    [64 * 1024 * 1024, '64Mi'],
    [1234567, '1234567'],
  ])('memory %d bytes → %s', (n, want) => expect(memoryQuantity(n)).toBe(want));
});

describe('cpuRate', () => {
  const prev: CpuPoint = { at: 1000, cumulative: 1e9 };
  it.each<[string, CpuPoint | undefined, number, { usageNanoCores?: number; usageCoreNanoSeconds?: number }, ReturnType<typeof cpuRate>]>([
    ['counter difference over the window', prev, 3000, { usageCoreNanoSeconds: 1.4e9, usageNanoCores: 7 }, { nanoCores: 200_000_000, windowMs: 2000, measured: true }],
    ['no earlier reading: the kubelet rate', undefined, 3000, { usageCoreNanoSeconds: 1.4e9, usageNanoCores: 7 }, { nanoCores: 7, windowMs: 10_000, measured: false }],
    ['earlier reading too old', { at: 1000 - 120_000, cumulative: 0 }, 3000, { usageCoreNanoSeconds: 1e9, usageNanoCores: 9 }, { nanoCores: 9, windowMs: 10_000, measured: false }],
    ['counter went back (restart)', prev, 3000, { usageCoreNanoSeconds: 5, usageNanoCores: 3 }, { nanoCores: 3, windowMs: 10_000, measured: false }],
    ['nothing to go on', undefined, 3000, { usageCoreNanoSeconds: 5 }, undefined],
  ])('%s', (_n, p, at, cpu, want) => expect(cpuRate(p, at, cpu, 60_000, 10_000)).toEqual(want));
});

const summary = (cum: number, podCum: number): Scrape['summary'] => ({
  node: { cpu: { usageNanoCores: 0, usageCoreNanoSeconds: cum }, memory: { workingSetBytes: 2048 * 1024 } },
  pods: [
    {
      podRef: { name: 'web', namespace: 'default', uid: 'u1' },
      containers: [
        { name: 'app', startTime: '2026-01-01T00:00:00Z', cpu: { usageNanoCores: 1, usageCoreNanoSeconds: podCum }, memory: { workingSetBytes: 1024 * 1024 } },
        { name: 'sidecar', cpu: { usageNanoCores: 5_000_000 }, memory: { workingSetBytes: 4096 } },
      ],
    },
    { podRef: { name: 'starting', namespace: 'default', uid: 'u2' }, containers: [] },
    { podRef: { name: 'nameless' }, containers: [{ name: 'x', cpu: { usageNanoCores: 1 }, memory: { workingSetBytes: 1 } }] },
  ],
});

describe('buildSnapshot', () => {
  const opts = { maxAgeMs: 60_000, fallbackWindowMs: 10_000 };
  it('first scrape: kubelet rates, and asks for a baseline scrape', () => {
    const s = buildSnapshot([{ node: 'n1', at: 1000, summary: summary(1e9, 5e8) }], new Map(), opts);
    expect(s.needsBaseline).toBe(true);
    expect(s.nodes.get('n1')).toEqual({ nanoCores: 0, memoryBytes: 2048 * 1024, timestamp: 1000, windowMs: 10_000 });
    expect([...s.pods.keys()]).toEqual(['default/web']);
    expect(s.points.size).toBe(2);
  });

  it('second scrape: rates from the counters over the time between the scrapes', () => {
    const first = buildSnapshot([{ node: 'n1', at: 1000, summary: summary(1e9, 5e8) }], new Map(), opts);
    const s = buildSnapshot([{ node: 'n1', at: 2000, summary: summary(2.5e9, 7e8) }], first.points, opts);
    expect(s.needsBaseline).toBe(false);
    expect(s.nodes.get('n1')).toMatchObject({ nanoCores: 1.5e9, windowMs: 1000 });
    const web = s.pods.get('default/web')!;
    expect(web).toMatchObject({ namespace: 'default', name: 'web', uid: 'u1' });
    expect(web.containers.map((c) => [c.name, c.nanoCores, c.memoryBytes, c.windowMs])).toEqual([
      ['app', 2e8, 1024 * 1024, 1000],
      ['sidecar', 5_000_000, 4096, 10_000],
    ]);
  });

  it('a node without memory stats is left out', () => {
    const s = buildSnapshot([{ node: 'n2', at: 1, summary: { node: { cpu: { usageNanoCores: 1 } } } }], new Map(), opts);
    expect(s.nodes.size).toBe(0);
  });
});

describe('objects', () => {
  const u = { nanoCores: 329087452, memoryBytes: 2748180 * 1024, timestamp: Date.UTC(2026, 0, 2, 3, 4, 5, 678), windowMs: 20064 };
  it('NodeMetrics', () => {
    expect(nodeMetrics({ name: 'n1', labels: { a: 'b' } }, u, Date.UTC(2026, 0, 2, 3, 4, 6))).toEqual({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'n1', creationTimestamp: '2026-01-02T03:04:06Z', labels: { a: 'b' } },
      timestamp: '2026-01-02T03:04:05Z',
      window: '20.064s',
      usage: { cpu: '329087452n', memory: '2748180Ki' },
    });
  });
  it('PodMetrics', () => {
    const p = podMetrics({ name: 'web', namespace: 'default' }, { namespace: 'default', name: 'web', containers: [{ name: 'app', ...u }] }, Date.UTC(2026, 0, 2, 3, 4, 6));
    expect(p).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'web', namespace: 'default' }, window: '20.064s', containers: [{ name: 'app', usage: { cpu: '329087452n', memory: '2748180Ki' } }] });
  });
});

describe('metricsTable (kubectl get)', () => {
  const u = { nanoCores: 1_500_000, memoryBytes: 1024 * 1024, timestamp: 0, windowMs: 10_500 };
  const p = podMetrics({ name: 'web', namespace: 'default' }, { namespace: 'default', name: 'web', containers: [{ name: 'a', ...u }, { name: 'b', ...u, memoryBytes: 1000 }] }, 0);
  it('Name, cpu, memory (summed over containers), Window; PartialObjectMetadata rows by default', () => {
    const t = metricsTable([p], 'v1', 'Metadata');
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'cpu', 'memory', 'Window']);
    expect(t.rows).toEqual([{ cells: ['web', '3m', '1049576', '10.5s'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata } }]);
  });
  it('a node; includeObject=None and Object; an empty list has no columns', () => {
    const n = nodeMetrics({ name: 'n1' }, { ...u, memoryBytes: 2 * 1024 ** 3 }, 0);
    expect(metricsTable([n], 'v1beta1', 'None').rows).toEqual([{ cells: ['n1', '1500u', '2Gi', '10.5s'] }]);
    expect(metricsTable([n], 'v1', 'Object').rows[0].object).toBe(n);
    expect(metricsTable([], 'v1', 'Metadata')).toMatchObject({ kind: 'Table', columnDefinitions: [], rows: [] });
  });
});

describe('discovery of metrics.k8s.io', () => {
  it('legacy group list and resource list, verbs get and list', () => {
    const g = apiGroupList(METRICS_RESOURCES).groups.find((x) => x.name === 'metrics.k8s.io');
    expect(g?.preferredVersion).toEqual({ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' });
    const list = apiResourceList(METRICS_RESOURCES, { group: 'metrics.k8s.io', version: 'v1beta1' });
    expect(list?.resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
  });
  it('aggregated discovery (what kubectl top reads)', () => {
    const d = aggregatedDiscovery(METRICS_RESOURCES, false);
    expect(d.items.map((i) => i.metadata.name)).toEqual(['metrics.k8s.io']);
    expect(d.items[0].versions[0].resources.map((r) => r.resource)).toEqual(['nodes', 'pods']);
  });
});
