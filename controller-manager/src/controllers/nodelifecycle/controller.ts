// Node lifecycle: marks nodes whose kubelet went silent (no Lease renewal, no status heartbeat for
// --node-monitor-grace-period) Ready=Unknown, keeps the not-ready/unreachable taints in line with
// the Ready condition, and evicts pods from NoExecute-tainted nodes after their tolerationSeconds.
import { isNotFound, isPodReady, isPodTerminal, R, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Lease, Node, Pod } from '../../util/types';
import { evictionTime, heartbeatToken, reconcileTaints, staleConditions, type DefaultTolerations } from './decisions';

const LEASE_NS = 'kube-node-lease';

export class NodeLifecycleController extends Controller {
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly nodeClient: ResourceClient<Node>;
  private readonly podClient: ResourceClient<Pod>;
  /** Per node: the last heartbeat seen and when (on our clock, as upstream, so skew does not matter). */
  private readonly health = new Map<string, { token: string; probe: number }>();
  /** Pods already evicted (uid), so a slow informer does not make us delete twice. */
  private readonly evicted = new Set<string>();
  private timer?: NodeJS.Timeout;
  private readonly defaults: DefaultTolerations;

  constructor(ctx: ControllerContext) {
    super('nodelifecycle', ctx, 2);
    const o = ctx.options;
    this.defaults = { notReadySeconds: o.defaultNotReadyTolerationSeconds, unreachableSeconds: o.defaultUnreachableTolerationSeconds };
    this.nodes = ctx.factory.informer<Node>(R.nodes);
    this.leases = ctx.factory.informer<Lease>(R.leases, { namespace: LEASE_NS });
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.pods.addIndexer('nodeName', (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    this.nodeClient = ctx.client.resource<Node>(R.nodes);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.nodes.addEventHandler({
      onAdd: (n) => this.enqueue(n),
      onUpdate: (_o, n) => this.enqueue(n),
      onDelete: (n) => this.health.delete(n.metadata.name!),
    });
    this.pods.addEventHandler({
      onAdd: (p) => p.spec?.nodeName && this.enqueue(p.spec.nodeName),
      onUpdate: (o, p) => p.spec?.nodeName && p.spec.nodeName !== o.spec?.nodeName && this.enqueue(p.spec.nodeName),
    });
  }

  protected override async beforeRun(): Promise<void> {
    this.timer = setInterval(() => {
      for (const k of this.nodes.store.keys()) this.enqueue(k);
    }, this.ctx.options.nodeMonitorPeriodMs);
    this.timer.unref();
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  protected async reconcile(name: string): Promise<void> {
    let node = this.nodes.store.get(name);
    if (!node) return;
    const now = Date.now();
    const nowIso = new Date(now).toISOString();

    // 1. Health: has the kubelet been heard from within the grace period?
    const token = heartbeatToken(node, this.leases.store.get(`${LEASE_NS}/${name}`));
    const h = this.health.get(name);
    if (!h || h.token !== token) this.health.set(name, { token, probe: now });
    const probe = this.health.get(name)!.probe;
    const grace = this.ctx.options.nodeMonitorGracePeriodMs;
    if (now - probe > grace) {
      const conds = staleConditions(node, nowIso);
      if (conds) {
        node = await this.nodeClient.updateStatus({ ...node, status: { ...node.status, conditions: conds } });
        this.health.set(name, { token: heartbeatToken(node, this.leases.store.get(`${LEASE_NS}/${name}`)), probe });
        this.ctx.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        this.log.info({ node: name }, 'node stopped posting status: Ready=Unknown');
        await this.markPodsNotReady(name);
      }
    }

    // 2. Taints follow the Ready condition.
    const taints = reconcileTaints(node, nowIso);
    if (taints) {
      node = await this.nodeClient.patch(name, { spec: { taints } }, 'merge');
      this.log.info({ node: name, taints: taints.map((t) => `${t.key}:${t.effect}`) }, 'node taints updated');
    }

    // 3. NoExecute: evict pods whose tolerations ran out; come back when the next one does.
    const nodeTaints = node.spec?.taints ?? [];
    let next = Infinity;
    for (const pod of this.pods.store.byIndex('nodeName', name)) {
      if (pod.metadata.deletionTimestamp || this.evicted.has(pod.metadata.uid!)) continue;
      if (isPodTerminal(pod)) continue;
      const at = evictionTime(pod, nodeTaints, this.defaults, now);
      if (at === 'never') continue;
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      await this.evict(pod, node);
    }
    if (next !== Infinity) this.enqueueAfter(name, next - now + 50);
  }

  private async evict(pod: Pod, node: Node): Promise<void> {
    this.evicted.add(pod.metadata.uid!);
    try {
      await this.podClient.delete(pod.metadata.name!, { namespace: pod.metadata.namespace, preconditions: { uid: pod.metadata.uid } });
      this.ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
      this.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, node: node.metadata.name }, 'evicted pod from tainted node');
    } catch (e) {
      if (!isNotFound(e)) {
        this.evicted.delete(pod.metadata.uid!);
        throw e;
      }
    }
  }

  /** MarkPodsNotReady: pods of an unreachable node stop counting as ready (endpoints, rollouts). */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const nowIso = new Date().toISOString();
    for (const pod of this.pods.store.byIndex('nodeName', nodeName)) {
      if (!isPodReady(pod)) continue;
      const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: nowIso } : c));
      await this.podClient.patch(pod.metadata.name!, { status: { conditions } }, 'merge', { namespace: pod.metadata.namespace, subresource: 'status' }).catch((e) => {
        if (!isNotFound(e)) this.log.warn({ err: e, pod: pod.metadata.name }, 'could not mark pod not ready');
      });
    }
  }
}
