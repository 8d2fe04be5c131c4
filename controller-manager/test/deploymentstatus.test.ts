import { describe, expect, it } from 'vitest';
import { calculateStatus, hasTimedOut, isComplete, updateProgressing } from '../src/controllers/deployment/status';
import { equalIgnoreHash } from '../src/controllers/deployment/controller';
import type { Deployment } from '../src/util/types';

const d = (over: Partial<Deployment['spec']> = {}, status: Deployment['status'] = {}): Deployment => ({
  metadata: { name: 'web', generation: 2 },
  spec: {
    replicas: 4,
    selector: {},
    template: {},
    progressDeadlineSeconds: 600,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
    ...over,
  },
  status,
});
const view = (specReplicas: number, replicas: number, ready: number, available: number) => ({
  specReplicas,
  replicas,
  readyReplicas: ready,
  availableReplicas: available,
});

describe('calculateStatus', () => {
  it('sums the ReplicaSets as kubectl rollout status reads them', () => {
    const s = calculateStatus(d(), [view(3, 3, 3, 3), view(2, 2, 1, 0)], view(2, 2, 1, 0), 'now');
    expect(s).toMatchObject({
      observedGeneration: 2,
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 4,
      availableReplicas: 3,
      unavailableReplicas: 2,
    });
    expect(s.conditions).toEqual([
      expect.objectContaining({
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        message: 'Deployment has minimum availability.',
      }),
    ]);
  });
  it('Available=False below replicas − maxUnavailable', () => {
    const s = calculateStatus(d(), [view(4, 4, 2, 2)], view(4, 4, 2, 2), 'now');
    expect(s.conditions?.[0]).toMatchObject({ status: 'False', reason: 'MinimumReplicasUnavailable' });
  });
});

describe('Progressing', () => {
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  it('complete → NewReplicaSetAvailable', () => {
    const dep = d();
    const s = { observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4, readyReplicas: 4, conditions: [] };
    expect(isComplete(dep, s)).toBe(true);
    updateProgressing(dep, s, 'web-abc', t0);
    expect(s.conditions).toEqual([
      expect.objectContaining({
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "web-abc" has successfully progressed.',
      }),
    ]);
  });
  it('progress → ReplicaSetUpdated with a recheck before the deadline', () => {
    const dep = d({}, { updatedReplicas: 1, replicas: 4 });
    const s = { observedGeneration: 2, replicas: 5, updatedReplicas: 2, availableReplicas: 3, readyReplicas: 3 };
    const recheck = updateProgressing(dep, s, 'web-abc', t0);
    expect(s).toMatchObject({
      conditions: [expect.objectContaining({ reason: 'ReplicaSetUpdated', message: 'ReplicaSet "web-abc" is progressing.' })],
    });
    expect(recheck).toBeGreaterThan(590_000);
  });
  it('no progress past the deadline → ProgressDeadlineExceeded', () => {
    const cond = {
      type: 'Progressing',
      status: 'True',
      reason: 'ReplicaSetUpdated',
      lastUpdateTime: '2026-01-01T00:00:00Z',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const dep = d(
      { progressDeadlineSeconds: 10 },
      { updatedReplicas: 2, replicas: 5, availableReplicas: 3, readyReplicas: 3, conditions: [cond] },
    );
    const s = { observedGeneration: 2, replicas: 5, updatedReplicas: 2, availableReplicas: 3, readyReplicas: 3, conditions: [cond] };
    expect(hasTimedOut(dep, s, t0 + 5000)).toBe(false);
    updateProgressing(dep, s, 'web-abc', t0 + 11_000);
    expect(s.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "web-abc" has timed out progressing.',
    });
  });
  it('paused deployments get no Progressing update', () => {
    const s = { observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 };
    expect(updateProgressing(d({ paused: true }), s, 'x', t0)).toBeUndefined();
    expect(s).not.toHaveProperty('conditions');
  });
});

describe('equalIgnoreHash', () => {
  const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  it.each([
    [{ ...t, metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } } }, true],
    [{ ...t, metadata: { creationTimestamp: null, labels: { app: 'web' } } }, true],
    [{ ...t, spec: { containers: [{ name: 'c', image: 'j' }] } }, false],
    [{ ...t, metadata: { labels: { app: 'web', x: 'y' } } }, false],
  ])('%#', (other, want) => {
    expect(equalIgnoreHash(t, other)).toBe(want);
  });
});
