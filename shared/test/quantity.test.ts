import { describe, expect, it } from 'vitest';
import { QuantityError, formatQuantity, milliValue, parseQuantity, quantityValue } from '../src';

describe('parseQuantity', () => {
  it.each([
    ['0', 0],
    ['1', 1],
    ['100m', 0.1],
    ['1.5', 1.5],
    ['250m', 0.25],
    ['2k', 2000],
    ['1M', 1e6],
    ['3G', 3e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['128Ki', 131072],
    ['128Mi', 134217728],
    ['1Gi', 1073741824],
    ['1Ti', 2 ** 40],
    ['1Pi', 2 ** 50],
    ['1Ei', 2 ** 60],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e-3', 0.001],
    ['5n', 5e-9],
    ['5u', 5e-6],
    ['-2', -2],
    ['+2', 2],
    ['.5', 0.5],
    ['1.5Gi', 1.5 * 2 ** 30],
  ] as const)('%s = %d', (q, want) => {
    expect(parseQuantity(q)).toBeCloseTo(want, 12);
  });
  it.each(['', 'abc', '1x', '1Kb', 'Mi', '1.2.3', '1e', '--1', '1 Mi'])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(QuantityError);
  });
});

describe('milliValue / quantityValue', () => {
  it.each([
    ['100m', 100],
    ['1', 1000],
    ['0.29', 290],
    ['1.5', 1500],
    ['1n', 1],
    ['2k', 2000000],
    ['1Ki', 1024000],
    ['-1n', 0],
  ] as const)('milliValue(%s) = %d', (q, want) => {
    expect(milliValue(q)).toBe(want);
  });
  it('accepts numbers', () => {
    expect(milliValue(0.29)).toBe(290);
    expect(milliValue(2)).toBe(2000);
  });
  it.each([
    ['100m', 1],
    ['1Ki', 1024],
    ['2', 2],
  ] as const)('quantityValue(%s) = %d', (q, want) => {
    expect(quantityValue(q)).toBe(want);
  });
});

describe('formatQuantity', () => {
  it.each([
    [0, 'DecimalSI', '0'],
    [0.1, 'DecimalSI', '100m'],
    [1.5, 'DecimalSI', '1500m'],
    [2000, 'DecimalSI', '2k'],
    [1500, 'DecimalSI', '1500'],
    [3e9, 'DecimalSI', '3G'],
    [5e-6, 'DecimalSI', '5u'],
    [-0.25, 'DecimalSI', '-250m'],
    [134217728, 'BinarySI', '128Mi'],
    [1073741824, 'BinarySI', '1Gi'],
    [1000, 'BinarySI', '1k'],
    [1536, 'BinarySI', '1536'],
    [512, 'BinarySI', '512'],
  ] as const)('%d %s → %s', (v, f, want) => {
    expect(formatQuantity(v, f)).toBe(want);
    expect(parseQuantity(want)).toBeCloseTo(v, 12);
  });
});
