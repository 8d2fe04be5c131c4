// What the traffic tests need to know of each proxy mode: how to build its backend, and how to read
// back from a node namespace what it wrote (DNAT targets of a Service, REJECT counts, a dump to
// compare syncs with, whether anything of ours is left). The traffic itself is mode-independent.
import { NFT_TABLE, SERVICE_IPS } from '@minik8s/shared';
import { IptablesCompanion } from '../src/companion';
import { Iptables } from '../src/iptables';
import { IptablesBackend } from '../src/iptables-backend';
import { NftBackend } from '../src/nft-backend';
import { Nft } from '../src/nftables';
import type { Logger, ProxyBackend } from '../src/proxier';
import type { ProxyConfig } from '../src/rules';
import { kubeChains, nsTry, nsx } from '../../testing/netns';

export const MODES = ['iptables', 'nftables'] as const;
export type Mode = (typeof MODES)[number];

export function backendFor(mode: Mode, ns: string, cfg: ProxyConfig, logger: Logger): ProxyBackend {
  const ipt = new Iptables(['ip', 'netns', 'exec', ns]);
  if (mode === 'iptables') return new IptablesBackend(ipt, cfg);
  return new NftBackend({ nft: new Nft(['ip', 'netns', 'exec', ns]), config: cfg, logger, companion: new IptablesCompanion(ipt, cfg) });
}

interface NftJson {
  nftables: Record<string, Record<string, unknown>>[];
}

/** Our table's maps with their elements, as nft's JSON shows them. */
function nftMaps(ns: string): Map<string, unknown[]> {
  const r = nsTry(ns, ['nft', '-j', 'list', 'table', 'inet', NFT_TABLE]);
  const out = new Map<string, unknown[]>();
  if (r.code !== 0) return out;
  for (const i of (JSON.parse(r.out) as NftJson).nftables) {
    const m = i.map ?? i.set;
    if (m) out.set(String(m.name), (m.elem as unknown[]) ?? []);
  }
  return out;
}

/** "a . b . c" of an element key or value in nft's JSON. */
function text(x: unknown): string {
  const v = (x as { elem?: { val: unknown } })?.elem?.val ?? x;
  const c = (v as { concat?: unknown[] })?.concat;
  return c ? c.map(String).join(' . ') : String(v);
}

/** The ip:port endpoints a Service port is DNATed to (entry point `vip`, e.g. "10.96.0.50 . tcp . 80"), sorted. */
export function dnatTargets(mode: Mode, ns: string, spn: string, vip: string): string[] {
  if (mode === 'iptables') {
    return nsx(ns, ['iptables-save', '-t', 'nat'])
      .split('\n')
      .filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes(' -j DNAT ') && (l.includes(`--comment ${spn} `) || l.includes(`--comment "${spn}"`)))
      .map((l) => /--to-destination (\S+)/.exec(l)?.[1] ?? '')
      .sort();
  }
  const out: string[] = [];
  for (const [name, elems] of nftMaps(ns)) {
    if (!/^service-endpoints-\d+$/.test(name)) continue;
    for (const e of elems as unknown[][]) if (text(e[0]) === vip) out.push(text(e[1]).replace(' . ', ':'));
  }
  return out.sort();
}

/** Packets refused by our REJECT rules so far. */
export function rejected(mode: Mode, ns: string): number {
  if (mode === 'iptables') {
    return ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES'].reduce(
      (n, chain) =>
        n + nsx(ns, ['iptables', '-t', 'filter', '-L', chain, '-n', '-v', '-x']).split('\n').filter((l) => l.includes('REJECT')).reduce((k, l) => k + Number(l.trim().split(/\s+/)[0]), 0),
      0,
    );
  }
  const rules = (JSON.parse(nsx(ns, ['nft', '-j', 'list', 'chain', 'inet', NFT_TABLE, 'reject-chain'])) as NftJson).nftables;
  const counter = rules.flatMap((i) => ((i.rule?.expr as Record<string, { packets?: number }>[]) ?? []).map((e) => e.counter?.packets ?? 0));
  return counter.reduce((a, b) => a + b, 0);
}

/** Whether the mode programs an entry point (e.g. "10.96.0.50 . tcp . 80") for a Service with endpoints. */
export function hasServiceRules(mode: Mode, ns: string, spn: string, vip: string): boolean {
  if (mode === 'iptables') return nsx(ns, ['iptables-save', '-t', 'nat']).includes(`"${spn} cluster IP"`);
  return ((nftMaps(ns).get(SERVICE_IPS) ?? []) as unknown[][]).some((e) => text(e[0]) === vip);
}

/** Everything the mode wrote, minus counters and the affinity state: equal dumps mean equal rules. */
export function dump(mode: Mode, ns: string): string {
  if (mode === 'iptables') {
    return nsx(ns, ['iptables-save']).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n');
  }
  const table = nsx(ns, ['nft', 'list', 'table', 'inet', NFT_TABLE]).replace(/counter packets \d+ bytes \d+/g, 'counter');
  return table.replace(/(\tmap affinity \{[^}]*?)elements = \{[^}]*\}/s, '$1');
}

/** Rules for ClientIP affinity (iptables: `recent --rcheck` matches; nftables: affinity-services elements). */
export function affinityRules(mode: Mode, ns: string): number {
  if (mode === 'iptables') return (nsx(ns, ['iptables-save', '-t', 'nat']).match(/--rcheck/g) ?? []).length;
  return nftMaps(ns).get('affinity-services')?.length ?? 0;
}

/** What an admin's flush does to our rules: nftables `nft flush table`; iptables, our nat chains flushed and the canary deleted. */
export function flushOurRules(mode: Mode, ns: string): void {
  if (mode === 'nftables') {
    nsx(ns, ['nft', 'flush', 'table', 'inet', NFT_TABLE]);
    return;
  }
  const chains = nsx(ns, ['iptables-save', '-t', 'nat']).split('\n').filter((l) => /^:KUBE-/.test(l) && !l.startsWith(':KUBE-PROXY-CANARY ')).map((l) => l.slice(1, l.indexOf(' ')));
  nsx(ns, ['iptables-restore', '--noflush'], `*nat\n${chains.map((c) => `-F ${c}\n`).join('')}-X KUBE-PROXY-CANARY\nCOMMIT\n`);
}

/** Nothing of ours left in the namespace: no KUBE-* iptables chain, no nftables table. */
export function leftovers(ns: string): string[] {
  const table = nsTry(ns, ['nft', 'list', 'table', 'inet', NFT_TABLE]).code === 0 ? [`table inet ${NFT_TABLE}`] : [];
  return [...kubeChains(ns), ...table];
}
