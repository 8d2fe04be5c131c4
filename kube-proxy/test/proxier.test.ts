// The sync loop against a recording fake of the iptables binaries: full vs partial syncs,
// failure -> full resync, debouncing by --min-sync-period.
import { describe, expect, it } from 'vitest';
import { Iptables, type Jump } from '../src/iptables';
import { IptablesBackend } from '../src/iptables-backend';
import { Proxier } from '../src/proxier';
import { service, slice } from './fixtures';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** A jump as iptables -S / iptables-save print it. */
function ruleLine(j: Jump): string {
  const comment = j.comment ? ` -m comment --comment ${j.comment.includes(' ') ? `"${j.comment}"` : j.comment}` : '';
  return `-A ${j.from}${j.extra ? ` ${j.extra.join(' ')}` : ''}${comment} -j ${j.to}`;
}

class FakeIptables extends Iptables {
  restores: string[] = [];
  saves = 0;
  ensured: Jump[] = [];
  failNext = false;
  /** Rules of the built-in chains, by "table chain". */
  chains = new Map<string, string[]>();
  override async restore(payload: string): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('iptables-restore failed: boom');
    }
    this.restores.push(payload);
  }
  override async save(): Promise<string> {
    this.saves++;
    const rules = (t: string) => [...this.chains].filter(([k]) => k.startsWith(`${t} `)).flatMap(([, v]) => v.map((l) => `${l}\n`)).join('');
    return `*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SEP-STALESTALESTALE1 - [0:0]\n${rules('nat')}COMMIT\n*filter\n${rules('filter')}COMMIT\n`;
  }
  override async prependJumps(group: Jump[]): Promise<void> {
    this.ensured.push(...group);
    const key = `${group[0].table} ${group[0].from}`;
    const ours = group.map(ruleLine).reverse(); // as -I one by one leaves them
    this.chains.set(key, [...ours, ...(this.chains.get(key) ?? []).filter((l) => !ours.includes(l))]);
  }
  override async listChain(table: string, chain: string): Promise<string[]> {
    return this.chains.get(`${table} ${chain}`) ?? [];
  }
  canaries = new Set<string>();
  override async ensureChain(table: string, chain: string): Promise<void> {
    this.canaries.add(`${table}/${chain}`);
  }
  override async chainExists(table: string, chain: string): Promise<boolean> {
    return this.canaries.has(`${table}/${chain}`);
  }
}

function setup(minSyncPeriodMs = 0) {
  const ipt = new FakeIptables();
  const errors: unknown[] = [];
  const p = new Proxier({ backend: new IptablesBackend(ipt, { clusterCIDR: '10.244.0.0/16' }), minSyncPeriodMs, logger: silent, commandPrefix: ['true'], onError: (e) => errors.push(e) });
  p.setService('ns/a', service('ns', 'a', { clusterIP: '10.96.0.11', ports: [{ name: 'http', port: 80 }] }));
  p.setService('ns/b', service('ns', 'b', { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] }));
  p.setEndpointSlice('ns/a-1', slice('ns', 'a', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }]));
  p.setEndpointSlice('ns/b-1', slice('ns', 'b', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.3' }]));
  return { ipt, p, errors };
}

describe('Proxier', () => {
  it('first sync is full: ensures the jumps, deletes stale chains listed by iptables-save', async () => {
    const { ipt, p } = setup();
    const s = await p.syncNow();
    expect(s).toMatchObject({ full: true, servicesWritten: 2, staleChains: 1 });
    expect(ipt.saves).toBe(1);
    expect(ipt.ensured.map((j) => `${j.table}/${j.from}->${j.to}`)).toContain('nat/PREROUTING->KUBE-SERVICES');
    expect(ipt.restores[0]).toContain('-X KUBE-SEP-STALESTALESTALE1\n');
  });

  it('later syncs are partial and write only the changed Service', async () => {
    const { ipt, p } = setup();
    await p.syncNow();
    p.setEndpointSlice('ns/b-1', slice('ns', 'b', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.4' }]));
    const s = await p.syncNow();
    expect(s).toMatchObject({ full: false, servicesWritten: 1, staleChains: 1 });
    expect(ipt.saves).toBe(1);
    const payload = ipt.restores[1];
    expect(payload).toContain('-A KUBE-SERVICES -m comment --comment "ns/a:http cluster IP"');
    expect(payload).not.toMatch(/^-A KUBE-SEP-\S+ -m comment --comment ns\/a:http/m);
    expect(payload).toMatch(/^-A KUBE-SEP-\S+ -m comment --comment ns\/b:http .*10\.244\.1\.4:8080$/m);
  });

  it('a failed restore makes the next sync a full one', async () => {
    const { ipt, p, errors } = setup();
    await p.syncNow();
    ipt.failNext = true;
    p.setEndpointSlice('ns/a-1', slice('ns', 'a', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.9' }]));
    expect(await p.syncNow()).toBeUndefined();
    expect(errors).toHaveLength(1);
    const s = await p.syncNow();
    expect(s).toMatchObject({ full: true, servicesWritten: 2 });
    expect(ipt.saves).toBe(2); // the failed sync was partial (no listing); the retry is full
    p.stop();
  });

  it('a vanished canary chain makes the periodic sync a full one', async () => {
    const ipt = new FakeIptables();
    const p = new Proxier({ backend: new IptablesBackend(ipt, {}), minSyncPeriodMs: 0, syncPeriodMs: 100, logger: silent, commandPrefix: ['true'] });
    p.start();
    await new Promise((r) => setTimeout(r, 250));
    expect(ipt.saves).toBe(1); // periodic syncs were partial
    expect([...ipt.canaries].sort()).toEqual(['filter/KUBE-PROXY-CANARY', 'nat/KUBE-PROXY-CANARY']);
    ipt.canaries.clear();
    await new Promise((r) => setTimeout(r, 250));
    expect(ipt.saves).toBe(2);
    expect(ipt.canaries.size).toBe(2);
    p.stop();
  });

  it('a rule inserted above our jumps (Docker creating a network) makes the periodic sync full and puts them first again', async () => {
    const ipt = new FakeIptables();
    const p = new Proxier({ backend: new IptablesBackend(ipt, {}), minSyncPeriodMs: 0, syncPeriodMs: 100, logger: silent, commandPrefix: ['true'] });
    p.start();
    await new Promise((r) => setTimeout(r, 250));
    expect(ipt.saves).toBe(1);
    const docker = '-A FORWARD -i br-pods ! -o br-pods -j ACCEPT';
    ipt.chains.set('filter FORWARD', [docker, ...ipt.chains.get('filter FORWARD')!]);
    ipt.ensured = [];
    await new Promise((r) => setTimeout(r, 250));
    expect(ipt.saves).toBe(2);
    expect(ipt.ensured.map((j) => `${j.table}/${j.from}`)).toEqual(['filter/FORWARD', 'filter/FORWARD', 'filter/FORWARD', 'filter/FORWARD']);
    const forward = ipt.chains.get('filter FORWARD')!;
    expect(forward[forward.length - 1]).toBe(docker);
    expect(forward.slice(0, 4).every((l) => / -j KUBE-/.test(l))).toBe(true);
    p.stop();
  });

  it('debounces change bursts by --min-sync-period', async () => {
    const { ipt, p } = setup(300);
    p.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(ipt.restores).toHaveLength(1);
    for (let i = 0; i < 20; i++) p.setEndpointSlice('ns/a-1', slice('ns', 'a', [{ name: 'http', port: 8080 }], [{ ip: `10.244.1.${10 + i}` }]));
    await new Promise((r) => setTimeout(r, 100));
    expect(ipt.restores).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(ipt.restores).toHaveLength(2);
    expect(ipt.restores[1]).toContain('10.244.1.29:8080');
    p.stop();
  });
});
