import { describe, expect, it } from 'vitest';
import { currentValue, limitReplicas, podSamples, resourceReplicas, resourceTarget, stabilize } from '../src/controllers/podautoscaler/replicas';

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

describe('memory metrics', () => {
  const pod = (name: string, requests: Array<string | undefined>) => ({
    metadata: { name },
    spec: { containers: requests.map((memory, i) => ({ name: `c${i}`, resources: memory ? { requests: { memory } } : {} })) },
  });
  const usage = new Map([
    ['a', { cpu: 0.01, memory: 96 * 2 ** 20 }],
    ['b', { cpu: 0.01, memory: 96 * 2 ** 20 }],
  ]);
  it('samples: memory usage in bytes, requests summed over the containers (none when one lacks it)', () => {
    expect(podSamples('memory', [pod('a', ['32Mi', '32Mi']), pod('b', ['64Mi', undefined]), pod('gone', ['1Gi'])], usage)).toEqual([
      { usage: 96 * 2 ** 20, request: 64 * 2 ** 20 },
      { usage: 96 * 2 ** 20, request: undefined },
    ]);
  });
  it.each([
    { name: 'averageUtilization 100 % of 64Mi requests, 96Mi used → 3 pods', target: { type: 'Utilization', averageUtilization: 100 }, want: 3, current: { averageUtilization: 150, averageValue: '100663296' } },
    { name: 'averageUtilization 200 %, 150 % used → 2 pods (2 × 0.75 rounds up to 2)', target: { type: 'Utilization', averageUtilization: 200 }, want: 2, current: { averageUtilization: 150, averageValue: '100663296' } },
    { name: 'averageValue 48Mi, 96Mi used → 4 pods', target: { type: 'AverageValue', averageValue: '48Mi' }, want: 4, current: { averageValue: '100663296' } },
    { name: 'averageValue 100Mi, 96Mi used → unchanged (within tolerance)', target: { type: 'AverageValue', averageValue: '100Mi' }, want: 2, current: { averageValue: '100663296' } },
  ])('$name', ({ target, want, current }) => {
    const samples = podSamples('memory', [pod('a', ['64Mi']), pod('b', ['64Mi'])], usage);
    const rec = resourceReplicas(2, samples, resourceTarget('memory', target)!);
    expect(rec.replicas).toBe(want);
    expect(currentValue('memory', rec)).toEqual(current);
  });
  it('targets in base units: cpu in cores, memory in bytes; no type → 80 % utilization', () => {
    expect(resourceTarget('memory', { type: 'AverageValue', averageValue: '1Gi' })).toEqual({ type: 'AverageValue', averageValue: 2 ** 30 });
    expect(resourceTarget('cpu', { type: 'AverageValue', averageValue: '250m' })).toEqual({ type: 'AverageValue', averageValue: 0.25 });
    expect(resourceTarget('memory', { type: 'Utilization' })).toEqual({ type: 'Utilization', averageUtilization: 80 });
  });
  it('a quantity stored before validation existed is no target and no request, not a crash or a stall', { timeout: 2000 }, () => {
    expect(resourceTarget('memory', { type: 'AverageValue', averageValue: '1e30000000' })).toBeUndefined();
    expect(podSamples('memory', [pod('a', ['1e30000000'])], usage)).toEqual([{ usage: 96 * 2 ** 20, request: undefined }]);
    expect(currentValue('cpu', { replicas: 1, average: 0.25 })).toEqual({ averageValue: '250m' });
  });
});
