import { describe, expect, it } from 'vitest';
import { limitReplicas, resourceReplicas, stabilize } from '../src/controllers/podautoscaler/replicas';

const util = (averageUtilization: number) => ({ type: 'Utilization' as const, averageUtilization });

describe('resourceReplicas', () => {
  it.each<[string, number, { usage: number; request?: number }[], number, number | undefined]>([
    ['double the target → double the pods', 2, [{ usage: 0.1, request: 0.1 }, { usage: 0.1, request: 0.1 }], 4, 100],
    ['within tolerance → unchanged', 3, [{ usage: 0.053, request: 0.1 }, { usage: 0.05, request: 0.1 }, { usage: 0.05, request: 0.1 }], 3, 51],
    ['idle → shrink', 4, Array(4).fill({ usage: 0.01, request: 0.1 }), 1, 10],
    ['round up', 3, Array(3).fill({ usage: 0.06, request: 0.1 }), 4, 60],
  ])('%s', (_n, current, samples, want, utilization) => {
    const r = resourceReplicas(current, samples, util(50));
    expect(r.replicas).toBe(want);
    expect(r.utilization).toBe(utilization);
  });
  it('AverageValue targets', () => {
    expect(resourceReplicas(2, [{ usage: 300e6 }, { usage: 300e6 }], { type: 'AverageValue', averageValue: 100e6 }).replicas).toBe(6);
  });
  it('errors without samples or requests', () => {
    expect(() => resourceReplicas(1, [], util(50))).toThrow(/no metrics/);
    expect(() => resourceReplicas(1, [{ usage: 1 }], util(50))).toThrow(/missing request/);
  });
});

describe('limitReplicas', () => {
  it.each([
    [1, 20, { min: 1, max: 10 }, 5, 'ScaleUpLimit'],
    [4, 20, { min: 1, max: 10 }, 8, 'ScaleUpLimit'],
    [8, 20, { min: 1, max: 10 }, 10, 'TooManyReplicas'],
    [3, 0, { min: 2, max: 10 }, 2, 'TooFewReplicas'],
    [3, 5, { min: 1, max: 10 }, 5, undefined],
  ] as const)('%i → %i within %j', (cur, desired, l, want, reason) => {
    expect(limitReplicas(cur, desired, l)).toEqual(reason ? { replicas: want, reason } : { replicas: want });
  });
});

describe('stabilize', () => {
  const h = [{ at: 0, replicas: 6 }, { at: 100_000, replicas: 4 }];
  it('a scale-down follows the highest recommendation in the window', () => {
    expect(stabilize(h, 200_000, 6, 2, 300_000, 0)).toBe(6);
    expect(stabilize(h, 350_000, 6, 2, 300_000, 0)).toBe(4);
    expect(stabilize(h, 350_000, 6, 2, 0, 0)).toBe(2);
  });
  it('a scale-up follows the lowest in its window (none by default)', () => {
    expect(stabilize([{ at: 0, replicas: 2 }], 10_000, 2, 5, 300_000, 0)).toBe(5);
    expect(stabilize([{ at: 0, replicas: 3 }], 10_000, 2, 5, 300_000, 60_000)).toBe(3);
  });
});
