// The iptables proxy mode: upstream's chain layout (rules.ts) written with one
// `iptables-restore --noflush` per sync. Partial syncs leave unchanged Services' chains out of the
// payload (upstream MinimizeIPTablesRestore); a full sync lists the kernel's chains (stale ones,
// the canary, our jumps' places) while the rules are generated.
import { isServiceChainName, type ServicePort } from '@minik8s/shared';
import { chainRules, Iptables, misplacedJumps, parseSaveChains, type Jump } from './iptables';
import { planSync, type AppliedState } from './plan';
import type { BackendSync, ProxyBackend } from './proxier';
import { FILTER_CHAINS, generateRules, NAT_CHAINS, PODNET_FILTER_CHAIN, PODNET_NAT_CHAIN, renderPayload, type ProxyConfig, type ServiceChains } from './rules';

/** An empty chain per table: if it disappears, someone flushed/deleted tables and a full sync is due (upstream iptables.Monitor). */
const CANARY_CHAIN = 'KUBE-PROXY-CANARY';
const CANARY_TABLES = ['nat', 'filter'] as const;
const NEW = ['-m', 'conntrack', '--ctstate', 'NEW'];
export const FORWARD_JUMP: Jump = { table: 'filter', from: 'FORWARD', to: 'KUBE-FORWARD', comment: 'kubernetes forwarding rules' };


/** The iptables mode's jumps from built-in chains, in upstream's order (iptablesJumpChains + the kubelet's KUBE-FIREWALL). */
export function jumpChains(cfg: ProxyConfig): Jump[] {
  const jumps: Jump[] = [
    { table: 'filter', from: 'INPUT', to: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-EXTERNAL-SERVICES', comment: 'kubernetes externally-visible service portals', extra: NEW },
    { table: 'filter', from: 'INPUT', to: 'KUBE-NODEPORTS', comment: 'kubernetes health check service ports' },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-SERVICES', comment: 'kubernetes service portals', extra: NEW },
    FORWARD_JUMP,
    { table: 'filter', from: 'INPUT', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'filter', from: 'FORWARD', to: 'KUBE-PROXY-FIREWALL', comment: 'kubernetes load balancer firewall', extra: NEW },
    { table: 'nat', from: 'OUTPUT', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat', from: 'PREROUTING', to: 'KUBE-SERVICES', comment: 'kubernetes service portals' },
    { table: 'nat', from: 'POSTROUTING', to: 'KUBE-POSTROUTING', comment: 'kubernetes postrouting rules' },
    { table: 'filter', from: 'INPUT', to: 'KUBE-FIREWALL' },
    { table: 'filter', from: 'OUTPUT', to: 'KUBE-FIREWALL' },
  ];
  return cfg.podNetworkCIDR ? [...podNetworkJumps(), ...jumps] : jumps;
}

/**
 * The pod network's jumps. Listed first, so inserted first and thus BELOW kube-proxy's own jumps (as a
 * CNI plugin's rules are): KUBE-PODNET-FORWARD accepts all pod traffic, which must not skip the REJECTs in KUBE-SERVICES.
 */
export function podNetworkJumps(): Jump[] {
  return [
    { table: 'nat', from: 'POSTROUTING', to: PODNET_NAT_CHAIN, comment: 'minik8s pod network' },
    { table: 'filter', from: 'FORWARD', to: PODNET_FILTER_CHAIN, comment: 'minik8s pod network' },
  ];
}

/** Puts a group of jumps back on top of their built-in chains where they are missing or no longer first. */
export async function fixJumps(ipt: Iptables, save: string, jumps: Jump[]): Promise<void> {
  for (const group of misplacedJumps((t, c) => chainRules(save, t, c), jumps)) await ipt.prependJumps(group);
}

/** Why `jumps` need a full sync: one is missing or not first in its built-in chain (undefined: they are in place). */
export async function checkJumpPlaces(ipt: Iptables, jumps: Jump[]): Promise<string | undefined> {
  const listed = new Map<string, string[]>();
  for (const j of jumps) if (!listed.has(`${j.table} ${j.from}`)) listed.set(`${j.table} ${j.from}`, await ipt.listChain(j.table, j.from));
  const misplaced = misplacedJumps((t, c) => listed.get(`${t} ${c}`) ?? [], jumps);
  return misplaced.length ? `our jumps are not first in ${misplaced.map((g) => `${g[0].table}/${g[0].from}`).join(', ')} any more` : undefined;
}

export class IptablesBackend implements ProxyBackend {
  readonly mode = 'iptables';
  private chainCache = new WeakMap<ServicePort, ServiceChains>();
  private applied: AppliedState | undefined;

  constructor(
    private readonly ipt: Iptables,
    private readonly cfg: ProxyConfig,
  ) {}

  async sync(ports: ServicePort[], full: boolean): Promise<BackendSync> {
    // a full sync lists the kernel's rules (stale chains, missing jumps) while the rules are generated
    const listing = full ? this.ipt.save() : undefined;
    listing?.catch(() => undefined);
    const gen = generateRules(ports, this.cfg, this.chainCache);
    let kernelChains: string[] | undefined;
    if (listing) {
      const save = await listing;
      const listed = parseSaveChains(save);
      kernelChains = listed.get('nat') ?? [];
      for (const t of CANARY_TABLES) if (!listed.get(t)?.includes(CANARY_CHAIN)) await this.ipt.ensureChain(t, CANARY_CHAIN);
      await fixJumps(this.ipt, save, jumpChains(this.cfg));
    }
    const plan = planSync(gen, full ? undefined : this.applied, kernelChains);
    const payload = renderPayload(gen, { write: plan.write, stale: plan.stale });
    this.applied = undefined; // unknown until the restore succeeds
    await this.ipt.restore(payload);
    this.applied = plan.next;
    return { rules: countRules(payload), servicesWritten: plan.write ? plan.write.size : gen.services.length, staleChains: plan.stale.length };
  }

  async checkRules(): Promise<string | undefined> {
    for (const t of CANARY_TABLES) {
      if (!(await this.ipt.chainExists(t, CANARY_CHAIN))) return `canary chain ${t}/${CANARY_CHAIN} missing: rules were flushed`;
    }
    return undefined;
  }

  checkJumps(): Promise<string | undefined> {
    return checkJumpPlaces(this.ipt, jumpChains(this.cfg));
  }
}

function countRules(payload: string): number {
  let n = 0;
  let i = -1;
  while ((i = payload.indexOf('\n-A ', i + 1)) >= 0) n++;
  return n;
}

/**
 * --cleanup (and the nftables mode at start): remove every jump and chain the iptables mode writes,
 * except the `keep` chains (and their jumps); nothing else.
 */
export async function cleanupIptables(ipt: Iptables, cfg: ProxyConfig, keep: string[] = []): Promise<number> {
  for (const j of jumpChains({ ...cfg, podNetworkCIDR: cfg.podNetworkCIDR ?? '0.0.0.0/0' })) if (!keep.includes(j.to)) await ipt.deleteJump(j);
  const chains = parseSaveChains(await ipt.save());
  const ours = {
    filter: [...FILTER_CHAINS, PODNET_FILTER_CHAIN, CANARY_CHAIN],
    nat: [...NAT_CHAINS, PODNET_NAT_CHAIN, CANARY_CHAIN],
  };
  const lines: string[] = [];
  let removed = 0;
  for (const table of ['filter', 'nat'] as const) {
    const present = chains.get(table) ?? [];
    const del = present.filter((c) => !keep.includes(c) && (ours[table].includes(c) || (table === 'nat' && isServiceChainName(c))));
    if (del.length === 0) continue;
    lines.push(`*${table}`, ...del.map((c) => `:${c} - [0:0]`), ...del.map((c) => `-X ${c}`), 'COMMIT');
    removed += del.length;
  }
  if (lines.length) await ipt.restore(lines.join('\n') + '\n');
  return removed;
}
