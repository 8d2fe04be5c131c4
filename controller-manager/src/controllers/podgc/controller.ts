// Pod garbage collector (upstream podgc): force-deletes pods bound to nodes that no longer exist (after a
// 40 s quarantine) and
// terminating pods that were never scheduled, and trims terminated pods beyond
// --terminated-pod-gc-threshold (oldest first). Runs every 20 s.
import { isNotFound, R, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Node, Pod } from '../../util/types';
import { podsToCollect } from './logic';

const PERIOD_MS = 20_000;
/** An orphaned pod is only collected after this long (upstream quarantineTime), so a node re-registering is not raced. */
const QUARANTINE_MS = 40_000;

export class PodGCController extends Controller {
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private timer?: NodeJS.Timeout;
  /** uid → when the pod was first seen orphaned. */
  private readonly orphanSince = new Map<string, number>();

  constructor(ctx: ControllerContext) {
    super('podgc', ctx, 1);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.nodes = ctx.factory.informer<Node>(R.nodes);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.nodeClient = ctx.client.resource<Node>(R.nodes);
  }

  protected override async beforeRun(): Promise<void> {
    this.timer = setInterval(() => this.enqueue('gc'), PERIOD_MS);
    this.timer.unref();
    this.enqueue('gc');
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  protected async reconcile(): Promise<void> {
    const nodes = new Set(this.nodes.store.keys());
    const { orphaned, unscheduledTerminating, excessTerminated } = podsToCollect(
      this.pods.store.list(),
      nodes,
      this.ctx.options.terminatedPodGCThreshold,
    );
    const now = Date.now();
    const seen = new Set(orphaned.map((p) => p.metadata.uid!));
    for (const uid of this.orphanSince.keys()) if (!seen.has(uid)) this.orphanSince.delete(uid);
    for (const pod of orphaned) {
      const since = this.orphanSince.get(pod.metadata.uid!) ?? now;
      this.orphanSince.set(pod.metadata.uid!, since);
      if (now - since < QUARANTINE_MS) continue;
      // The cache may lag a node registration: ask the apiserver before deleting.
      const node = await this.nodeClient.get(pod.spec!.nodeName!).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (node) continue;
      await this.forceDelete(
        pod,
        `deleting pod ${pod.metadata.namespace}/${pod.metadata.name} bound to node ${pod.spec!.nodeName} that no longer exists`,
      );
    }
    for (const pod of unscheduledTerminating) await this.forceDelete(pod, 'deleting unscheduled terminating pod');
    for (const pod of excessTerminated) await this.forceDelete(pod, 'deleting terminated pod above --terminated-pod-gc-threshold');
  }

  private async forceDelete(pod: Pod, why: string): Promise<void> {
    this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, why);
    await this.podClient
      .delete(pod.metadata.name!, { namespace: pod.metadata.namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } })
      .catch((e) => {
        if (!isNotFound(e)) this.log.warn({ err: (e as Error).message, pod: pod.metadata.name }, 'pod GC delete failed');
      });
  }
}
