import { describe, expect, it } from 'vitest';
import { freePort, median, percentile, until } from '../src/bench';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
  it.each<[number[], number, number]>([
    [hundred, 50, 50],
    [hundred, 99, 99],
    [hundred, 100, 100],
    [hundred, 0, 1],
    [[7], 99, 7],
    [[3, 1, 2], 50, 2],
    [[4, 1, 3, 2], 50, 2],
  ])('%j p%d = %d', (xs, p, want) => {
    expect(percentile(xs, p)).toBe(want);
  });
  it('is NaN without samples, and median is p50', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(median([5, 1, 9])).toBe(5);
  });
});

describe('until', () => {
  it('polls through undefined and throws until a value comes', async () => {
    let n = 0;
    const v = await until('the third call', () => {
      n++;
      if (n === 1) throw new Error('not up');
      return n === 3 ? 'up' : undefined;
    }, 1000, 1);
    expect([v, n]).toEqual(['up', 3]);
  });
  it('takes false as not yet', async () => {
    let n = 0;
    expect(await until('true', () => ++n === 3, 1000, 1)).toBe(true);
    expect(n).toBe(3);
  });
  it('names what it waited for, and the last error, when the time is up', async () => {
    await expect(until('nothing', () => undefined, 20, 5)).rejects.toThrow('timed out after 20 ms waiting for nothing');
    const failing = until('a refusal', () => {
      throw new Error('ECONNREFUSED');
    }, 20, 5);
    await expect(failing).rejects.toThrow('timed out after 20 ms waiting for a refusal: Error: ECONNREFUSED');
    await expect(failing).rejects.toHaveProperty('cause.message', 'ECONNREFUSED');
  });
});

it('freePort hands out a port that can be bound', async () => {
  const port = await freePort();
  expect(port).toBeGreaterThan(0);
});
