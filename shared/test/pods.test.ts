// Pod and node readiness, availability and phase; metav1 conditions; PodDisruptionBudget selection.
import { describe, expect, it } from 'vitest';
import {
  budgetSelectsPod,
  disruptionAllowedConditions,
  isNodeReady,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  secondsUntilAvailable,
  setStatusCondition,
  type Condition,
  type PodLike,
} from '@minik8s/shared';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const pod = (phase?: string, ready?: string, extra: { since?: string; deleting?: boolean } = {}): PodLike => ({
  metadata: extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {},
  status: { phase, conditions: ready ? [{ type: 'PodScheduled', status: 'True' }, { type: 'Ready', status: ready, lastTransitionTime: extra.since }] : undefined },
});

describe('pod readiness and phase', () => {
  it.each<[string, PodLike, { ready: boolean; terminal: boolean; active: boolean }]>([
    ['no status', {}, { ready: false, terminal: false, active: true }],
    ['pending, no conditions', pod('Pending'), { ready: false, terminal: false, active: true }],
    ['running, Ready=True', pod('Running', 'True'), { ready: true, terminal: false, active: true }],
    ['running, Ready=False', pod('Running', 'False'), { ready: false, terminal: false, active: true }],
    ['running, Ready=Unknown', pod('Running', 'Unknown'), { ready: false, terminal: false, active: true }],
    ['succeeded', pod('Succeeded', 'False'), { ready: false, terminal: true, active: false }],
    ['failed', pod('Failed'), { ready: false, terminal: true, active: false }],
    ['ready but being deleted', pod('Running', 'True', { deleting: true }), { ready: true, terminal: false, active: false }],
  ])('%s', (_n, p, want) => {
    expect({ ready: isPodReady(p), terminal: isPodTerminal(p), active: isPodActive(p) }).toEqual(want);
  });
});

describe('pod availability (minReadySeconds)', () => {
  const since = '2026-01-01T00:00:00Z';
  it.each<[string, PodLike, number, number, boolean, number | undefined]>([
    ['ready, no minReadySeconds', pod('Running', 'True'), 0, T0, true, undefined],
    ['not ready', pod('Running', 'False', { since }), 10, T0 + 60_000, false, undefined],
    ['ready for less than minReadySeconds', pod('Running', 'True', { since }), 10, T0 + 4_500, false, 6],
    ['ready for longer than minReadySeconds', pod('Running', 'True', { since }), 10, T0 + 10_500, true, undefined],
    ['ready without a transition time never becomes available', pod('Running', 'True'), 10, T0 + 60_000, false, undefined],
  ])('%s', (_n, p, minReady, now, available, wait) => {
    expect(isPodAvailable(p, minReady, now)).toBe(available);
    expect(secondsUntilAvailable(p, minReady, now)).toBe(wait);
  });
});

describe('isNodeReady', () => {
  it.each<[string, string | undefined, boolean]>([
    ['Ready=True', 'True', true],
    ['Ready=False', 'False', false],
    ['Ready=Unknown', 'Unknown', false],
    ['no Ready condition', undefined, false],
  ])('%s', (_n, status, want) => {
    expect(isNodeReady({ status: { conditions: status ? [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status }] : [] } })).toBe(want);
  });
});

describe('setStatusCondition (apimeta.SetStatusCondition)', () => {
  const other: Condition = { type: 'Other', status: 'True', reason: 'R', message: '', lastTransitionTime: 'old' };
  const allowed: Condition = { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: 'old', observedGeneration: 1 };
  it.each<[string, Condition[] | undefined, Omit<Condition, 'lastTransitionTime'>, Condition[]]>([
    ['appends a new condition stamped now', [other], { type: 'New', status: 'True', reason: 'R', message: 'm' }, [other, { type: 'New', status: 'True', reason: 'R', message: 'm', lastTransitionTime: 'now' }]],
    ['same status: keeps the time, takes reason, message and generation', [allowed, other], { type: 'DisruptionAllowed', status: 'True', reason: 'X', message: 'y', observedGeneration: 2 }, [{ ...allowed, reason: 'X', message: 'y', observedGeneration: 2 }, other]],
    ['new status: moves the time, keeps the place', [allowed, other], { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1 }, [{ ...allowed, status: 'False', reason: 'InsufficientPods', lastTransitionTime: 'now' }, other]],
    ['no list yet', undefined, { type: 'New', status: 'False', reason: 'R', message: '' }, [{ type: 'New', status: 'False', reason: 'R', message: '', lastTransitionTime: 'now' }]],
  ])('%s', (_n, conds, want, result) => {
    expect(setStatusCondition(conds, want, 'now')).toEqual(result);
  });
});

describe('disruptionAllowedConditions (UpdateDisruptionAllowedCondition)', () => {
  it.each<[number, string, string]>([
    [2, 'True', 'SufficientPods'],
    [0, 'False', 'InsufficientPods'],
  ])('disruptionsAllowed %i → %s %s', (disruptionsAllowed, status, reason) => {
    expect(disruptionAllowedConditions({ disruptionsAllowed, observedGeneration: 3 }, 'now')).toEqual([
      { type: 'DisruptionAllowed', status, reason, message: '', observedGeneration: 3, lastTransitionTime: 'now' },
    ]);
  });
});

describe('budgetSelectsPod (policy/v1)', () => {
  const p = { metadata: { name: 'p', namespace: 'a', labels: { app: 'web' } } };
  const budget = (selector: unknown, namespace = 'a') => ({ metadata: { name: 'b', namespace }, spec: { selector } as never });
  it.each<[string, unknown, string, boolean]>([
    ['matching selector', { matchLabels: { app: 'web' } }, 'a', true],
    ['other labels', { matchLabels: { app: 'db' } }, 'a', false],
    ['matchExpressions', { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] }, 'a', true],
    ['other namespace', { matchLabels: { app: 'web' } }, 'b', false],
    ['nil selector guards nothing', undefined, 'a', false],
    ['empty selector guards every pod of the namespace', {}, 'a', true],
    ['empty selector, other namespace', {}, 'b', false],
    ['invalid selector guards nothing', { matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, 'a', false],
  ])('%s', (_n, selector, ns, want) => {
    expect(budgetSelectsPod(budget(selector, ns), p)).toBe(want);
  });
});
