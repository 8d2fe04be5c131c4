import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { newCycle } from '../src/algorithm';
import type { Plugin, Status } from '../src/framework';
import { buildSnapshot } from '../src/model';
import { InterPodAffinity } from '../src/plugins/inter-pod-affinity';
import { NodeAffinity } from '../src/plugins/node-affinity';
import { NodeName, NodePorts, NodeUnschedulable } from '../src/plugins/node-basic';
import { balancedAllocation, nodeResourcesFit } from '../src/plugins/node-resources';
import { TaintToleration } from '../src/plugins/taint-toleration';
import { node, pod } from './fixtures';

/** Run one plugin's filter for `p` on node `target` of a cluster. */
function filter(plugin: Plugin, p: core.Pod, nodes: core.Node[], existing: core.Pod[] = [], target = nodes[0].metadata!.name!): Status | undefined {
  const snap = buildSnapshot(nodes, existing);
  const ctx = newCycle(p, snap);
  plugin.preFilter?.(ctx);
  return plugin.filter!(ctx, snap.byName.get(target)!);
}

function scores(plugin: Plugin, p: core.Pod, nodes: core.Node[], existing: core.Pod[] = []): number[] {
  const snap = buildSnapshot(nodes, existing);
  const ctx = newCycle(p, snap);
  plugin.preScore?.(ctx, snap.nodes);
  const s = snap.nodes.map((n) => plugin.score!(ctx, n));
  plugin.normalize?.(ctx, s);
  return s;
}

describe('NodeResourcesFit filter', () => {
  const fit = nodeResourcesFit();
  const cases: { name: string; pod: core.Pod; node: core.Node; existing?: core.Pod[]; want?: string[] }[] = [
    { name: 'fits', pod: pod('p', { cpu: '1', memory: '1Gi' }), node: node('n', { cpu: '2', memory: '2Gi' }) },
    { name: 'exactly fits', pod: pod('p', { cpu: '1' }), node: node('n', { cpu: '2' }), existing: [pod('e', { cpu: '1', nodeName: 'n' })] },
    { name: 'insufficient cpu', pod: pod('p', { cpu: '1100m' }), node: node('n', { cpu: '2' }), existing: [pod('e', { cpu: '1', nodeName: 'n' })], want: ['Insufficient cpu'] },
    { name: 'insufficient cpu and memory', pod: pod('p', { cpu: '3', memory: '3Gi' }), node: node('n', { cpu: '2', memory: '2Gi' }), want: ['Insufficient cpu', 'Insufficient memory'] },
    { name: 'too many pods', pod: pod('p'), node: node('n', { pods: '1' }), existing: [pod('e', { nodeName: 'n' })], want: ['Too many pods'] },
    { name: 'zero-request pod fits a full node', pod: pod('p'), node: node('n', { cpu: '1' }), existing: [pod('e', { cpu: '1', nodeName: 'n' })] },
    {
      name: 'init container larger than the node',
      pod: pod('p', { cpu: '100m', spec: { initContainers: [{ name: 'i', image: 'x', resources: { requests: { cpu: '3' } } }] } }),
      node: node('n', { cpu: '2' }),
      want: ['Insufficient cpu'],
    },
    {
      name: 'extended resource missing on node',
      pod: pod('p', { spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { 'example.com/gpu': '1' } } }] } }),
      node: node('n'),
      want: ['Insufficient example.com/gpu'],
    },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      const s = filter(fit, tc.pod, [tc.node], tc.existing);
      expect(s?.reasons).toEqual(tc.want);
      if (tc.want) expect(s?.code).toBe('Unschedulable');
    });
});

describe('NodeName', () => {
  it.each([
    [undefined, true],
    ['n', true],
    ['other', false],
  ])('spec.nodeName=%s fits=%s', (nodeName, fits) => {
    const s = filter(NodeName, pod('p', { spec: { nodeName } }), [node('n')]);
    expect(s === undefined).toBe(fits);
    if (!fits) expect(s).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match the requested node name"] });
  });
});

describe('NodeUnschedulable', () => {
  const cases: { name: string; unschedulable: boolean; tolerations?: core.Toleration[]; fits: boolean }[] = [
    { name: 'schedulable node', unschedulable: false, fits: true },
    { name: 'cordoned node', unschedulable: true, fits: false },
    { name: 'cordoned, tolerated by key', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }], fits: true },
    { name: 'cordoned, tolerate everything', unschedulable: true, tolerations: [{ operator: 'Exists' }], fits: true },
    { name: 'cordoned, wrong effect', unschedulable: true, tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }], fits: false },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      const s = filter(NodeUnschedulable, pod('p', { spec: { tolerations: tc.tolerations } }), [node('n', { unschedulable: tc.unschedulable })]);
      expect(s === undefined).toBe(tc.fits);
      if (!tc.fits) expect(s?.reasons).toEqual(['node(s) were unschedulable']);
    });
});

describe('NodeAffinity filter', () => {
  const n = node('n1', { labels: { zone: 'a', disk: 'ssd' } });
  const req = (terms: core.NodeSelectorTerm[]): Partial<core.PodSpec> => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const cases: { name: string; spec: Partial<core.PodSpec>; fits: boolean }[] = [
    { name: 'no constraints', spec: {}, fits: true },
    { name: 'nodeSelector matches', spec: { nodeSelector: { zone: 'a' } }, fits: true },
    { name: 'nodeSelector mismatch', spec: { nodeSelector: { zone: 'b' } }, fits: false },
    { name: 'nodeSelector missing label', spec: { nodeSelector: { gpu: 'yes' } }, fits: false },
    { name: 'required term matches', spec: req([{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }]), fits: true },
    { name: 'terms are ORed', spec: req([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]), fits: true },
    { name: 'expressions are ANDed', spec: req([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }, { key: 'disk', operator: 'NotIn', values: ['ssd'] }] }]), fits: false },
    { name: 'empty term matches nothing', spec: req([{}]), fits: false },
    { name: 'matchFields metadata.name', spec: req([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }]), fits: true },
    { name: 'matchFields other name', spec: req([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }]), fits: false },
    { name: 'selector and affinity both apply', spec: { nodeSelector: { zone: 'b' }, ...req([{ matchExpressions: [{ key: 'zone', operator: 'Exists' }] }]) }, fits: false },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      const s = filter(NodeAffinity, pod('p', { spec: tc.spec }), [n]);
      expect(s === undefined).toBe(tc.fits);
      if (!tc.fits) expect(s).toMatchObject({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
    });
});

describe('NodeAffinity score', () => {
  it('sums preferred weights and normalizes to 100', () => {
    const spec: Partial<core.PodSpec> = {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
            { weight: 30, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } },
          ],
        },
      },
    };
    const nodes = [node('a', { labels: { zone: 'a' } }), node('b', { labels: { disk: 'ssd' } }), node('c', { labels: { zone: 'a', disk: 'ssd' } }), node('d')];
    expect(scores(NodeAffinity, pod('p', { spec }), nodes)).toEqual([25, 75, 100, 0]);
  });
});

describe('TaintToleration filter', () => {
  const cases: { name: string; taints: core.Taint[]; tolerations?: core.Toleration[]; want?: string }[] = [
    { name: 'no taints', taints: [] },
    { name: 'untolerated NoSchedule', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], want: 'node(s) had untolerated taint {k: v}' },
    { name: 'untolerated NoExecute', taints: [{ key: 'k', effect: 'NoExecute' }], want: 'node(s) had untolerated taint {k: }' },
    { name: 'PreferNoSchedule does not filter', taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] },
    { name: 'tolerated', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }], tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }] },
    {
      name: 'first untolerated of several',
      taints: [{ key: 'a', value: '1', effect: 'NoSchedule' }, { key: 'b', value: '2', effect: 'NoSchedule' }],
      tolerations: [{ key: 'a', operator: 'Exists' }],
      want: 'node(s) had untolerated taint {b: 2}',
    },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      const s = filter(TaintToleration, pod('p', { spec: { tolerations: tc.tolerations } }), [node('n', { taints: tc.taints })]);
      expect(s?.reasons[0]).toBe(tc.want);
    });
});

describe('TaintToleration score', () => {
  it('fewer intolerable PreferNoSchedule taints score higher', () => {
    const t = (key: string): core.Taint => ({ key, effect: 'PreferNoSchedule' });
    const nodes = [node('a'), node('b', { taints: [t('x')] }), node('c', { taints: [t('x'), t('y')] }), node('d', { taints: [t('y'), t('z')] })];
    expect(scores(TaintToleration, pod('p', { spec: { tolerations: [{ key: 'z', operator: 'Exists', effect: 'PreferNoSchedule' }] } }), nodes)).toEqual([100, 50, 0, 50]);
    expect(scores(TaintToleration, pod('p'), [node('a'), node('b')])).toEqual([100, 100]);
  });
});

describe('NodePorts', () => {
  const withPort = (name: string, port: number, extra: Partial<core.ContainerPort> = {}, nodeName?: string) =>
    pod(name, { nodeName, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: port, ...extra }] }] } });
  const cases: { name: string; pod: core.Pod; existing: core.Pod[]; fits: boolean }[] = [
    { name: 'no host ports', pod: pod('p'), existing: [withPort('e', 8080, {}, 'n')], fits: true },
    { name: 'free port', pod: withPort('p', 8081), existing: [withPort('e', 8080, {}, 'n')], fits: true },
    { name: 'same port', pod: withPort('p', 8080), existing: [withPort('e', 8080, {}, 'n')], fits: false },
    { name: 'same port other protocol', pod: withPort('p', 8080, { protocol: 'UDP' }), existing: [withPort('e', 8080, {}, 'n')], fits: true },
    { name: 'different host IPs', pod: withPort('p', 8080, { hostIP: '10.0.0.1' }), existing: [withPort('e', 8080, { hostIP: '10.0.0.2' }, 'n')], fits: true },
    { name: 'wildcard conflicts with specific IP', pod: withPort('p', 8080), existing: [withPort('e', 8080, { hostIP: '10.0.0.2' }, 'n')], fits: false },
    { name: 'pod on another node', pod: withPort('p', 8080), existing: [withPort('e', 8080, {}, 'other')], fits: true },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      const s = filter(NodePorts, tc.pod, [node('n'), node('other')], tc.existing);
      expect(s === undefined).toBe(tc.fits);
      if (!tc.fits) expect(s).toMatchObject({ code: 'Unschedulable', reasons: ["node(s) didn't have free ports for the requested pod ports"] });
    });
});

describe('InterPodAffinity (required)', () => {
  const anti = (app: string, topologyKey = 'kubernetes.io/hostname'): Partial<core.PodSpec> => ({
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchLabels: { app } } }] } },
  });
  const aff = (app: string, topologyKey = 'zone'): Partial<core.PodSpec> => ({
    affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchLabels: { app } } }] } },
  });
  const nodes = [node('n1', { labels: { zone: 'a', 'kubernetes.io/hostname': 'n1' } }), node('n2', { labels: { zone: 'a' } }), node('n3', { labels: { zone: 'b' } })];
  const cases: { name: string; pod: core.Pod; existing: core.Pod[]; target: string; want?: string }[] = [
    { name: 'anti-affinity: matching pod on the node', pod: pod('p', { labels: { app: 'web' }, spec: anti('web') }), existing: [pod('e', { labels: { app: 'web' }, nodeName: 'n1' })], target: 'n1', want: "node(s) didn't match pod anti-affinity rules" },
    { name: 'anti-affinity: matching pod elsewhere', pod: pod('p', { labels: { app: 'web' }, spec: anti('web') }), existing: [pod('e', { labels: { app: 'web' }, nodeName: 'n1' })], target: 'n2' },
    { name: 'anti-affinity: hostname from node name when unlabelled', pod: pod('p', { spec: anti('web') }), existing: [pod('e', { labels: { app: 'web' }, nodeName: 'n2' })], target: 'n2', want: "node(s) didn't match pod anti-affinity rules" },
    { name: 'anti-affinity: zone topology', pod: pod('p', { spec: anti('web', 'zone') }), existing: [pod('e', { labels: { app: 'web' }, nodeName: 'n1' })], target: 'n2', want: "node(s) didn't match pod anti-affinity rules" },
    { name: 'anti-affinity: other namespace ignored', pod: pod('p', { spec: anti('web') }), existing: [pod('e', { ns: 'other', labels: { app: 'web' }, nodeName: 'n1' })], target: 'n1' },
    { name: 'anti-affinity: non-matching labels', pod: pod('p', { spec: anti('web') }), existing: [pod('e', { labels: { app: 'db' }, nodeName: 'n1' })], target: 'n1' },
    { name: "existing pod's anti-affinity", pod: pod('p', { labels: { app: 'web' } }), existing: [pod('e', { spec: anti('web'), nodeName: 'n1' })], target: 'n1', want: "node(s) didn't satisfy existing pods anti-affinity rules" },
    { name: 'affinity: matching pod in zone', pod: pod('p', { spec: aff('db') }), existing: [pod('e', { labels: { app: 'db' }, nodeName: 'n1' })], target: 'n2' },
    { name: 'affinity: matching pod in other zone', pod: pod('p', { spec: aff('db') }), existing: [pod('e', { labels: { app: 'db' }, nodeName: 'n1' })], target: 'n3', want: "node(s) didn't match pod affinity rules" },
    { name: 'affinity: first pod matching itself', pod: pod('p', { labels: { app: 'db' }, spec: aff('db') }), existing: [], target: 'n3' },
    { name: 'affinity: no match anywhere', pod: pod('p', { spec: aff('db') }), existing: [], target: 'n3', want: "node(s) didn't match pod affinity rules" },
  ];
  for (const tc of cases)
    it(tc.name, () => {
      expect(filter(InterPodAffinity, tc.pod, nodes, tc.existing, tc.target)?.reasons[0]).toBe(tc.want);
    });
});

describe('resource scores', () => {
  const nodes = [node('small', { cpu: '2', memory: '4Gi' }), node('big', { cpu: '8', memory: '16Gi' })];
  it('LeastAllocated prefers the emptier node', () => {
    const [small, big] = scores(nodeResourcesFit(), pod('p', { cpu: '1', memory: '2Gi' }), nodes);
    expect(small).toBe(50);
    expect(big).toBe(87);
  });
  it('MostAllocated prefers the fuller node', () => {
    const [small, big] = scores(nodeResourcesFit({ scoringStrategy: { type: 'MostAllocated' } }), pod('p', { cpu: '1', memory: '2Gi' }), nodes);
    expect(small).toBe(50);
    expect(big).toBe(12);
  });
  it('non-zero defaults count pods without requests', () => {
    const [s] = scores(nodeResourcesFit(), pod('p'), [node('n', { cpu: '1', memory: '400Mi' })]);
    expect(s).toBe(Math.trunc((90 + 50) / 2));
  });
  it('BalancedAllocation prefers equal cpu and memory fractions', () => {
    const ns = [node('a', { cpu: '4', memory: '4Gi' }), node('b', { cpu: '4', memory: '16Gi' })];
    expect(scores(balancedAllocation(), pod('p', { cpu: '2', memory: '2Gi' }), ns)).toEqual([100, Math.trunc((1 - (0.5 - 0.125) / 2) * 100)]);
  });
});
