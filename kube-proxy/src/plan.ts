// Sync planning (pure): which Service chains a partial sync must write, which chains are stale,
// and which UDP conntrack entries to flush after endpoints change.
import { isServiceChainName } from '@minik8s/shared';
import type { ServicePort } from '@minik8s/shared';
import type { GeneratedRules, ServiceChains } from './rules';

/** What the last successful restore left in the kernel, as far as kube-proxy wrote it. */
export interface AppliedState {
  /** Service key -> the chains written for it. */
  services: Map<string, ServiceChains>;
  /** All service chains (KUBE-SVC/EXT/SEP) that exist after that restore. */
  chains: Set<string>;
}

export interface SyncPlan {
  /** undefined: write every Service (full sync). */
  write?: Set<string>;
  stale: string[];
  next: AppliedState;
}

/**
 * Full sync (no previous state, or forced): every chain is written, stale chains come from the
 * kernel's listing. Partial sync: only Services whose rules changed are written; chains of
 * Services that went away are deleted from what we know we wrote.
 */
export function planSync(gen: GeneratedRules, last: AppliedState | undefined, kernelChains?: string[]): SyncPlan {
  const services = new Map<string, ServiceChains>();
  const chains = new Set<string>();
  for (const s of gen.services) {
    services.set(s.key, s);
    for (const c of s.chains) chains.add(c);
  }
  const next = { services, chains };
  if (!last || kernelChains) {
    const stale = (kernelChains ?? []).filter((c) => isServiceChainName(c) && !chains.has(c));
    return { stale: [...new Set(stale)], next };
  }
  const write = new Set<string>();
  for (const [key, s] of services) if (!sameRules(last.services.get(key), s)) write.add(key);
  const stale = [...last.chains].filter((c) => !chains.has(c));
  return { write, stale, next };
}

/** Same object (generation cache hit), or the same rules. */
function sameRules(a: ServiceChains | undefined, b: ServiceChains): boolean {
  if (a === b) return true;
  if (!a || a.rules.length !== b.rules.length) return false;
  return a.rules.every((r, i) => r === b.rules[i]);
}

/**
 * conntrack -D argument lists for UDP flows that would keep going to a removed endpoint, or that
 * were created while the Service had no endpoints (upstream conntrack.CleanStaleEntries).
 */
export function staleUdpFlows(prev: ServicePort[], next: ServicePort[]): string[][] {
  const key = (sp: ServicePort) => `${sp.spn}/${sp.protocol}`;
  const before = new Map(prev.filter((s) => s.protocol === 'UDP').map((s) => [key(s), s]));
  const out: string[][] = [];
  for (const sp of next) {
    if (sp.protocol !== 'UDP') continue;
    const old = before.get(key(sp));
    before.delete(key(sp));
    if (!old) continue;
    if (old.endpoints.length === 0 && sp.endpoints.length > 0) {
      out.push(['-D', '-p', 'udp', '--orig-dst', sp.clusterIP]);
      if (sp.nodePort) out.push(['-D', '-p', 'udp', '--dport', String(sp.nodePort)]);
      continue;
    }
    const keep = new Set(sp.endpoints.map((e) => e.ip));
    for (const e of old.endpoints) {
      if (keep.has(e.ip)) continue;
      out.push(['-D', '-p', 'udp', '--orig-dst', old.clusterIP, '--dst-nat', e.ip]);
      if (old.nodePort) out.push(['-D', '-p', 'udp', '--dport', String(old.nodePort), '--dst-nat', e.ip]);
    }
  }
  // Service gone entirely: its flows must not stick to the old endpoints either.
  for (const old of before.values()) {
    for (const e of old.endpoints) out.push(['-D', '-p', 'udp', '--orig-dst', old.clusterIP, '--dst-nat', e.ip]);
  }
  return out;
}
