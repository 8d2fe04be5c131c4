// Pod CIDR allocation (upstream nodeipam cidrset): carve --cluster-cidr into /--node-cidr-mask-size
// blocks, hand each node the first free one, never the same block twice at once.

export function parseIPv4(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) throw new Error(`invalid IPv4 address "${ip}"`);
  return parts.reduce((a, p) => a * 256 + Number(p), 0);
}

export function formatIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; bits: number } {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(cidr.trim());
  if (!m || Number(m[2]) > 32) throw new Error(`invalid CIDR "${cidr}"`);
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(parseIPv4(m[1]) / size) * size, bits };
}

export class CidrSet {
  private readonly base: number;
  private readonly blockSize: number;
  private readonly count: number;
  private readonly used = new Set<number>();
  private next = 0;

  constructor(
    readonly clusterCidr: string,
    readonly maskSize: number,
  ) {
    const { base, bits } = parseCidr(clusterCidr);
    if (maskSize < bits || maskSize > 32)
      throw new Error(`--node-cidr-mask-size ${maskSize} must be between ${bits} and 32 for ${clusterCidr}`);
    this.base = base;
    this.blockSize = 2 ** (32 - maskSize);
    this.count = 2 ** (maskSize - bits);
  }

  get capacity(): number {
    return this.count;
  }

  get allocated(): number {
    return this.used.size;
  }

  /** The next free block (round-robin from the last one handed out), or undefined when exhausted. */
  allocate(): string | undefined {
    for (let i = 0; i < this.count; i++) {
      const idx = (this.next + i) % this.count;
      if (!this.used.has(idx)) {
        this.used.add(idx);
        this.next = (idx + 1) % this.count;
        return this.cidrAt(idx);
      }
    }
    return undefined;
  }

  /** Mark a block in use (a node that already has it); false if it is not one of ours. */
  occupy(cidr: string): boolean {
    const idx = this.indexOf(cidr);
    if (idx === undefined) return false;
    this.used.add(idx);
    return true;
  }

  release(cidr: string): void {
    const idx = this.indexOf(cidr);
    if (idx !== undefined) this.used.delete(idx);
  }

  private cidrAt(idx: number): string {
    return `${formatIPv4(this.base + idx * this.blockSize)}/${this.maskSize}`;
  }

  private indexOf(cidr: string): number | undefined {
    let p;
    try {
      p = parseCidr(cidr);
    } catch {
      return undefined;
    }
    if (p.bits !== this.maskSize) return undefined;
    const idx = (p.base - this.base) / this.blockSize;
    return Number.isInteger(idx) && idx >= 0 && idx < this.count ? idx : undefined;
  }
}
