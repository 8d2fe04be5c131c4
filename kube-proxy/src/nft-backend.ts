// The nftables proxy mode: one `inet kube-proxy` table (nft-rules.ts), one `nft -f` transaction per
// sync. A full sync rewrites every chain and map (the affinity state stays) and flushes what the
// kernel has beyond that; a partial sync writes only the elements and chains that changed since the
// last successful transaction. Chains and maps left unused are deleted a second later, in a
// transaction of their own; stale affinity entries are swept after the sync that made them stale.
import type { ServicePort } from '@minik8s/shared';
import type { IptablesCompanion } from './companion';
import { affinitySweep, NftModel, renderDeletes, renderDesired, renderPartial, renderStale, type NamedMap, type NftStructure, type Rendered } from './nft-rules';
import type { Nft } from './nftables';
import type { BackendSync, Logger, ProxyBackend } from './proxier';
import type { ProxyConfig } from './rules';

/** How long a chain stays flushed before it is deleted (upstream: kernels before 6.2 drop a verdict map's references to it lazily). */
export const STALE_DELETE_AFTER_MS = 1000;

export interface NftBackendOptions {
  nft: Nft;
  config: ProxyConfig;
  logger: Logger;
  /** iptables rules the nftables mode keeps (companion.ts); none on a host without iptables. */
  companion?: IptablesCompanion;
  /** A failed deletion of stale chains/maps or affinity entries (retried later). */
  onCleanupError?(err: unknown): void;
}

export class NftBackend implements ProxyBackend {
  readonly mode = 'nftables';
  /** What we want, updated one Service port at a time. */
  private readonly model: NftModel;
  /** The maps and chains the last successful transaction left; undefined: unknown (the next sync is full). */
  private applied: NftStructure | undefined;
  private staleChains = new Map<string, number>();
  private staleMaps = new Map<string, NamedMap & { since: number }>();
  private sweepDue = false;

  constructor(private readonly opts: NftBackendOptions) {
    this.model = new NftModel(opts.config);
  }

  async sync(ports: ServicePort[], full: boolean): Promise<BackendSync> {
    const { nft } = this.opts;
    await this.deleteStale();
    const fullSync = full || !this.applied;
    // a full sync lists the kernel's table (terse: names only) while the rules are generated
    const listing = fullSync ? nft.listTable() : undefined;
    listing?.catch(() => undefined);
    const { changes, changed, affinityChanged } = this.model.update(ports);
    const prev = this.applied;
    this.applied = undefined; // the model moved on: the kernel is behind it until the transaction succeeds
    const next = this.model.structure();
    let rendered: Rendered;
    if (listing) {
      const desired = renderDesired({ ...next, elements: (map) => this.model.elements(map) });
      const stale = renderStale(next, (await listing) ?? { chains: [], maps: [] });
      rendered = { ...stale, text: desired.text + stale.text, written: desired.written, chainsWritten: next.chains.size };
    } else {
      rendered = renderPartial(prev!, next, changes);
    }
    await Promise.all([listing ? this.opts.companion?.ensure() : undefined, rendered.text ? nft.apply(rendered.text) : undefined]);
    this.applied = next;
    const now = Date.now();
    for (const c of rendered.staleChains) this.staleChains.set(c, now);
    for (const m of rendered.staleMaps) this.staleMaps.set(m.name, { ...m, since: now });
    // after a restart the map may hold entries for endpoints that went meanwhile
    if ((listing && this.model.hasAffinity()) || affinityChanged) this.sweepDue = true;
    if (this.sweepDue) await this.sweepAffinity(ports);
    return { rules: rendered.written, servicesWritten: listing ? ports.length : changed, staleChains: rendered.staleChains.length };
  }

  /** Deletes the chains and maps that have been unused for STALE_DELETE_AFTER_MS (unless wanted again). */
  private async deleteStale(): Promise<void> {
    const due = Date.now() - STALE_DELETE_AFTER_MS;
    const chains = [...this.staleChains].filter(([c, t]) => t <= due && !this.applied?.chains.has(c)).map(([c]) => c);
    const maps = [...this.staleMaps.values()].filter((m) => m.since <= due && !this.applied?.maps.has(m.name));
    if (!chains.length && !maps.length) return;
    for (const c of chains) this.staleChains.delete(c);
    for (const m of maps) this.staleMaps.delete(m.name);
    try {
      await this.opts.nft.apply(renderDeletes(chains, maps));
      this.opts.logger.debug({ chains: chains.length, maps: maps.length }, 'deleted stale nftables chains and maps');
    } catch (err) {
      // the next full sync lists whatever is left and flushes it again
      this.opts.logger.warn({ err: String(err) }, 'could not delete stale nftables chains/maps');
      this.opts.onCleanupError?.(err);
    }
  }

  /** Removes affinity entries that point to endpoints their Service no longer has. */
  private async sweepAffinity(ports: ServicePort[]): Promise<void> {
    try {
      const text = affinitySweep(ports, await this.opts.nft.listAffinity());
      if (text) await this.opts.nft.apply(text);
      this.sweepDue = false;
    } catch (err) {
      this.opts.logger.warn({ err: String(err) }, 'could not remove stale affinity entries (retried at the next sync)');
      this.opts.onCleanupError?.(err);
    }
  }

  async checkRules(): Promise<string | undefined> {
    if (!this.applied) return undefined;
    const kernel = await this.opts.nft.listTable();
    if (!kernel) return 'the kube-proxy table was deleted';
    for (const [name, c] of this.applied.chains) {
      const n = kernel.rules.get(name);
      if (n === undefined) return `chain ${name} was deleted`;
      if (n !== c.rules.length) return `chain ${name} has ${n} rules instead of ${c.rules.length} (flushed?)`;
    }
    const maps = new Set(kernel.maps.map((m) => m.name));
    for (const m of this.applied.maps.keys()) if (!maps.has(m)) return `map ${m} was deleted`;
    return undefined;
  }

  async checkJumps(): Promise<string | undefined> {
    return this.opts.companion?.checkJumps();
  }
}
