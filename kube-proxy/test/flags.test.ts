import { describe, expect, it } from 'vitest';
import { FlagError, parseFlags } from '../src/flags';

describe('parseFlags', () => {
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
