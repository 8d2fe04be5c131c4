import { describe, expect, it } from 'vitest';
import {
  historyToDelete,
  newRSNewReplicas,
  proportionalScale,
  resolveFenceposts,
  scaleDownOld,
  type RsInfo,
  type Strategy,
} from '../src/controllers/deployment/rollout';
import { computeHash, fnv32a, safeEncodeString } from '../src/controllers/deployment/hash';

const rs = (name: string, replicas: number, available: number, created: number): RsInfo => ({ name, replicas, available, created });
const rolling = (maxSurge: number | string, maxUnavailable: number | string): Strategy => ({
  type: 'RollingUpdate',
  maxSurge,
  maxUnavailable,
});

describe('resolveFenceposts', () => {
  it.each([
    ['25%', '25%', 4, 1, 1],
    ['25%', '25%', 10, 3, 2], // surge rounds up, unavailable down
    ['50%', '50%', 3, 2, 1],
    [0, 0, 5, 0, 1], // both zero → unavailable 1
    [2, 0, 5, 2, 0],
    ['0%', '0%', 5, 0, 1],
    [1, '10%', 4, 1, 0],
    [undefined, undefined, 4, 1, 1], // defaults 25%/25%
  ])('surge %s unavailable %s of %i → %i/%i', (s, u, d, es, eu) => {
    expect(resolveFenceposts(s as never, u as never, d)).toEqual({ surge: es, unavailable: eu });
  });
  it('rejects bad values', () => {
    expect(() => resolveFenceposts('abc', 1, 4)).toThrow(/invalid value/);
  });
});

describe('newRSNewReplicas', () => {
  it.each<[string, Strategy, number, RsInfo[], RsInfo, number]>([
    ['first step of 4 with surge 1', rolling(1, 1), 4, [rs('old', 4, 4, 1)], rs('new', 0, 0, 2), 1],
    ['at max total: no growth', rolling(1, 1), 4, [rs('old', 4, 4, 1), rs('new', 1, 0, 2)], rs('new', 1, 0, 2), 1],
    ['old shrank: grow to fill surge', rolling(1, 1), 4, [rs('old', 2, 2, 1), rs('new', 1, 1, 2)], rs('new', 1, 1, 2), 3],
    ['never beyond desired', rolling(10, 0), 4, [rs('old', 1, 1, 1), rs('new', 3, 3, 2)], rs('new', 3, 3, 2), 4],
    ['fresh deployment', rolling('25%', '25%'), 4, [rs('new', 0, 0, 1)], rs('new', 0, 0, 1), 4],
    ['recreate goes to desired', { type: 'Recreate' }, 3, [rs('new', 0, 0, 1)], rs('new', 0, 0, 1), 3],
  ])('%s', (_n, s, desired, all, newRS, want) => {
    expect(newRSNewReplicas(s, desired, all, newRS)).toBe(want);
  });
});

describe('scaleDownOld', () => {
  it.each<[string, Strategy, number, RsInfo[], RsInfo | undefined, Record<string, number>]>([
    ['new not yet available: old may lose maxUnavailable', rolling(1, 1), 4, [rs('old', 4, 4, 1)], rs('new', 1, 0, 2), { old: 3 }],
    ['no room: at min available', rolling(1, 1), 4, [rs('old', 3, 3, 1)], rs('new', 2, 0, 2), {}],
    ['new available: old shrinks by that much', rolling(1, 1), 4, [rs('old', 3, 3, 1)], rs('new', 2, 2, 2), { old: 1 }],
    ['unhealthy old pods go first, within the budget', rolling(1, 0), 4, [rs('old', 4, 2, 1)], rs('new', 1, 1, 2), { old: 3 }],
    ['zero unavailable, surge only', rolling(1, 0), 4, [rs('old', 4, 4, 1)], rs('new', 1, 0, 2), {}],
    ['oldest first', rolling(0, 2), 4, [rs('b', 2, 2, 2), rs('a', 2, 2, 1)], rs('new', 0, 0, 3), { a: 0 }],
    ['nothing old', rolling(1, 1), 4, [rs('old', 0, 0, 1)], rs('new', 4, 4, 2), {}],
    [
      'old status lagging a scale-down (available > replicas) never scales up',
      rolling(1, 1),
      4,
      [rs('old', 3, 4, 1)],
      rs('new', 2, 0, 2),
      {},
    ],
    // What the controller passes once it caps a lagging status at the RS size (3 available, not 4): one more step only.
    ['capped lagging status: old shrinks by one', rolling(1, 1), 4, [rs('old', 3, 3, 1)], rs('new', 2, 1, 2), { old: 2 }],
  ])('%s', (_n, s, desired, old, newRS, want) => {
    expect(Object.fromEntries(scaleDownOld(s, desired, old, newRS))).toEqual(want);
  });
});

describe('rolling update simulation keeps the bounds', () => {
  it.each([
    [4, 1, 1],
    [4, '25%', '25%'],
    [10, 3, 0],
    [5, 0, 2],
    [3, '50%', '50%'],
  ] as const)('replicas %i surge %s unavailable %s', (desired, ms, mu) => {
    const s = rolling(ms, mu);
    const { surge, unavailable } = resolveFenceposts(ms, mu, desired);
    let old = rs('old', desired, desired, 1);
    let nw = rs('new', 0, 0, 2);
    for (let step = 0; step < 100 && !(nw.available === desired && old.replicas === 0); step++) {
      nw = { ...nw, replicas: newRSNewReplicas(s, desired, [old, nw], nw) };
      const down = scaleDownOld(s, desired, [old], nw);
      if (down.has('old')) old = { ...old, replicas: down.get('old')!, available: Math.min(old.available, down.get('old')!) };
      expect(old.replicas + nw.replicas).toBeLessThanOrEqual(desired + surge);
      expect(old.available + nw.available).toBeGreaterThanOrEqual(desired - unavailable);
      nw = { ...nw, available: nw.replicas }; // pods become ready
    }
    expect(nw).toMatchObject({ replicas: desired, available: desired });
    expect(old.replicas).toBe(0);
  });
});

describe('proportionalScale', () => {
  it('single active RS takes the whole size', () => {
    expect(Object.fromEntries(proportionalScale(rolling(1, 1), 6, [rs('a', 3, 3, 1)], rs('a', 3, 3, 1)))).toEqual({ a: 6 });
  });
  it('spreads a scale-up over the active RSes, total = desired + surge', () => {
    const out = proportionalScale(rolling(1, 1), 8, [rs('old', 3, 3, 1), rs('new', 2, 0, 2)], rs('new', 2, 0, 2));
    const total = 3 + 2 + [...out.entries()].reduce((a, [n, v]) => a + v - (n === 'old' ? 3 : 2), 0);
    expect(total).toBe(9);
    expect(out.get('old')).toBeGreaterThan(3);
  });
});

describe('historyToDelete', () => {
  const old = (name: string, revision: number, replicas = 0) => ({
    ...rs(name, replicas, 0, revision),
    revision,
    statusReplicas: replicas,
    deleting: false,
  });
  it.each([
    [[old('a', 1), old('b', 2), old('c', 3)], 1, ['a', 'b']],
    [[old('a', 1), old('b', 2)], 2, []],
    [[old('a', 1, 2), old('b', 2), old('c', 3)], 1, ['b']],
    [[old('c', 3), old('a', 1)], 0, ['a', 'c']],
  ])('%#', (olds, limit, want) => {
    expect(historyToDelete(olds, limit)).toEqual(want);
  });
});

describe('pod-template-hash', () => {
  it('FNV-32a matches the reference vectors', () => {
    expect(fnv32a(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });
  it('safe encoding maps digits into the vowel-free alphabet', () => {
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
  const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } };
  it('is stable across key order and empty fields, differs by content and collisionCount', () => {
    const h = computeHash(t);
    expect(h).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(
      computeHash({
        spec: { containers: [{ image: 'nginx:1', name: 'c', resources: {} }] },
        metadata: { creationTimestamp: null, labels: { app: 'web' } },
      }),
    ).toBe(h);
    expect(computeHash({ ...t, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } })).not.toBe(h);
    expect(computeHash(t, 1)).not.toBe(h);
    expect(computeHash(t, 0)).not.toBe(computeHash(t, 1));
  });
});
