import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { daemonTolerations, pinToNode, podNode, shouldRun } from '../src/controllers/daemonset/logic';
import type { Node } from '../src/util/types';

const node = (name: string, labels: Record<string, string> = {}, taints: core.Taint[] = []): Node => ({ metadata: { name, labels }, spec: { taints } });
const spec = (o: Partial<core.PodSpec> = {}): core.PodSpec => ({ containers: [{ name: 'c' }], ...o });

describe('shouldRun', () => {
  it.each<[string, core.PodSpec, Node, boolean]>([
    ['plain', spec(), node('n'), true],
    ['nodeSelector match', spec({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'ssd' }), true],
    ['nodeSelector miss', spec({ nodeSelector: { disk: 'ssd' } }), node('n', { disk: 'hdd' }), false],
    ['untolerated NoSchedule taint', spec(), node('n', {}, [{ key: 'dedicated', effect: 'NoSchedule' }]), false],
    ['tolerated by the pod', spec({ tolerations: [{ key: 'dedicated', operator: 'Exists' }] }), node('n', {}, [{ key: 'dedicated', effect: 'NoSchedule' }]), true],
    ['unreachable / unschedulable tolerated by default', spec(), node('n', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), true],
    ['PreferNoSchedule ignored', spec(), node('n', {}, [{ key: 'x', effect: 'PreferNoSchedule' }]), true],
    ['affinity In', spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } }), node('n', { zone: 'a' }), true],
    ['affinity NotIn', spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }] } } } }), node('n', { zone: 'a' }), false],
  ])('%s', (_n, s, n, want) => {
    expect(shouldRun(s, n)).toBe(want);
  });
});

describe('pinning', () => {
  it('pins to the node by metadata.name, keeps other terms, adds daemon tolerations once', () => {
    const s = spec({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } } });
    const p = pinToNode(s, 'n1');
    expect(p.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
    ]);
    expect(podNode({ metadata: { name: 'p' }, spec: p })).toBe('n1');
    expect(podNode({ metadata: { name: 'p' }, spec: { ...p, nodeName: 'n2' } })).toBe('n2');
    expect(daemonTolerations(p).length).toBe(daemonTolerations(s).length);
    expect(s.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms[0].matchFields).toBeUndefined();
  });
});
