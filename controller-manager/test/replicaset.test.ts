import { describe, expect, it } from 'vitest';
import type { Pod } from '../src/util/types';
import {
  compareForDeletion,
  countReplicas,
  podsToDelete,
  replicaFailureConditions,
  slowStartBatches,
} from '../src/controllers/replicaset/logic';
import { Expectations } from '../src/util/expectations';
import { claimAction } from '../src/util/owners';

interface P {
  name: string;
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  created?: string;
  restarts?: number;
  labels?: Record<string, string>;
}
function pod(p: P): Pod {
  return {
    metadata: {
      name: p.name,
      namespace: 'default',
      creationTimestamp: p.created ?? '2026-01-01T00:00:00Z',
      labels: p.labels ?? { app: 'x' },
    },
    spec: { containers: [], nodeName: p.node },
    status: {
      phase: p.phase ?? 'Running',
      conditions: [
        { type: 'Ready', status: p.ready === false ? 'False' : 'True', lastTransitionTime: p.readySince ?? '2026-01-01T00:00:00Z' },
      ],
      containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: true, restartCount: p.restarts ?? 0 }],
    },
  };
}

describe('delete ranking', () => {
  it.each<[string, P, P]>([
    ['unscheduled before scheduled', { name: 'a' }, { name: 'b', node: 'n1' }],
    ['pending before running', { name: 'a', node: 'n', phase: 'Pending' }, { name: 'b', node: 'n' }],
    ['unknown before running', { name: 'a', node: 'n', phase: 'Unknown' }, { name: 'b', node: 'n' }],
    ['pending before unknown', { name: 'a', node: 'n', phase: 'Pending' }, { name: 'b', node: 'n', phase: 'Unknown' }],
    ['not ready before ready', { name: 'a', node: 'n', ready: false }, { name: 'b', node: 'n' }],
    [
      'ready for less time first',
      { name: 'a', node: 'n', readySince: '2026-01-02T00:00:00Z' },
      { name: 'b', node: 'n', readySince: '2026-01-01T00:00:00Z' },
    ],
    ['more restarts first', { name: 'a', node: 'n', restarts: 3 }, { name: 'b', node: 'n' }],
    ['newer first', { name: 'a', node: 'n', created: '2026-01-03T00:00:00Z' }, { name: 'b', node: 'n' }],
  ])('%s', (_n, a, b) => {
    expect(compareForDeletion(pod(a), pod(b))).toBeLessThan(0);
    expect(compareForDeletion(pod(b), pod(a))).toBeGreaterThan(0);
  });

  it('prefers pods doubled up on a node, then picks the requested count', () => {
    const pods = [
      pod({ name: 'solo', node: 'n1' }),
      pod({ name: 'dup1', node: 'n2' }),
      pod({ name: 'dup2', node: 'n2' }),
      pod({ name: 'unsched' }),
    ];
    const out = podsToDelete(pods, pods, 2).map((p) => p.metadata.name);
    expect(out[0]).toBe('unsched');
    expect(out[1]).toMatch(/^dup/);
    expect(podsToDelete(pods, pods, 9)).toHaveLength(4);
  });
});

describe('slowStartBatches', () => {
  it.each([
    [0, []],
    [1, [1]],
    [5, [1, 2, 2]],
    [10, [1, 2, 4, 3]],
    [16, [1, 2, 4, 8, 1]],
  ] as const)('%i → %j', (n, want) => {
    expect(slowStartBatches(n)).toEqual(want);
  });
});

describe('countReplicas', () => {
  const now = Date.parse('2026-01-01T00:01:00Z');
  it('counts fully labelled, ready, and available with minReadySeconds', () => {
    const pods = [
      pod({ name: 'a', readySince: '2026-01-01T00:00:00Z' }),
      pod({ name: 'b', readySince: '2026-01-01T00:00:50Z' }),
      pod({ name: 'c', ready: false, labels: {} }),
    ];
    expect(countReplicas(pods, { app: 'x' }, 30, now)).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 1,
    });
    expect(countReplicas(pods, { app: 'x' }, 0, now).availableReplicas).toBe(2);
  });
});

describe('ReplicaFailure condition', () => {
  it('is set on error, kept stable, cleared on success', () => {
    const c1 = replicaFailureConditions(undefined, { creating: true, message: 'quota' }, 't1');
    expect(c1).toEqual([{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota', lastTransitionTime: 't1' }]);
    expect(replicaFailureConditions(c1, { creating: true, message: 'quota' }, 't2')[0].lastTransitionTime).toBe('t1');
    expect(replicaFailureConditions(c1, undefined, 't3')).toEqual([]);
  });
});

describe('expectations', () => {
  it('blocks until creations and deletions are observed, and expires', () => {
    let now = 0;
    const e = new Expectations(1000, () => now);
    expect(e.satisfied('k')).toBe(true);
    e.expectCreations('k', 2);
    expect(e.satisfied('k')).toBe(false);
    e.creationObserved('k');
    e.creationObserved('k');
    expect(e.satisfied('k')).toBe(true);
    e.expectDeletions('k', ['ns/a', 'ns/b']);
    e.deletionObserved('k', 'ns/a');
    e.deletionObserved('k', 'ns/a'); // same pod twice counts once
    expect(e.satisfied('k')).toBe(false);
    now = 2000;
    expect(e.satisfied('k')).toBe(true);
  });
});

describe('claimAction', () => {
  const owned = (uid: string) => ({
    metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'r', uid, controller: true }] },
  });
  it.each([
    ['owned and matching', owned('me'), true, false, 'keep'],
    ['owned, labels changed', owned('me'), false, false, 'release'],
    ['owned by another', owned('other'), true, false, 'ignore'],
    ['orphan matching', { metadata: { name: 'p' } }, true, false, 'adopt'],
    ['orphan matching, owner deleting', { metadata: { name: 'p' } }, true, true, 'ignore'],
    ['orphan not matching', { metadata: { name: 'p' } }, false, false, 'ignore'],
  ] as const)('%s → %s', (_n, obj, matches, deleting, want) => {
    expect(claimAction('me', deleting, obj as never, matches)).toBe(want);
  });
});
