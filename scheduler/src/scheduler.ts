// The scheduler's I/O shell: informers feed the cache and the queue; one loop pops a pod, runs the
// pure algorithm on the cache snapshot, assumes the pod on the chosen node and binds it in the
// background (a bounded number of binds in flight), or records why it could not be placed.
import { microTime, objectKey, R, isConflict, isNotFound, isPodTerminal, rfc3339, TIMING, type ApiClient, type core, type KubeObject, type Informer, type InformerFactory, type Logger, type Node, type Pod, type Registry } from '@minik8s/shared';
import { Counter, Gauge, Histogram } from '@minik8s/shared';
import { fitErrorMessage, schedulePod, type Profile } from './algorithm';
import { SchedulerCache } from './cache';
import { EventQueue, type Recorder } from './event-queue';
import { SchedulingQueue, type QueuedPod } from './queue';
import { VolumeBinder } from './volume-binder';
import type { VolumePlan } from './plugins/volume-binding';

export type { Recorder } from './event-queue';

export interface SchedulerOptions {
  client: ApiClient;
  factory: InformerFactory;
  profiles: Profile[];
  recorder: Recorder;
  log: Logger;
  registry?: Registry;
  /** Binds in flight at once. */
  parallelBinds?: number;
}

const isAssigned = (p: core.Pod) => !!p.spec?.nodeName;

/** Did a node change in a way that can make a pending pod fit? (Heartbeats alone do not.) */
export function nodeSchedulingChanged(old: core.Node, cur: core.Node): boolean {
  const j = JSON.stringify;
  return (
    j(old.status?.allocatable) !== j(cur.status?.allocatable) ||
    j(old.metadata?.labels) !== j(cur.metadata?.labels) ||
    j(old.spec?.taints) !== j(cur.spec?.taints) ||
    !!old.spec?.unschedulable !== !!cur.spec?.unschedulable
  );
}

export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue = new SchedulingQueue();
  private readonly profiles: Map<string, Profile>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly inFlight = new Set<string>();
  private binds = 0;
  private bindSlot?: () => void;
  private stopped = false;
  private readonly log: Logger;
  private readonly parallelBinds: number;
  readonly events: EventQueue;
  private readonly volumeBinder: VolumeBinder;
  private readonly metrics?: { attempts: Counter<'result' | 'profile'>; duration: Histogram<'result'>; e2e: Histogram<never> };

  constructor(private readonly opts: SchedulerOptions) {
    this.profiles = new Map(opts.profiles.map((p) => [p.schedulerName, p]));
    this.log = opts.log;
    this.parallelBinds = opts.parallelBinds ?? 32;
    this.events = new EventQueue(opts.recorder, {
      onDrop: (dropped) => this.log.warn({ dropped }, 'event queue full; dropping events'),
    });
    this.pods = opts.factory.informer<Pod>(R.pods);
    this.nodes = opts.factory.informer<Node>(R.nodes);
    // a claim, volume or class changing may let pods VolumeBinding rejected fit
    this.volumeBinder = new VolumeBinder(opts.factory, opts.client, () => this.queue.moveAllToActiveOrBackoff(['VolumeBinding']));
    if (opts.registry) {
      const registers = [opts.registry];
      this.metrics = {
        attempts: new Counter({ name: 'scheduler_schedule_attempts_total', help: 'Scheduling attempts by result.', labelNames: ['result', 'profile'], registers }),
        duration: new Histogram({ name: 'scheduler_scheduling_attempt_duration_seconds', help: 'Scheduling algorithm latency.', labelNames: ['result'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1], registers }),
        e2e: new Histogram({ name: 'scheduler_pod_scheduling_duration_seconds', help: 'Pod creation to successful bind.', buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60], registers }),
      };
      const queue = this.queue;
      new Gauge({
        name: 'scheduler_pending_pods',
        help: 'Pending pods by queue.',
        labelNames: ['queue'],
        registers,
        collect() {
          const l = queue.lengths();
          this.set({ queue: 'active' }, l.active);
          this.set({ queue: 'backoff' }, l.backoff);
          this.set({ queue: 'unschedulable' }, l.unschedulable);
        },
      });
    }
    this.registerHandlers();
  }

  private responsibleFor(p: core.Pod): boolean {
    return this.profiles.has(p.spec?.schedulerName || 'default-scheduler');
  }

  private pending(p: core.Pod): boolean {
    return !isAssigned(p) && !isPodTerminal(p) && !p.metadata?.deletionTimestamp && this.responsibleFor(p);
  }

  private registerHandlers(): void {
    this.pods.addEventHandler({
      onAdd: (p) => {
        const key = objectKey(p);
        if (isAssigned(p)) {
          this.cache.upsertBoundPod(key, p);
          // A new neighbour can satisfy a pending pod's required pod affinity.
          this.queue.moveAllToActiveOrBackoff(['InterPodAffinity']);
        } else if (this.pending(p) && !this.inFlight.has(key)) this.queue.add(key, p);
      },
      onUpdate: (old, p) => {
        const key = objectKey(p);
        if (isAssigned(p)) {
          this.queue.delete(key);
          this.cache.upsertBoundPod(key, p);
          if (!isPodTerminal(old) && isPodTerminal(p)) this.queue.moveAllToActiveOrBackoff();
        } else if (this.pending(p)) {
          if (!this.inFlight.has(key) && !this.cache.isAssumed(key)) {
            if (this.queue.has(key)) this.queue.update(key, p);
            else this.queue.add(key, p);
          }
        } else this.queue.delete(key);
      },
      onDelete: (p) => {
        const key = objectKey(p);
        this.queue.delete(key);
        if (this.cache.nodeOf(key) !== undefined) {
          this.cache.removePod(key);
          this.queue.moveAllToActiveOrBackoff();
        }
      },
    });
    this.nodes.addEventHandler({
      onAdd: (n) => {
        this.cache.setNode(n);
        this.queue.moveAllToActiveOrBackoff();
      },
      onUpdate: (old, n) => {
        this.cache.setNode(n);
        if (nodeSchedulingChanged(old, n)) this.queue.moveAllToActiveOrBackoff();
      },
      onDelete: (n) => this.cache.removeNode(n.metadata?.name ?? ''),
    });
  }

  /** Schedule until stop(). Informers must have synced. */
  async run(): Promise<void> {
    this.queue.run();
    this.log.info({ profiles: [...this.profiles.keys()] }, 'scheduler started');
    for (;;) {
      const q = await this.queue.pop();
      if (!q || this.stopped) return;
      try {
        await this.scheduleOne(q);
      } catch (e) {
        this.log.error({ err: e, pod: q.key }, 'scheduling cycle failed');
        this.queue.addBackoff(q);
      }
      // Let informer events in between cycles even while the active queue is never empty.
      await new Promise((r) => setImmediate(r));
    }
  }

  stop(): void {
    this.stopped = true;
    this.queue.close();
  }

  private async scheduleOne(q: QueuedPod): Promise<void> {
    const cycle = this.queue.schedulingCycle;
    const pod = this.pods.store.get(q.key);
    if (!pod || !this.pending(pod) || this.cache.isAssumed(q.key)) return;
    const profile = this.profiles.get(pod.spec?.schedulerName || 'default-scheduler')!;
    const cycleStartedAt = Date.now();
    const start = process.hrtime.bigint();
    const snapshot = this.cache.snapshot();
    snapshot.volumes = this.volumeBinder.view;
    const result = schedulePod(pod, snapshot, profile);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if ('fitError' in result) {
      this.metrics?.attempts.inc({ result: 'unschedulable', profile: profile.schedulerName });
      this.metrics?.duration.observe({ result: 'unschedulable' }, seconds);
      const message = fitErrorMessage(result.fitError);
      const plugins = [...new Set([...result.fitError.statuses.values()].map((s) => s.plugin))];
      this.log.info({ pod: q.key, message }, 'unable to schedule pod; waiting');
      this.queue.addUnschedulable({ ...q, pod }, cycle, plugins);
      this.events.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'FailedScheduling', message);
      // In the background: a burst of unschedulable pods must not hold up the ones that fit.
      void this.setUnschedulableCondition(pod, 'Unschedulable', message);
      return;
    }
    this.metrics?.attempts.inc({ result: 'scheduled', profile: profile.schedulerName });
    this.metrics?.duration.observe({ result: 'scheduled' }, seconds);
    this.cache.assume(q.key, pod, result.node);
    const volumes = this.volumeBinder.assume(pod, snapshot.byName.get(result.node)!.node);
    this.inFlight.add(q.key);
    while (this.binds >= this.parallelBinds) await new Promise<void>((r) => (this.bindSlot = r));
    this.binds++;
    void this.bind(q, pod, result.node, cycleStartedAt, seconds * 1000, volumes).finally(() => {
      if (volumes) this.volumeBinder.forget(volumes);
      this.binds--;
      this.inFlight.delete(q.key);
      const slot = this.bindSlot;
      this.bindSlot = undefined;
      slot?.();
    });
  }

  private async bind(q: QueuedPod, pod: core.Pod, node: string, cycleStartedAt: number, cycleMs: number, volumes?: VolumePlan): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (volumes && !(await this.preBindVolumes(q, pod, node, volumes))) return;
    const bindingStartedAt = Date.now();
    try {
      await this.opts.client.resource(R.pods).createSubresource(
        name,
        'binding',
        { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns, uid: pod.metadata?.uid }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
        { namespace: ns },
      );
    } catch (e) {
      this.cache.forget(q.key);
      if (isNotFound(e)) return; // deleted meanwhile
      if (isConflict(e)) {
        // Already bound (by someone else): the informer will tell us where.
        this.log.info({ pod: q.key, err: (e as Error).message }, 'binding conflict');
        return;
      }
      const message = `Binding rejected: ${(e as Error).message}`;
      this.log.warn({ pod: q.key, node, err: (e as Error).message }, 'bind failed; retrying after backoff');
      this.events.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'FailedScheduling', message);
      const latest = this.pods.store.get(q.key);
      if (latest && this.pending(latest)) this.queue.addBackoff({ ...q, pod: latest });
      return;
    }
    const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
    if (!Number.isNaN(created)) this.metrics?.e2e.observe(Math.max(0, Date.now() - created) / 1000);
    this.log.debug({ pod: q.key, node }, 'bound');
    this.events.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`, {
      action: 'Binding',
      annotations: schedulingTimes(q.queuedAt, cycleStartedAt, cycleMs, bindingStartedAt),
    });
  }

  /** The VolumeBinding PreBind step; false (the pod back to the queue, an Event said why) when it failed. */
  private async preBindVolumes(q: QueuedPod, pod: core.Pod, node: string, volumes: VolumePlan): Promise<boolean> {
    const nodeObj = this.nodes.store.get(node);
    try {
      if (!nodeObj) throw new Error(`node "${node}" not found`);
      await this.volumeBinder.bind(volumes, nodeObj);
      return true;
    } catch (e) {
      this.cache.forget(q.key);
      const message = `running PreBind plugin "VolumeBinding": ${(e as Error).message}`;
      this.log.info({ pod: q.key, node, err: (e as Error).message }, 'volume binding failed; retrying after backoff');
      this.events.event({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'FailedScheduling', message);
      const latest = this.pods.store.get(q.key);
      if (latest && this.pending(latest)) this.queue.addBackoff({ ...q, pod: latest });
      return false;
    }
  }

  /** PodScheduled=False with the reason, unless the pod already says exactly that (upstream updatePod). */
  private async setUnschedulableCondition(pod: core.Pod, reason: string, message: string): Promise<void> {
    const conditions = [...(pod.status?.conditions ?? [])];
    const i = conditions.findIndex((c) => c.type === 'PodScheduled');
    const old = i >= 0 ? conditions[i] : undefined;
    if (old && old.status === 'False' && old.reason === reason && old.message === message) return;
    const cond: core.PodCondition = {
      type: 'PodScheduled',
      status: 'False',
      reason,
      message,
      lastProbeTime: null as unknown as string,
      lastTransitionTime: old?.status === 'False' && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(),
    };
    if (i >= 0) conditions[i] = cond;
    else conditions.push(cond);
    try {
      await this.opts.client
        .resource(R.pods)
        .patch(pod.metadata?.name ?? '', { status: { conditions } }, 'merge', { namespace: pod.metadata?.namespace, subresource: 'status' });
    } catch (e) {
      if (!isNotFound(e)) this.log.warn({ pod: objectKey(pod), err: (e as Error).message }, 'cannot update pod condition');
    }
  }
}

/**
 * Where a pod's scheduling time went, on its Scheduled Event (the message stays upstream's): when the scheduler
 * queued it, when its scheduling cycle started, how long filtering and scoring took, when the binding was
 * sent (the Event's eventTime is when the binding was stored). MicroTimes; read by `mkctl trace`.
 */
export function schedulingTimes(queuedAt: number | undefined, cycleStartedAt: number, cycleMs: number, bindingStartedAt: number): Record<string, string> {
  const micro = (ms: number) => microTime(new Date(ms));
  return {
    ...(queuedAt !== undefined ? { [TIMING.queuedAt]: micro(queuedAt) } : {}),
    [TIMING.cycleStartedAt]: micro(cycleStartedAt),
    [TIMING.cycleMs]: cycleMs.toFixed(3),
    [TIMING.bindingStartedAt]: micro(bindingStartedAt),
  };
}
