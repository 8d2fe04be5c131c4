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

  it.each([
    [[], undefined],
    [['--proxy-mode', ''], undefined],
    [['--proxy-mode', 'nftables'], 'nftables'],
    [['--proxy-mode=iptables'], 'iptables'],
  ])('--proxy-mode %j: %s (undefined: nftables where the kernel supports it)', (args, mode) => {
    expect(parseFlags(args).proxyMode).toBe(mode);
  });

  it.each([
    [['--proxy-mode', 'ipvs'], /--proxy-mode "ipvs" is not supported: use iptables or nftables/],
    [['--cluster-cidr', '10.244.0.0/33'], /invalid IPv4 CIDR/],
    [['--cluster-cidr', '10.244.0.300/16'], /invalid IPv4 CIDR/],
    [['--cluster-cidr', '10.244.0.0/16 counter'], /invalid IPv4 CIDR/],
  ])('%j is refused', (args, msg) => {
    expect(() => parseFlags(args)).toThrow(FlagError);
    expect(() => parseFlags(args)).toThrow(msg);
  });
});
