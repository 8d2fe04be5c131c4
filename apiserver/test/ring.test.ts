// The watch cache's event ring (storage/ring.ts): at most `capacity` items, oldest evicted first, and no
// reference kept to an evicted item (the cache's memory is bounded by its capacity, not twice it).
import { describe, expect, it } from 'vitest';
import { Ring } from '../src/storage/ring';

const slots = (r: Ring<unknown>) => (r as unknown as { slots: unknown[] }).slots;

describe('Ring', () => {
  it('keeps the newest `capacity` items, oldest first, and returns what it evicts', () => {
    const r = new Ring<number>(3);
    expect([r.push(1), r.push(2), r.push(3)]).toEqual([undefined, undefined, undefined]);
    expect([...r]).toEqual([1, 2, 3]);
    expect(r.push(4)).toBe(1);
    expect(r.push(5)).toBe(2);
    expect([...r]).toEqual([3, 4, 5]);
    expect(r.size).toBe(3);
  });

  it('holds no reference to an evicted item, however many pass through', () => {
    const r = new Ring<{ n: number }>(4);
    const items = Array.from({ length: 1000 }, (_, n) => ({ n }));
    for (const it of items) r.push(it);
    expect(slots(r).length).toBe(4);
    expect(new Set(slots(r))).toEqual(new Set(items.slice(-4)));
    expect([...r].map((x) => x.n)).toEqual([996, 997, 998, 999]);
  });

  it('starts over when cleared', () => {
    const r = new Ring<number>(2);
    r.push(1);
    r.push(2);
    r.push(3);
    r.clear();
    expect(r.size).toBe(0);
    expect(slots(r).length).toBe(0);
    r.push(7);
    expect([...r]).toEqual([7]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const c of [0, -1, 1.5, NaN]) expect(() => new Ring(c)).toThrow(/positive integer/);
  });
});
