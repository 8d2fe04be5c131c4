import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '../src/flags';

describe('parseFlags', () => {
  it('takes Go durations for the sync periods, with upstream defaults', () => {
    expect(parseFlags([])).toMatchObject({ minSyncPeriodMs: 1000, syncPeriodMs: 30_000 });
    expect(parseFlags(['--min-sync-period', '100ms', '--sync-period=1m30s'])).toMatchObject({ minSyncPeriodMs: 100, syncPeriodMs: 90_000 });
  });
  it.each([
    [['--min-sync-period', '1'], 'invalid argument "1" for "--min-sync-period" flag: time: missing unit in duration "1"'],
    [['--sync-period=-30s'], 'invalid argument "-30s" for "--sync-period" flag: must not be negative'],
    [['--sync-period', '1d'], 'time: unknown unit "d" in duration "1d"'],
  ])('rejects %j', (argv, msg) => {
    expect(() => parseFlags(argv)).toThrow(FlagError);
    expect(() => parseFlags(argv)).toThrow(msg);
  });
});
