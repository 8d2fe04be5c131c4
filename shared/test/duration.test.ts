// Go's time.ParseDuration and Duration.String() cases, and apimachinery's HumanDuration. Rows marked
// "diverged" are where one of the earlier copies answered otherwise.
import { describe, expect, it } from 'vitest';
import { DurationError, formatDuration, formatDurationNs, humanDuration, microTime, parseDuration, parseDurationFlag, parseDurationNs, rfc3339 } from '@minik8s/shared';

const S = 1_000_000_000n;
const MIN = 60n * S;
const H = 60n * MIN;
const MAX = (1n << 63n) - 1n;

describe('parseDurationNs (time.ParseDuration)', () => {
  it.each<[string, bigint]>([
    ['0', 0n],
    ['5s', 5n * S],
    ['1478s', 1478n * S],
    ['-5s', -5n * S],
    ['+5s', 5n * S],
    ['-0', 0n],
    ['+0', 0n],
    ['5.0s', 5n * S],
    ['5.6s', 5n * S + 600_000_000n],
    ['5.s', 5n * S],
    ['.5s', 500_000_000n],
    ['1.004s', S + 4_000_000n],
    ['100.00100s', 100n * S + 1_000_000n],
    ['10ns', 10n],
    ['11us', 11_000n],
    ['12µs', 12_000n],
    ['12μs', 12_000n],
    ['13ms', 13_000_000n],
    ['15m', 15n * MIN],
    ['16h', 16n * H],
    ['3h30m', 3n * H + 30n * MIN],
    ['10.5s4m', 4n * MIN + 10n * S + 500_000_000n],
    ['-2m3.4s', -(2n * MIN + 3n * S + 400_000_000n)],
    ['1h2m3s4ms5us6ns', H + 2n * MIN + 3n * S + 4_000_000n + 5_000n + 6n],
    ['39h9m14.425s', 39n * H + 9n * MIN + 14n * S + 425_000_000n],
    ['9007199254740993ns', 9007199254740993n],
    ['0.3333333333333333333h', 20n * MIN],
    ['0.100000000000000000000h', 6n * MIN],
    ['0.830103483285477580700h', 49n * MIN + 48n * S + 372_539_827n],
    ['9223372036854775807ns', MAX],
    ['9223372036854775.807us', MAX],
    ['9223372036s854ms775us807ns', MAX],
    ['-9223372036854775808ns', -MAX - 1n],
    ['-2562047h47m16.854775808s', -MAX - 1n],
  ])('%s', (s, ns) => expect(parseDurationNs(s)).toBe(ns));

  it.each<[string, string]>([
    ['', 'time: invalid duration ""'],
    ['3', 'time: missing unit in duration "3"'], // diverged: three copies read a bare number as seconds
    ['-', 'time: invalid duration "-"'],
    ['s', 'time: invalid duration "s"'],
    ['.', 'time: invalid duration "."'],
    ['-.', 'time: invalid duration "-."'],
    ['.s', 'time: invalid duration ".s"'],
    ['+.s', 'time: invalid duration "+.s"'],
    ['1d', 'time: unknown unit "d" in duration "1d"'],
    ['5s junk', 'time: unknown unit "s junk" in duration "5s junk"'],
    ['1\u00e9s', 'time: unknown unit "\\xc3\\xa9s" in duration "1\\xc3\\xa9s"'],
    ['1"s', 'time: unknown unit "\\"s" in duration "1\\"s"'],
    ['9223372036854775810ns', 'time: invalid duration "9223372036854775810ns"'],
    ['9223372036854775808ns', 'time: invalid duration "9223372036854775808ns"'],
    ['-9223372036854775809ns', 'time: invalid duration "-9223372036854775809ns"'],
    ['9223372036854776us', 'time: invalid duration "9223372036854776us"'],
    ['3000000h', 'time: invalid duration "3000000h"'],
    ['9223372036854775.808us', 'time: invalid duration "9223372036854775.808us"'],
    ['9223372036854ms775us808ns', 'time: invalid duration "9223372036854ms775us808ns"'],
  ])('rejects %j', (s, msg) => {
    expect(() => parseDurationNs(s)).toThrow(DurationError);
    expect(() => parseDurationNs(s)).toThrow(msg);
  });

  it('in milliseconds', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5ms')).toBe(1.5);
    expect(parseDuration('250us')).toBe(0.25);
  });
});

describe('parseDurationFlag (pflag DurationVar)', () => {
  it('names the flag and refuses negative periods', () => {
    expect(parseDurationFlag('timeout', '2m')).toBe(120_000);
    expect(() => parseDurationFlag('timeout', '30')).toThrow('invalid argument "30" for "--timeout" flag: time: missing unit in duration "30"');
    expect(() => parseDurationFlag('timeout', '-1s')).toThrow('invalid argument "-1s" for "--timeout" flag: must not be negative');
  });
});

describe('formatDurationNs (Duration.String)', () => {
  it.each<[bigint, string]>([
    [0n, '0s'],
    [1n, '1ns'],
    [1_100n, '1.1µs'],
    [2_200_000n, '2.2ms'],
    [3_300_000_000n, '3.3s'],
    [4n * MIN + 5n * S, '4m5s'],
    [4n * MIN + 5_001_000_000n, '4m5.001s'],
    [5n * H + 6n * MIN + 7_001_000_000n, '5h6m7.001s'],
    [8n * MIN + 1n, '8m0.000000001s'],
    [H, '1h0m0s'],
    [MAX, '2562047h47m16.854775807s'],
    [-MAX - 1n, '-2562047h47m16.854775808s'],
  ])('%s ns → %s', (ns, want) => expect(formatDurationNs(ns)).toBe(want));

  it.each<[number, string]>([
    [500, '500ms'],
    [20_064, '20.064s'],
    [61_500, '1m1.5s'],
    [300_000, '5m0s'],
    [-1500, '-1.5s'],
  ])('%d ms → %s', (ms, want) => expect(formatDuration(ms)).toBe(want));

  it('round-trips through parseDurationNs', () => {
    for (const ns of [1n, 999n, 1_500_000n, 3n * H + 7n, -MAX - 1n, MAX]) expect(parseDurationNs(formatDurationNs(ns))).toBe(ns);
  });

  it('refuses what is not a number', () => expect(() => formatDuration(NaN)).toThrow(DurationError));
});

describe('humanDuration (duration.HumanDuration)', () => {
  const h = 3600_000;
  const d = 24 * h;
  it.each<[number, string]>([
    [1000, '1s'],
    [70_000, '70s'],
    [190_000, '3m10s'],
    [180_000, '3m'],
    [70 * 60_000, '70m'],
    [3 * h + 20 * 60_000, '3h20m'],
    [47 * h, '47h'],
    [49 * h, '2d1h'],
    [8 * d + 2 * h, '8d'],
    [367 * d, '367d'],
    [365 * 2 * d + 25 * h, '2y1d'],
    [365 * 5 * d + 100 * d, '5y100d'], // diverged: mkctl printed "5y"
    [365 * 8 * d + 2 * h, '8y'],
    [-1999, '0s'],
    [-2000, '<invalid>'], // diverged: mkctl printed "0s"
    [-1500, '0s'],
  ])('%i ms → %s', (ms, want) => expect(humanDuration(ms)).toBe(want));
});

describe('API timestamps (metav1.Time, metav1.MicroTime)', () => {
  it.each<[Date | number, string, string]>([
    [Date.parse('2026-05-06T07:08:09.999Z'), '2026-05-06T07:08:09Z', '2026-05-06T07:08:09.999000Z'],
    [new Date('2026-05-06T07:08:09Z'), '2026-05-06T07:08:09Z', '2026-05-06T07:08:09.000000Z'],
  ])('%s', (at, time, micro) => {
    expect(rfc3339(at)).toBe(time);
    expect(microTime(at)).toBe(micro);
  });
});
