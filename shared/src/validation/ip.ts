// IP addresses and CIDRs as Kubernetes parses them (k8s.io/utils/net ParseIPSloppy / ParseCIDRSloppy, the
// old Go net.ParseIP grammar) plus upstream's strict rules (StrictIPCIDRValidation: no leading zeros, no
// IPv4-mapped IPv6, no bits beyond the prefix). The apiserver validates with these; kube-proxy and the kubelet
// parse with them again before a value reaches a rule, a route or a command line.

export type IPFamily = 4 | 6;

export interface IP {
  family: IPFamily;
  /** 4 or 16 bytes */
  bytes: number[];
}

export interface CIDR {
  ip: IP;
  prefix: number;
}

const DEC = /^[0-9]+$/;
const HEX = /^[0-9a-fA-F]+$/;

/** Dotted quad; `sloppy` allows leading zeros (read as decimal, as ParseIPSloppy does). Scanned without allocating: nodes parse every endpoint address. */
function parseV4(s: string, sloppy: boolean): number[] | undefined {
  const out: number[] = [];
  let n = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e; // the end closes the last part like a '.'
    if (c === 0x2e) {
      if (digits === 0 || out.length === 4 || n > 255 || (!sloppy && leadingZero && digits > 1)) return undefined;
      out.push(n);
      n = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 0) leadingZero = c === 0x30;
      n = Math.min(n * 10 + (c - 0x30), 256);
      digits++;
    } else {
      return undefined;
    }
  }
  return out.length === 4 ? out : undefined;
}

/** RFC 4291 text form, "::" once, an IPv4 tail allowed; `sloppy` allows groups of more than 4 hex digits. */
function parseV6(s: string, sloppy: boolean): number[] | undefined {
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const halves = dbl >= 0 ? [s.slice(0, dbl), s.slice(dbl + 2)] : [s];
  const groups: number[][] = [];
  for (let h = 0; h < halves.length; h++) {
    const words: number[] = [];
    if (halves[h] !== '') {
      const parts = halves[h].split(':');
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i];
        const lastOfAll = i === parts.length - 1 && h === halves.length - 1;
        if (lastOfAll && p.includes('.')) {
          const v4 = parseV4(p, sloppy);
          if (!v4) return undefined;
          words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
          continue;
        }
        if (!HEX.test(p) || (!sloppy && p.length > 4)) return undefined;
        const n = parseInt(p.length > 4 ? p.replace(/^0+(?=.)/, '') : p, 16);
        if (p.replace(/^0+(?=.)/, '').length > 4 || n > 0xffff) return undefined;
        words.push(n);
      }
    }
    groups.push(words);
  }
  const count = groups.reduce((a, g) => a + g.length, 0);
  let words: number[];
  if (dbl >= 0) {
    if (count > 7) return undefined;
    words = [...groups[0], ...new Array<number>(8 - count).fill(0), ...groups[1]];
  } else {
    if (count !== 8) return undefined;
    words = groups[0];
  }
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}

function parse(s: string, sloppy: boolean): IP | undefined {
  if (typeof s !== 'string') return undefined;
  // as net.ParseIP: the first '.' or ':' decides the family
  const m = /[.:]/.exec(s);
  if (!m) return undefined;
  if (m[0] === '.') {
    const b = parseV4(s, sloppy);
    return b && { family: 4, bytes: b };
  }
  const b = parseV6(s, sloppy);
  return b && { family: 6, bytes: b };
}

/** netutils.ParseIPSloppy: leading zeros in IPv4 octets (and long IPv6 groups) are accepted. */
export const parseIPSloppy = (s: string): IP | undefined => parse(s, true);

/** The strict parse (netip.ParseAddr without zones): what a node may write into a rule or a route. */
export function parseIP(s: string): IP | undefined {
  const ip = parse(s, false);
  return ip && !isIPv4Mapped(ip) ? ip : undefined;
}

/**
 * A strict IPv4 address, returned as given (the strict grammar admits only the canonical text: decimal
 * octets without leading zeros), else undefined. What a node writes into a rule, without re-formatting.
 */
export function canonicalIPv4(s: unknown): string | undefined {
  return typeof s === 'string' && parseV4(s, false) ? s : undefined;
}

/** ::ffff:a.b.c.d written as IPv6. */
export function isIPv4Mapped(ip: IP): boolean {
  return ip.family === 6 && ip.bytes.slice(0, 10).every((b) => b === 0) && ip.bytes[10] === 0xff && ip.bytes[11] === 0xff;
}

/** The IPv4 view of an address (an IPv4-mapped IPv6 one counts as IPv4, as Go's To4). */
function v4(ip: IP): number[] | undefined {
  if (ip.family === 4) return ip.bytes;
  return isIPv4Mapped(ip) ? ip.bytes.slice(12) : undefined;
}

export const IP_INVALID_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_INVALID_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** upstream IsValidIPForLegacyField with strict validation: the messages for a bad IP, [] when valid. */
export function ipErrors(value: string): string[] {
  const ip = parseIPSloppy(value);
  if (!ip) return [IP_INVALID_MSG];
  const errs: string[] = [];
  if (!parse(value, false)) errs.push('must not have leading 0s');
  if (isIPv4Mapped(ip)) errs.push('must not be an IPv4-mapped IPv6 address');
  return errs;
}

/** IsValidIPv4Address / IsValidIPv6Address (sloppy parse, then the family). */
export function ipFamilyErrors(value: string, family: IPFamily): string[] {
  const ip = parseIPSloppy(value);
  const is4 = ip !== undefined && v4(ip) !== undefined;
  if (!ip || is4 !== (family === 4)) return [family === 4 ? 'must be a valid IPv4 address' : 'must be a valid IPv6 address'];
  return [];
}

function parseCIDRWith(s: string, sloppy: boolean): CIDR | undefined {
  if (typeof s !== 'string') return undefined;
  const i = s.indexOf('/');
  if (i < 0) return undefined;
  const ip = parse(s.slice(0, i), sloppy);
  const len = s.slice(i + 1);
  if (!ip || !DEC.test(len) || len.length > 12 || (!sloppy && len.length > 1 && len[0] === '0')) return undefined;
  const prefix = Number(len);
  if (prefix > ip.bytes.length * 8) return undefined;
  return { ip, prefix };
}

/** netutils.ParseCIDRSloppy. */
export const parseCIDRSloppy = (s: string): CIDR | undefined => parseCIDRWith(s, true);

function hostBitsSet(c: CIDR): boolean {
  return c.ip.bytes.some((b, i) => {
    const keep = Math.max(0, Math.min(8, c.prefix - i * 8));
    return (b & (0xff >> keep)) !== 0;
  });
}

/** The strict parse of a subnet ("10.0.0.0/24"): what a node may write into a route or a rule. */
export function parseCIDR(s: string): CIDR | undefined {
  const c = parseCIDRWith(s, false);
  return c && !isIPv4Mapped(c.ip) && !hostBitsSet(c) ? c : undefined;
}

/** upstream IsValidCIDRForLegacyField with strict validation. */
export function cidrErrors(value: string): string[] {
  const c = parseCIDRSloppy(value);
  if (!c) return [CIDR_INVALID_MSG];
  if (!parseCIDRWith(value, false)) return ['must not have leading 0s in IP or prefix length'];
  if (isIPv4Mapped(c.ip)) return ['must not have an IPv4-mapped IPv6 address'];
  if (hostBitsSet(c)) return ['must not have bits set beyond the prefix length'];
  return [];
}

/** upstream ValidateNonSpecialIP: the ranges no endpoint or external IP may be in. */
export function specialIPErrors(value: string): string[] {
  const ip = parseIPSloppy(value);
  if (!ip) return ['must be a valid IP address'];
  const errs: string[] = [];
  const b = v4(ip);
  const zero = ip.bytes.every((x) => x === 0) || (b !== undefined && b.every((x) => x === 0));
  if (zero) errs.push(`may not be unspecified (${value})`);
  const loopback = b ? b[0] === 127 : ip.bytes.slice(0, 15).every((x) => x === 0) && ip.bytes[15] === 1;
  if (loopback) errs.push('may not be in the loopback range (127.0.0.0/8, ::1/128)');
  const linkLocal = b ? b[0] === 169 && b[1] === 254 : ip.bytes[0] === 0xfe && (ip.bytes[1] & 0xc0) === 0x80;
  if (linkLocal) errs.push('may not be in the link-local range (169.254.0.0/16, fe80::/10)');
  const llMulticast = b ? b[0] === 224 && b[1] === 0 && b[2] === 0 : ip.bytes[0] === 0xff && (ip.bytes[1] & 0x0f) === 0x02;
  if (llMulticast) errs.push('may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)');
  return errs;
}

/** The canonical text of an address (dotted quad; RFC 5952 for IPv6). */
export function formatIP(ip: IP): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const w = Array.from({ length: 8 }, (_, i) => (ip.bytes[2 * i] << 8) | ip.bytes[2 * i + 1]);
  // the longest run of two or more zero words becomes "::"
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(w) : `${hex(w.slice(0, best))}::${hex(w.slice(best + bestLen))}`;
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP(c.ip)}/${c.prefix}`;
}

/** Whether `ip` lies in `cidr` (same family). */
export function cidrContains(cidr: CIDR, ip: IP): boolean {
  if (cidr.ip.family !== ip.family) return false;
  for (let i = 0; i < cidr.ip.bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, cidr.prefix - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    if ((cidr.ip.bytes[i] & mask) !== (ip.bytes[i] & mask)) return false;
  }
  return true;
}
