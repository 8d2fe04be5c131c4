// The few iptables rules the nftables mode keeps (rules.ts companionPayload: KUBE-FORWARD's accepts
// and, with --sync-pod-routes, the pod network's chains), with their jumps first in FORWARD and
// POSTROUTING as in the iptables mode. Written on every full sync of the nftables mode.
import { checkJumpPlaces, FORWARD_JUMP, fixJumps, podNetworkJumps } from './iptables-backend';
import type { Iptables, Jump } from './iptables';
import { companionPayload, type ProxyConfig } from './rules';

export class IptablesCompanion {
  constructor(
    private readonly ipt: Iptables,
    private readonly cfg: ProxyConfig,
  ) {}

  /** The chains they jump to; the nftables mode's start-up clean-up of iptables leftovers keeps them. */
  static readonly CHAINS = ['KUBE-FORWARD', ...podNetworkJumps().map((j) => j.to)];

  private jumps(): Jump[] {
    // pod network jumps first, so inserted first and thus below KUBE-FORWARD (as in the iptables mode)
    return [...(this.cfg.podNetworkCIDR ? podNetworkJumps() : []), FORWARD_JUMP];
  }

  async ensure(): Promise<void> {
    await this.ipt.restore(companionPayload(this.cfg));
    await fixJumps(this.ipt, await this.ipt.save(), this.jumps());
  }

  checkJumps(): Promise<string | undefined> {
    return checkJumpPlaces(this.ipt, this.jumps());
  }
}
