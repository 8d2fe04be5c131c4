// Node IPAM (range allocator): every Node gets spec.podCIDR(s) from --cluster-cidr, a block never
// given to two nodes at once, released when the node is deleted.
import { isNotFound, R, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Node } from '../../util/types';
import { CidrSet } from './cidrs';

export class NodeIpamController extends Controller {
  private readonly nodes: Informer<Node>;
  private readonly client: ResourceClient<Node>;
  private readonly cidrs: CidrSet;
  /** node name → the block it holds (what we patched, before the informer shows it). */
  private readonly assigned = new Map<string, string>();

  constructor(ctx: ControllerContext) {
    super('nodeipam', ctx, 1);
    this.cidrs = new CidrSet(ctx.options.clusterCidr, ctx.options.nodeCidrMaskSize);
    this.nodes = ctx.factory.informer<Node>(R.nodes);
    this.client = ctx.client.resource<Node>(R.nodes);
    this.nodes.addEventHandler({
      onAdd: (n) => this.enqueue(n),
      onUpdate: (_o, n) => this.enqueue(n),
      onDelete: (n) => {
        const cidr = this.assigned.get(n.metadata.name!) ?? n.spec?.podCIDR;
        this.assigned.delete(n.metadata.name!);
        if (cidr) this.cidrs.release(cidr);
      },
    });
  }

  /** Blocks already on nodes are taken before anything new is handed out. */
  protected override async beforeRun(): Promise<void> {
    for (const n of this.nodes.store.list()) this.occupy(n);
  }

  private occupy(n: Node): void {
    const cidr = n.spec?.podCIDR;
    if (!cidr) return;
    if (this.cidrs.occupy(cidr)) this.assigned.set(n.metadata.name!, cidr);
    else this.log.warn({ node: n.metadata.name, podCIDR: cidr }, 'node podCIDR is outside --cluster-cidr; leaving it alone');
  }

  protected async reconcile(name: string): Promise<void> {
    const node = this.nodes.store.get(name);
    if (!node || node.metadata.deletionTimestamp) return;
    if (node.spec?.podCIDR) return this.occupy(node);
    let cidr = this.assigned.get(name);
    if (!cidr) {
      cidr = this.cidrs.allocate();
      if (!cidr) {
        this.ctx.recorder.event(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
        throw new Error(`no pod CIDR left in ${this.ctx.options.clusterCidr} for node ${name}`);
      }
      this.assigned.set(name, cidr);
    }
    try {
      await this.client.patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
      this.ctx.recorder.event(node, 'Normal', 'CIDRAssignmentSucceeded', `Node ${name} was assigned podCIDR ${cidr}`);
    } catch (e) {
      this.assigned.delete(name);
      this.cidrs.release(cidr);
      if (!isNotFound(e)) throw e;
    }
  }
}
