import { describe, expect, it } from 'vitest';
import { daemonPodSpec, type core } from '@minik8s/shared';
import { PLACEMENT_CASES } from '@minik8s/shared/testing';
import { nodePlacement, podNode } from '../src/controllers/daemonset/logic';
import type { Node } from '../src/util/types';

const node = (name: string, taints: core.Taint[] = []): Node => ({ metadata: { name, labels: { zone: 'a' } }, spec: { taints } });
const spec = (o: Partial<core.PodSpec> = {}): core.PodSpec => ({ containers: [{ name: 'c' }], ...o });

describe('placement table: DaemonSet controller', () => {
  it.each(PLACEMENT_CASES.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    expect(nodePlacement(spec(c.spec), { ...c.node, metadata: c.node.metadata! }).shouldRun).toBe(c.daemonFits ?? c.fits);
  });
});

describe('nodePlacement beyond the table', () => {
  it.each<[string, core.PodSpec, Node, { shouldRun: boolean; shouldContinueRunning: boolean }]>([
    ['fits', spec(), node('n'), { shouldRun: true, shouldContinueRunning: true }],
    ['diverged: an untolerated NoSchedule taint stops new pods but keeps the running one', spec(), node('n', [{ key: 'dedicated', effect: 'NoSchedule' }]), { shouldRun: false, shouldContinueRunning: true }],
    ['an untolerated NoExecute taint evicts', spec(), node('n', [{ key: 'dedicated', effect: 'NoExecute' }]), { shouldRun: false, shouldContinueRunning: false }],
    ['unreachable (both effects): no new pod, the running one stays', spec(), node('n', [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }]), { shouldRun: false, shouldContinueRunning: true }],
    ['affinity no longer matches: evicted', spec({ nodeSelector: { zone: 'b' } }), node('n'), { shouldRun: false, shouldContinueRunning: false }],
    ['template nodeName names this node', spec({ nodeName: 'n' }), node('n'), { shouldRun: true, shouldContinueRunning: true }],
    ['diverged: template nodeName names another node', spec({ nodeName: 'm' }), node('n'), { shouldRun: false, shouldContinueRunning: false }],
  ])('%s', (_n, s, n, want) => {
    expect(nodePlacement(s, n)).toEqual(want);
  });
});

describe('podNode (GetTargetNodeName)', () => {
  it('reads spec.nodeName, else the metadata.name pin of the daemon pod', () => {
    const pinned = daemonPodSpec(spec(), 'n1');
    expect(podNode({ metadata: { name: 'p' }, spec: pinned })).toBe('n1');
    expect(podNode({ metadata: { name: 'p' }, spec: { ...pinned, nodeName: 'n2' } })).toBe('n2');
    expect(podNode({ metadata: { name: 'p' }, spec: spec() })).toBeUndefined();
  });
});
