import { describe, expect, it } from 'vitest';
import { rfc3339 } from '@minik8s/shared';
import { budgetStatus, DELETION_TIMEOUT_MS, expectedPods, failSafeStatus, healthyPods, pendingDisruptions, type ScaleOf } from '../src/controllers/disruption/logic';
import type { Pod, PodDisruptionBudget } from '../src/util/types';

const T0 = Date.parse('2026-01-01T00:10:00Z');

function pod(name: string, opts: { ready?: boolean; owner?: string; deleting?: boolean; labels?: Record<string, string> } = {}): Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      labels: opts.labels ?? { app: 'web' },
      ...(opts.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: opts.owner, uid: `uid-${opts.owner}`, controller: true }] } : {}),
      ...(opts.deleting ? { deletionTimestamp: rfc3339(T0) } : {}),
    },
    spec: { containers: [] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(spec: PodDisruptionBudget['spec'], status?: PodDisruptionBudget['status'], generation = 1): PodDisruptionBudget {
  return { metadata: { name: 'b', namespace: 'ns', generation }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

/** Each ReplicaSet wants `replicas[name]` pods. */
const scales = (replicas: Record<string, number>): ScaleOf => (ref) => (ref.name in replicas ? { uid: ref.uid, scale: replicas[ref.name] } : undefined);

describe('expectedPods', () => {
  const three = [pod('a', { owner: 'rs1' }), pod('b', { owner: 'rs1' }), pod('c', { owner: 'rs1' })];
  it.each<[string, PodDisruptionBudget['spec'], Pod[], Record<string, number>, { expectedCount: number; desiredHealthy: number }]>([
    ['integer minAvailable counts the matching pods', { minAvailable: 2 }, three, {}, { expectedCount: 3, desiredHealthy: 2 }],
    ['percent minAvailable scales the controller replicas, rounding up', { minAvailable: '50%' }, three, { rs1: 5 }, { expectedCount: 5, desiredHealthy: 3 }],
    ['maxUnavailable as a number', { maxUnavailable: 1 }, three, { rs1: 3 }, { expectedCount: 3, desiredHealthy: 2 }],
    ['maxUnavailable percent rounds the unavailable up', { maxUnavailable: '50%' }, three, { rs1: 3 }, { expectedCount: 3, desiredHealthy: 1 }],
    ['maxUnavailable above the replicas: nothing needs to stay', { maxUnavailable: 5 }, three, { rs1: 3 }, { expectedCount: 3, desiredHealthy: 0 }],
    ['each controller counts once, two controllers add up', { maxUnavailable: 0 }, [...three, pod('d', { owner: 'rs2' })], { rs1: 3, rs2: 2 }, { expectedCount: 5, desiredHealthy: 5 }],
  ])('%s', (_n, spec, pods, replicas, want) => {
    expect(expectedPods(budget(spec), pods, scales(replicas))).toMatchObject(want);
  });

  it('a percentage cannot count pods without a controller; a pod whose controller is missing is an error', () => {
    expect(expectedPods(budget({ maxUnavailable: 1 }), [pod('a', { owner: 'rs1' }), pod('lone')], scales({ rs1: 1 }))).toEqual({ expectedCount: 1, desiredHealthy: 0, unmanaged: ['lone'] });
    expect(() => expectedPods(budget({ minAvailable: '10%' }), [pod('a', { owner: 'gone' })], scales({}))).toThrow('found no controllers for pod "a"');
  });
});

describe('recorded evictions', () => {
  const status = (disruptedPods: Record<string, string>) => ({ currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0, disruptedPods });
  it('keep a pod out of the healthy count until it is deleted or the timeout passes', () => {
    const b = budget({ minAvailable: 1 }, status({ a: rfc3339(T0 - 1000), b: rfc3339(T0 - DELETION_TIMEOUT_MS - 1000), gone: rfc3339(T0) }));
    const pods = [pod('a'), pod('b'), pod('c')];
    const r = pendingDisruptions(b, pods, T0);
    expect(r.disrupted).toEqual({ a: rfc3339(T0 - 1000) });
    expect(r.recheckAt).toBe(T0 - 1000 + DELETION_TIMEOUT_MS);
    expect(r.notDeleted.map((p) => p.metadata.name)).toEqual(['b']);
    expect(healthyPods(pods, r.disrupted, T0)).toBe(2);
  });
  it('deleting and unready pods are not healthy', () => {
    expect(healthyPods([pod('a', { deleting: true }), pod('b', { ready: false }), pod('c')], {}, T0)).toBe(1);
  });
});

describe('budgetStatus', () => {
  it.each<[string, { expectedCount: number; desiredHealthy: number }, number, number, string]>([
    ['healthy above desired', { expectedCount: 3, desiredHealthy: 2 }, 3, 1, 'True'],
    ['healthy at desired', { expectedCount: 3, desiredHealthy: 2 }, 2, 0, 'False'],
    ['no pods expected yet: nothing allowed', { expectedCount: 0, desiredHealthy: 0 }, 0, 0, 'False'],
  ])('%s', (_n, e, healthy, allowed, cond) => {
    const st = budgetStatus(budget({ minAvailable: 2 }, undefined, 4), { ...e, unmanaged: [] }, healthy, {}, rfc3339(T0));
    expect(st).toMatchObject({ currentHealthy: healthy, desiredHealthy: e.desiredHealthy, expectedPods: e.expectedCount, disruptionsAllowed: allowed, observedGeneration: 4 });
    expect(st.conditions).toEqual([{ type: 'DisruptionAllowed', status: cond, reason: cond === 'True' ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: 4, lastTransitionTime: rfc3339(T0) }]);
  });

  it('keeps the transition time while the condition holds, and fails safe with the reason', () => {
    const before = budgetStatus(budget({ minAvailable: 1 }), { expectedCount: 2, desiredHealthy: 1, unmanaged: [] }, 2, {}, rfc3339(T0));
    const again = budgetStatus(budget({ minAvailable: 1 }, before), { expectedCount: 2, desiredHealthy: 1, unmanaged: [] }, 2, {}, rfc3339(T0 + 5000));
    expect(again.conditions![0].lastTransitionTime).toBe(rfc3339(T0));
    const failed = failSafeStatus(budget({ minAvailable: '50%' }, before), 'found no controllers for pod "a"', rfc3339(T0 + 9000));
    expect(failed.disruptionsAllowed).toBe(0);
    expect(failed.conditions![0]).toMatchObject({ status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "a"', lastTransitionTime: rfc3339(T0 + 9000) });
  });
});
