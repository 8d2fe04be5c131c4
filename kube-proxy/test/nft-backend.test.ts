// The nftables mode's sync loop against a recording fake of the nft CLI: full vs partial syncs,
// failure -> full resync, stale chains deleted a second later, the flush canary, the affinity sweep.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NftBackend, STALE_DELETE_AFTER_MS } from '../src/nft-backend';
import { Nft, type AffinityEntry, type KernelState } from '../src/nftables';
import { Proxier } from '../src/proxier';
import { service, slice } from './fixtures';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

class FakeNft extends Nft {
  applied: string[] = [];
  listings = 0;
  failNext = false;
  table: KernelState | undefined = { chains: ['cluster-9'], maps: [], rules: new Map() };
  affinity: AffinityEntry[] = [];
  override async apply(text: string): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('nft -f failed: boom');
    }
    this.applied.push(text);
  }
  override async listTable(): Promise<KernelState | undefined> {
    this.listings++;
    return this.table;
  }
  override async listAffinity(): Promise<AffinityEntry[]> {
    return this.affinity;
  }
}

function setup() {
  const nft = new FakeNft();
  const errors: unknown[] = [];
  const backend = new NftBackend({ nft, config: { clusterCIDR: '10.244.0.0/16' }, logger: silent });
  const p = new Proxier({ backend, minSyncPeriodMs: 0, logger: silent, commandPrefix: ['true'], onError: (e) => errors.push(e) });
  const web = (ips: string[], extra = {}) => {
    p.setService('ns/web', service('ns', 'web', { clusterIP: '10.96.0.11', ports: [{ name: 'http', port: 80 }], ...extra }));
    p.setEndpointSlice('ns/web-1', slice('ns', 'web', [{ name: 'http', port: 8080 }], ips.map((ip) => ({ ip }))));
  };
  p.setService('ns/db', service('ns', 'db', { clusterIP: '10.96.0.12', ports: [{ name: 'sql', port: 5432 }] }));
  p.setEndpointSlice('ns/db-1', slice('ns', 'db', [{ name: 'sql', port: 5432 }], [{ ip: '10.244.1.9' }]));
  web(['10.244.1.2', '10.244.1.3']);
  return { nft, p, web, errors };
}

afterEach(() => vi.restoreAllMocks());

describe('NftBackend', () => {
  it('the first sync is full: one transaction with everything, chains the kernel had beyond ours flushed', async () => {
    const { nft, p } = setup();
    expect(await p.syncNow()).toMatchObject({ full: true, servicesWritten: 2, staleChains: 1 });
    expect(nft.listings).toBe(1);
    expect(nft.applied).toHaveLength(1);
    expect(nft.applied[0]).toMatch(/^add table inet kube-proxy/);
    expect(nft.applied[0]).toContain('add element inet kube-proxy service-ips { 10.96.0.12 . tcp . 5432 comment "ns/db:sql" : goto cluster-1, 10.96.0.11 . tcp . 80 comment "ns/web:http" : goto cluster-2 }');
    expect(nft.applied[0]).toMatch(/flush chain inet kube-proxy cluster-9\n$/);
  });

  it('a partial sync writes only what changed, and nothing at all when nothing did', async () => {
    const { nft, p, web } = setup();
    await p.syncNow();
    web(['10.244.1.2', '10.244.1.4']);
    expect(await p.syncNow()).toMatchObject({ full: false, servicesWritten: 1 });
    expect(nft.applied[1]).toBe(`delete element inet kube-proxy hairpin { 10.244.1.3 . 10.244.1.3 }
delete element inet kube-proxy service-endpoints-1 { 10.96.0.11 . tcp . 80 }
add element inet kube-proxy hairpin { 10.244.1.4 . 10.244.1.4 }
add element inet kube-proxy service-endpoints-1 { 10.96.0.11 . tcp . 80 : 10.244.1.4 . 8080 }
`);
    expect(await p.syncNow()).toMatchObject({ full: false, servicesWritten: 0, rules: 0 });
    expect(nft.applied).toHaveLength(2);
    expect(nft.listings).toBe(1);
  });

  it('a failed transaction makes the next sync a full one', async () => {
    const { nft, p, web, errors } = setup();
    await p.syncNow();
    nft.failNext = true;
    web(['10.244.1.7']);
    expect(await p.syncNow()).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await p.syncNow()).toMatchObject({ full: true });
    expect(nft.listings).toBe(2);
    expect(nft.applied.at(-1)).toMatch(/^add table/);
    p.stop();
  });

  it('chains and maps a sync left unused are deleted by a sync a second later, in their own transaction', async () => {
    const { nft, p, web } = setup();
    await p.syncNow();
    web(['10.244.1.2']); // 2 -> 1 endpoint: cluster-2 and slot 1 unused
    expect((await p.syncNow())!.staleChains).toBe(2);
    expect(nft.applied).toHaveLength(2);
    await p.syncNow(); // too early
    expect(nft.applied).toHaveLength(2);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + STALE_DELETE_AFTER_MS + 1);
    await p.syncNow();
    expect(nft.applied[2]).toBe('delete chain inet kube-proxy cluster-9\ndelete chain inet kube-proxy service-slot-1\ndelete chain inet kube-proxy cluster-2\ndelete map inet kube-proxy service-endpoints-1\n');
  });

  it('the canary: a deleted table, a flushed chain or a deleted map is a reason for a full sync', async () => {
    const nft = new FakeNft();
    const backend = new NftBackend({ nft, config: {}, logger: silent });
    await backend.sync([], true);
    // the kernel as the transaction left it
    const text = nft.applied[0];
    const rules = new Map<string, number>();
    for (const m of text.matchAll(/^add chain inet kube-proxy (\S+)/gm)) rules.set(m[1], 0);
    for (const m of text.matchAll(/^add rule inet kube-proxy (\S+)/gm)) rules.set(m[1], rules.get(m[1])! + 1);
    const maps = [...text.matchAll(/^add (map|set) inet kube-proxy (\S+)/gm)].map((m) => ({ name: m[2], kind: m[1] as 'map' | 'set' }));
    nft.table = { chains: [...rules.keys()], maps, rules };
    expect(await backend.checkRules()).toBeUndefined();
    nft.table = { chains: [...rules.keys()], maps: maps.slice(1), rules };
    expect(await backend.checkRules()).toBe('map service-ips was deleted');
    rules.set('services', 0);
    expect(await backend.checkRules()).toBe('chain services has 0 rules instead of 2 (flushed?)');
    nft.table = undefined;
    expect(await backend.checkRules()).toBe('the kube-proxy table was deleted');
  });

  it('after an affinity Service loses an endpoint, entries that point to it are swept', async () => {
    const { nft, p, web } = setup();
    web(['10.244.1.2', '10.244.1.3'], { sessionAffinity: 'ClientIP' });
    await p.syncNow();
    nft.affinity = [
      { key: '10.244.9.9 . 10.96.0.11 . tcp . 80', value: '10.244.1.3 . 8080' },
      { key: '10.244.9.8 . 10.96.0.11 . tcp . 80', value: '10.244.1.2 . 8080' },
    ];
    web(['10.244.1.2'], { sessionAffinity: 'ClientIP' });
    await p.syncNow();
    expect(nft.applied.at(-1)).toBe('add element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.11 . tcp . 80 : 10.244.1.3 . 8080 }\ndelete element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.11 . tcp . 80 }\n');
  });
});
