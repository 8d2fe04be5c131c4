import { describe, expect, it } from 'vitest';
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, type core } from '@minik8s/shared';
import type { Node, Pod } from '../src/util/types';
import { CidrSet } from '../src/controllers/nodeipam/cidrs';
import { evictionTime, reconcileTaints, staleConditions } from '../src/controllers/nodelifecycle/decisions';

describe('CidrSet', () => {
  it('hands out /24s in order, never twice, reuses released ones', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.capacity).toBe(256);
    expect(s.allocate()).toBe('10.244.0.0/24');
    expect(s.occupy('10.244.1.0/24')).toBe(true);
    expect(s.allocate()).toBe('10.244.2.0/24');
    s.release('10.244.0.0/24');
    const seen = new Set<string>();
    for (let i = 0; i < 254; i++) seen.add(s.allocate()!);
    expect(seen.size).toBe(254);
    expect(seen.has('10.244.0.0/24')).toBe(true);
    expect(s.allocate()).toBeUndefined();
  });
  it.each([['10.0.0.0/30', 31, ['10.0.0.0/31', '10.0.0.2/31']], ['192.168.4.0/22', 24, ['192.168.4.0/24', '192.168.5.0/24', '192.168.6.0/24', '192.168.7.0/24']]] as const)('%s /%i', (c, m, want) => {
    const s = new CidrSet(c, m);
    expect(Array.from({ length: want.length }, () => s.allocate())).toEqual(want);
  });
  it('rejects foreign blocks and bad input', () => {
    const s = new CidrSet('10.244.0.0/16', 24);
    expect(s.occupy('10.1.0.0/24')).toBe(false);
    expect(s.occupy('10.244.0.0/25')).toBe(false);
    expect(() => new CidrSet('10.244.0.0/16', 8)).toThrow(/mask/);
    expect(() => new CidrSet('nope', 24)).toThrow(/invalid/);
  });
});

const node = (ready: string | undefined, taints: core.Taint[] = [], unschedulable = false): Node => ({
  metadata: { name: 'n1' },
  spec: { taints, unschedulable },
  status: { conditions: ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: 'h' }, { type: 'MemoryPressure', status: 'False' }] : [] },
});

describe('node conditions and taints', () => {
  it('stale node: every condition Unknown with the upstream reason', () => {
    const c = staleConditions(node('True'), 'now')!;
    expect(c.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
    ]);
    expect(staleConditions({ ...node('True'), status: { conditions: c } }, 'later')).toBeUndefined();
    expect(staleConditions(node(undefined), 'now')![0]).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated' });
  });
  it.each<[string, Node, string[] | undefined]>([
    ['ready: nothing', node('True'), undefined],
    ['unknown: unreachable', node('Unknown'), [`${TAINT_NODE_UNREACHABLE}:NoExecute`, `${TAINT_NODE_UNREACHABLE}:NoSchedule`]],
    ['false: not-ready', node('False'), [`${TAINT_NODE_NOT_READY}:NoExecute`, `${TAINT_NODE_NOT_READY}:NoSchedule`]],
    ['recovered: removed, user taints kept', node('True', [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }, { key: 'mine', effect: 'NoSchedule' }]), ['mine:NoSchedule']],
    ['unknown → false swaps', node('False', [{ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }]), [`${TAINT_NODE_NOT_READY}:NoExecute`, `${TAINT_NODE_NOT_READY}:NoSchedule`]],
    ['cordoned', node('True', [], true), ['node.kubernetes.io/unschedulable:NoSchedule']],
  ])('%s', (_n, n, want) => {
    const t = reconcileTaints(n, 'now');
    expect(t?.map((x) => `${x.key}:${x.effect}`)).toEqual(want);
  });
});

describe('evictionTime', () => {
  const defaults = { notReadySeconds: 300, unreachableSeconds: 300 };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const unreachable: core.Taint = { key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute', timeAdded: '2026-01-01T00:00:00Z' };
  const pod = (tolerations?: core.Toleration[]): Pod => ({ metadata: { name: 'p' }, spec: { containers: [], tolerations } });
  it.each<[string, Pod, core.Taint[], number | 'never']>([
    ['no taints', pod(), [], 'never'],
    ['default toleration 300 s', pod(), [unreachable], t0 + 300_000],
    ['own toleration 5 s', pod([{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 }]), [unreachable], t0 + 5000],
    ['tolerates forever', pod([{ operator: 'Exists' }]), [unreachable], 'never'],
    ['diverged: an Equal toleration without key matches a taint of any key with its (empty) value', pod([{ operator: 'Equal', effect: 'NoExecute' }]), [unreachable], 'never'],
    ['untolerated custom taint: now', pod(), [{ key: 'x', effect: 'NoExecute' }], t0 + 1],
    ['NoSchedule taints do not evict', pod(), [{ key: 'x', effect: 'NoSchedule' }], 'never'],
    ['negative seconds: at once', pod([{ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', tolerationSeconds: -1 }]), [unreachable], t0],
  ])('%s', (_n, p, taints, want) => {
    expect(evictionTime(p, taints, defaults, t0 + 1)).toBe(want);
  });
  it('honours the default flag values', () => {
    expect(evictionTime(pod(), [unreachable], { notReadySeconds: 300, unreachableSeconds: 2 }, t0)).toBe(t0 + 2000);
  });
});
