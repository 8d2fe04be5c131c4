import { describe, expect, it } from 'vitest';
import { canonicalIPv4, cidrContains, cidrErrors, formatIP, ipErrors, ipFamilyErrors, parseCIDR, parseCIDRSloppy, parseIP, parseIPSloppy, specialIPErrors } from '../src';

describe('IP parsing as upstream (ParseIPSloppy + strict rules)', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['255.255.255.255', '255.255.255.255'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::ffff', '2001:db8::ffff'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['0001:002:03:4::', '1:2:3:4::'],
    ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
  ])('accepts %s', (s, canonical) => {
    expect(ipErrors(s)).toEqual([]);
    expect(formatIP(parseIP(s)!)).toBe(canonical);
  });
  it.each([
    ['', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.4 x', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.4\n-A INPUT -j ACCEPT', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    [' 1.2.3.4', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.400', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.2.3.0/24', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['myhost.mydomain', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['fe80::1%eth0', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1:2:3:4:5:6:7:8:9', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1::2::3', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1::2:', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['0x7f.0.0.1', 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    ['1.1.1.01', 'must not have leading 0s'],
    ['010.002.003.004', 'must not have leading 0s'],
    ['::ffff:1.1.1.1', 'must not be an IPv4-mapped IPv6 address'],
  ])('refuses %j: %s', (s, msg) => {
    expect(ipErrors(s)).toContain(msg);
    expect(parseIP(s)).toBeUndefined();
  });
  it('reads leading zeros as decimal when sloppy, as upstream', () => {
    expect(parseIPSloppy('010.0.0.1')!.bytes).toEqual([10, 0, 0, 1]);
    expect(parseIPSloppy('0000000010.0.0.1')!.bytes).toEqual([10, 0, 0, 1]);
    expect(parseIPSloppy('0256.0.0.1')).toBeUndefined();
    expect(parseIPSloppy('99999999999999999999.0.0.1')).toBeUndefined();
  });
  it('canonicalIPv4: a strict IPv4 address as given (it is its canonical text), else undefined', () => {
    for (const s of ['0.0.0.0', '1.2.3.4', '10.244.0.1', '255.255.255.255']) expect(canonicalIPv4(s)).toBe(s);
    for (const s of ['', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1.2.3.1000', '1.2.3.4 x', '1.2.3.4\n', '::1', '::ffff:1.2.3.4', 1, null]) {
      expect(canonicalIPv4(s), JSON.stringify(s)).toBeUndefined();
    }
  });
  it('checks the family', () => {
    expect(ipFamilyErrors('1.2.3.4', 4)).toEqual([]);
    expect(ipFamilyErrors('::1', 4)).toEqual(['must be a valid IPv4 address']);
    expect(ipFamilyErrors('1.2.3.4', 6)).toEqual(['must be a valid IPv6 address']);
  });
});

describe('CIDRs', () => {
  it.each(['10.0.0.0/8', '0.0.0.0/0', '10.244.1.0/24', '2001:db8::/64', '1.2.3.4/32'])('accepts %s', (s) => {
    expect(cidrErrors(s)).toEqual([]);
    expect(parseCIDR(s)).toBeDefined();
  });
  it.each([
    ['default', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['10.0.0.0', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['10.0.0.0/33', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['10.0.0.0/24 via 1.2.3.4', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['10.0.0.0/-1', 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    ['010.0.0.0/8', 'must not have leading 0s in IP or prefix length'],
    ['10.0.0.0/08', 'must not have leading 0s in IP or prefix length'],
    ['::ffff:10.0.0.0/104', 'must not have an IPv4-mapped IPv6 address'],
    ['10.0.0.1/24', 'must not have bits set beyond the prefix length'],
  ])('refuses %j: %s', (s, msg) => {
    expect(cidrErrors(s)).toEqual([msg]);
    expect(parseCIDR(s)).toBeUndefined();
  });
  it('matches addresses', () => {
    const c = parseCIDRSloppy('10.244.0.0/16')!;
    expect(cidrContains(c, parseIP('10.244.3.4')!)).toBe(true);
    expect(cidrContains(c, parseIP('10.245.0.1')!)).toBe(false);
  });
});

describe('ValidateNonSpecialIP', () => {
  it.each([
    ['0.0.0.0', 'may not be unspecified (0.0.0.0)'],
    ['::', 'may not be unspecified (::)'],
    ['127.0.0.1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['::1', 'may not be in the loopback range (127.0.0.0/8, ::1/128)'],
    ['169.254.169.254', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
    ['fe80::1', 'may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
    ['224.0.0.1', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
    ['ff02::1', 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)'],
  ])('%s: %s', (s, msg) => {
    expect(specialIPErrors(s)).toEqual([msg]);
  });
  it('passes ordinary addresses', () => {
    expect(specialIPErrors('10.1.2.3')).toEqual([]);
    expect(specialIPErrors('2001:db8::1')).toEqual([]);
  });
});
