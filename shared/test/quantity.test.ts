import { describe, expect, it } from 'vitest';
import { MAX_QUANTITY, QuantityError, compareQuantities, formatQuantity, milliValue, parseQuantity, parseQuantityExact, quantityValue } from '../src';

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
  it.each(['', 'abc', '1x', '1Kb', '1.2.3', '1e', '--1', '1 Mi', '1Mi ', ' 1', '1e+', '0x10', '1e99999999999', 'NaN', 'Infinity'])('rejects %j', (q) => {
    expect(() => parseQuantity(q)).toThrow(QuantityError);
  });
  // upstream's scanner reads an absent number as 0: these parse (as they do for kube-apiserver)
  it.each(['Mi', '.', '+', 'e5'])('%j is 0 as upstream scans it', (q) => {
    expect(parseQuantity(q)).toBe(0);
  });
});

// Each of these spun for seconds (10n ** exponent) before the bounds were checked on digit counts.
describe('bounds, checked before any arithmetic', () => {
  const FAST = { timeout: 2000 };
  it('refuses 1e30000000 and other absurd exponents at once', FAST, () => {
    for (const q of ['1e30000000', '1E2147483647', '9e30000000', '1e19', '10E', '9223372036854775808']) expect(() => parseQuantityExact(q), q).toThrow(/too large/);
    expect(() => milliValue('1e30000000')).toThrow(QuantityError);
    expect(() => quantityValue('1e30000000')).toThrow(QuantityError);
  });
  it('rounds absurdly small values up to 1n, as upstream', FAST, () => {
    expect(parseQuantityExact('1e-30000000').nano).toBe(1n);
    expect(parseQuantityExact('-1e-2147483648').nano).toBe(-1n);
    expect(parseQuantityExact(`0.${'0'.repeat(1_000_000)}1`).nano).toBe(1n);
    expect(parseQuantityExact('0.1n').nano).toBe(1n);
  });
  it('handles megabytes of digits without big-integer work', FAST, () => {
    expect(() => parseQuantityExact('9'.repeat(3_000_000))).toThrow(/too large/);
    expect(parseQuantityExact(`1.${'3'.repeat(3_000_000)}`).nano).toBe(1_333_333_334n);
    expect(() => parseQuantityExact(`1.${'3'.repeat(3_000_000)}Ki`)).toThrow(/significant digits/);
  });
  it('keeps the largest value and caps BinarySI above it, as upstream', () => {
    expect(parseQuantityExact(String(MAX_QUANTITY)).nano).toBe(MAX_QUANTITY * 1_000_000_000n);
    expect(parseQuantityExact('8Ei').nano).toBe(MAX_QUANTITY * 1_000_000_000n);
    expect(parseQuantityExact('8Ei').format).toBe('BinarySI');
  });
  it('is exact where doubles are not', () => {
    expect(parseQuantityExact('1.5Gi').nano).toBe(1610612736n * 1_000_000_000n);
    expect(parseQuantityExact('0.1Ki').nano).toBe(102_400_000_000n);
    expect(parseQuantityExact('1.0000000001').nano).toBe(1_000_000_001n);
    expect(compareQuantities('1Gi', '1073741824')).toBe(0);
    expect(compareQuantities('100m', '0.1')).toBe(0);
    expect(compareQuantities('1', '999m')).toBe(1);
    expect(parseQuantityExact('12e6').format).toBe('DecimalExponent');
  });
  it('accepts JSON numbers within the bounds', () => {
    expect(milliValue(1e-7)).toBe(1);
    expect(() => parseQuantity(1e300)).toThrow(/too large/);
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
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
