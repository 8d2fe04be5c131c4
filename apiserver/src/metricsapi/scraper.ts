// The I/O half of metrics.k8s.io: scrape every node's kubelet /stats/summary on demand, at most once per
// resolution (metrics-server scrapes every 15 s; we cache a snapshot for `resolutionMs`). A kubelet that
// does not answer in time is left out. When there is no recent earlier reading to compute CPU rates from
// (first request, or idle for a while), a second scrape a second later gives every rate a real window.
import { nodes as nodeKind } from '../kinds/core/node';
import type { ApiContext } from '../context';
import { readBody, type KubeletEndpoint } from '../kubeletclient';
import { buildSnapshot, type CpuPoint, type Scrape, type Snapshot, type Summary } from './convert';

export interface ScraperOptions {
  resolutionMs?: number;
  timeoutMs?: number;
  /** Readings older than this are no base for a rate. */
  maxAgeMs?: number;
  baselineDelayMs?: number;
}

export class Scraper {
  private readonly resolutionMs: number;
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  private readonly baselineDelayMs: number;
  private snapshot?: { at: number; snap: Snapshot };
  private points = new Map<string, CpuPoint>();
  private inflight?: Promise<Snapshot>;

  constructor(
    private readonly ctx: ApiContext,
    opts: ScraperOptions = {},
  ) {
    this.resolutionMs = opts.resolutionMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxAgeMs = opts.maxAgeMs ?? 60_000;
    this.baselineDelayMs = opts.baselineDelayMs ?? 1_000;
  }

  /** The current snapshot: cached for one resolution, one scrape in flight at a time. */
  current(): Promise<Snapshot> {
    if (this.snapshot && Date.now() - this.snapshot.at < this.resolutionMs) return Promise.resolve(this.snapshot.snap);
    this.inflight ??= this.refresh().finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async refresh(): Promise<Snapshot> {
    let snap = await this.scrapeOnce();
    if (snap.needsBaseline) {
      await new Promise((r) => setTimeout(r, this.baselineDelayMs));
      snap = await this.scrapeOnce();
    }
    this.snapshot = { at: Date.now(), snap };
    return snap;
  }

  private async scrapeOnce(): Promise<Snapshot> {
    const nodes = (await this.ctx.list(this.ctx.resource(nodeKind))).items;
    const scrapes = await Promise.all(nodes.map((n) => this.scrapeNode(n.metadata.name!, this.ctx.kubelet.address(n))));
    const snap = buildSnapshot(
      scrapes.filter((s): s is Scrape => !!s),
      this.points,
      { maxAgeMs: this.maxAgeMs, fallbackWindowMs: this.resolutionMs },
    );
    this.points = snap.points;
    return snap;
  }

  private async scrapeNode(node: string, addr: KubeletEndpoint | undefined): Promise<Scrape | undefined> {
    if (!addr) return undefined;
    try {
      const r = await this.ctx.kubelet.get(addr, '/stats/summary', this.timeoutMs, AbortSignal.timeout(this.timeoutMs));
      const text = await readBody(r, 64 << 20);
      if ((r.statusCode ?? 0) !== 200) throw new Error(`HTTP ${r.statusCode}: ${text.slice(0, 200)}`);
      const summary = JSON.parse(text) as Summary;
      return { node, at: Date.now(), summary };
    } catch (e) {
      this.ctx.logger.debug({ node, err: (e as Error).message }, 'metrics: kubelet did not answer /stats/summary');
      return undefined;
    }
  }
}
