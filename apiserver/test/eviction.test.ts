import { describe, expect, it } from 'vitest';
import { ApiError, type KubeObject } from '@minik8s/shared';
import { budgetsFor, canIgnoreBudgets, spendBudget, unhealthyMayGo } from '../src/kinds/core/pod/eviction-rules';

type Obj = KubeObject & { spec?: any; status?: any };
const NOW = '2026-01-01T00:00:00Z';

const pod = (phase: string, ready = true, extra: Partial<Obj['metadata']> = {}): Obj => ({
  metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' }, ...extra },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const budget = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, generation = 1): Obj => ({
  metadata: { name: 'b', namespace: 'ns', generation },
  spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } }, ...spec },
  status: { observedGeneration: 1, ...status },
});

describe('canIgnoreBudgets', () => {
  it.each([
    ['Running', false, false],
    ['Pending', false, true],
    ['Succeeded', false, true],
    ['Failed', false, true],
    ['Running', true, true],
  ])('%s, deleting %s → %s', (phase, deleting, want) => {
    expect(canIgnoreBudgets(pod(phase as string, true, deleting ? { deletionTimestamp: NOW } : {}))).toBe(want);
  });
});

describe('budgetsFor', () => {
  it('matches by namespace and selector; a nil selector guards nothing, an empty one everything', () => {
    const b = (name: string, ns: string, selector: unknown) => ({ metadata: { name, namespace: ns }, spec: { selector } }) as Obj;
    const all = [b('web', 'ns', { matchLabels: { app: 'web' } }), b('db', 'ns', { matchLabels: { app: 'db' } }), b('nil', 'ns', undefined), b('empty', 'ns', {}), b('other', 'x', {}), b('bad', 'ns', { matchExpressions: [{ key: 'a', operator: 'Nope' }] })];
    expect(budgetsFor(pod('Running'), all).map((x) => x.metadata.name)).toEqual(['web', 'empty']);
  });
});

describe('unhealthyMayGo', () => {
  it.each<[string, Obj, Obj, boolean]>([
    ['a ready pod always spends the budget', pod('Running', true), budget({ currentHealthy: 3, desiredHealthy: 2 }), false],
    ['an unready pod goes while the budget is healthy', pod('Running', false), budget({ currentHealthy: 2, desiredHealthy: 2 }), true],
    ['not while it is short', pod('Running', false), budget({ currentHealthy: 1, desiredHealthy: 2 }), false],
    ['not when nothing is needed (desired 0)', pod('Running', false), budget({ currentHealthy: 0, desiredHealthy: 0 }), false],
    ['AlwaysAllow lets it go anyway', pod('Running', false), budget({ currentHealthy: 0, desiredHealthy: 2 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' }), true],
  ])('%s', (_n, p, b, want) => {
    expect(unhealthyMayGo(p, b)).toBe(want);
  });
});

describe('spendBudget', () => {
  const refusal = (b: Obj) => {
    try {
      spendBudget(b, 'p', NOW, false);
    } catch (e) {
      return (e as ApiError).status;
    }
    throw new Error('not refused');
  };

  it('takes one disruption and records the pod; the condition turns False at zero', () => {
    const out = spendBudget(budget({ disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 }), 'p', NOW, false) as Obj;
    expect(out.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { p: NOW } });
    expect(out.status.conditions).toEqual([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: 1, lastTransitionTime: NOW }]);
    const dry = spendBudget(budget({ disruptionsAllowed: 2 }), 'p', NOW, true) as Obj;
    expect(dry.status.disruptionsAllowed).toBe(1);
    expect(dry.status.disruptedPods).toBeUndefined();
  });

  it.each<[string, Obj, number, string]>([
    ['exhausted: 429 with the numbers', budget({ disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 }), 429, 'The disruption budget b needs 2 healthy pods and has 2 currently'],
    ['not processed yet: 429', budget({ disruptionsAllowed: 1 }, {}, 2), 429, 'The disruption budget b is still being processed by the server.'],
  ])('%s', (_n, b, code, cause) => {
    const st = refusal(b);
    expect(st).toMatchObject({ code, reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget.", details: { causes: [{ reason: 'DisruptionBudget', message: cause }] } });
  });

  it('a negative count is forbidden', () => {
    expect(refusal(budget({ disruptionsAllowed: -1 }))).toMatchObject({ code: 403, message: 'poddisruptionbudgets.policy "b" is forbidden: pdb disruptions allowed is negative' });
  });
});
