// Allocation bitmaps for ClusterIPs and NodePorts (pure), stored in etcd like upstream's RangeAllocation:
// one bit per offset of the range; serialized deflated + base64 so a /12 costs bytes, not 128 KiB.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import ipaddr from 'ipaddr.js';

export class Bitmap {
  readonly bits: Uint8Array;
  constructor(readonly size: number, bits?: Uint8Array) {
    this.bits = bits && bits.length === Math.ceil(size / 8) ? bits : new Uint8Array(Math.ceil(size / 8));
  }
  has(i: number): boolean {
    return (this.bits[i >> 3] & (1 << (i & 7))) !== 0;
  }
  set(i: number): void {
    this.bits[i >> 3] |= 1 << (i & 7);
  }
  clear(i: number): void {
    this.bits[i >> 3] &= ~(1 << (i & 7));
  }
  /** First free offset in [lo, hi] scanning from `start` and wrapping; undefined when full. */
  findFree(lo: number, hi: number, start = lo): number | undefined {
    const n = hi - lo + 1;
    for (let k = 0; k < n; k++) {
      const i = lo + ((start - lo + k) % n);
      if (this.bits[i >> 3] === 0xff) {
        k += 7 - (i & 7);
        continue;
      }
      if (!this.has(i)) return i;
    }
    return undefined;
  }
  count(): number {
    let c = 0;
    for (let i = 0; i < this.size; i++) if (this.has(i)) c++;
    return c;
  }
  serialize(range: string): string {
    return JSON.stringify({ range, data: deflateRawSync(this.bits).toString('base64') });
  }
  static parse(size: number, range: string, raw?: Buffer | string): Bitmap {
    if (!raw) return new Bitmap(size);
    const v = JSON.parse(raw.toString()) as { range: string; data: string };
    if (v.range !== range) return new Bitmap(size);
    return new Bitmap(size, new Uint8Array(inflateRawSync(Buffer.from(v.data, 'base64'))));
  }
}

/** An IPv4 service CIDR: offsets 1..size-2 are allocatable (not the network or broadcast address). */
export class IpRange {
  readonly base: number;
  readonly size: number;
  constructor(readonly cidr: string) {
    let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
    try {
      parsed = ipaddr.parseCIDR(cidr);
    } catch {
      throw new Error(`invalid --service-cluster-ip-range ${cidr}`);
    }
    const [addr, bits] = parsed;
    if (addr.kind() !== 'ipv4') throw new Error(`--service-cluster-ip-range ${cidr}: only IPv4 is supported`);
    if (bits > 30 || bits < 8) throw new Error(`--service-cluster-ip-range ${cidr}: prefix must be between /8 and /30`);
    this.size = 2 ** (32 - bits);
    this.base = (ipToInt(addr.toString()) & ~(this.size - 1)) >>> 0;
  }
  get first(): number {
    return 1;
  }
  get last(): number {
    return this.size - 2;
  }
  ip(offset: number): string {
    return intToIp((this.base + offset) >>> 0);
  }
  /** Offset of ip in this range, or undefined when it is not a valid allocatable address of it. */
  offset(ip: string): number | undefined {
    if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
    const o = ipToInt(ip) - this.base;
    return o >= this.first && o <= this.last ? o : undefined;
  }
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => acc * 256 + Number(p), 0) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** "30000-32767" → [30000, 32767] */
export function parsePortRange(s: string): [number, number] {
  const m = /^(\d+)-(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`invalid --service-node-port-range ${s}`);
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  if (lo < 1 || hi > 65535 || lo > hi) throw new Error(`invalid --service-node-port-range ${s}`);
  return [lo, hi];
}
