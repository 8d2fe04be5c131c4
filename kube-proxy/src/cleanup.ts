// --cleanup: every mode's leftovers, as upstream's CleanupLeftovers: the iptables mode's chains and
// jumps (also the nftables mode's companion chains), the nftables table, the pod routes and the sink.
import type { Iptables } from './iptables';
import { cleanupIptables } from './iptables-backend';
import type { Nft } from './nftables';
import { cleanupPodNetwork } from './podnet';
import type { ProxyConfig } from './rules';

export async function cleanupAll(ipt: Iptables, nft: Nft, cfg: ProxyConfig, prefix: string[] = []): Promise<{ iptablesChains: number; nftablesTable: boolean }> {
  const iptablesChains = await cleanupIptables(ipt, cfg);
  const nftablesTable = await nft.deleteTable();
  await cleanupPodNetwork(prefix);
  return { iptablesChains, nftablesTable };
}
