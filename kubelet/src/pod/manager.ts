// The pod workers: pods bound to this node → the container runtime, and the runtime's truth →
// pods/status. One work-queue key per pod ("ns/name"); a key is never synced twice at once.
// Triggers: pod informer events, runtime events, probe results, back-off expiry, periodic resync.
// The sync itself is in sync.ts, container start in start.ts, deletion in terminate.ts.
import { R, objectKey, runWorkers, splitKey, WorkQueue, type InformerFactory, type Informer } from '@minik8s/shared';
import type { Pod } from '../kinds';
import type { PodRuntime } from '../runtime/types';
import { PodMemory, type PodContext, type PodManagerOptions } from './context';
import { ProbeManager } from './probes';
import { syncPod } from './sync';
import { removePod, terminate } from './terminate';

export type { PodManagerOptions } from './context';

/** The informer on the pods bound to one node. */
export function nodePods(factory: InformerFactory, nodeName: string): Informer<Pod> {
  return factory.informer<Pod>(R.pods, { fieldSelector: `spec.nodeName=${nodeName}` });
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export class PodManager {
  private queue = new WorkQueue<string>({ name: 'kubelet-pods', baseDelayMs: 200, maxDelayMs: 10_000 });
  private readonly ctx: PodContext;
  private stopEvents?: () => void;
  private terminating = new Map<string, Promise<void>>();
  private resyncTimer?: NodeJS.Timeout;

  constructor(private o: PodManagerOptions) {
    o.pods.addEventHandler({
      onAdd: (p) => this.queue.add(objectKey(p)),
      onUpdate: (_old, p) => this.queue.add(objectKey(p)),
      onDelete: (p) => this.queue.add(objectKey(p)),
    });
    const mem = new PodMemory();
    const event: PodContext['event'] = (pod, type, reason, message) => void o.recorder.event(pod, type, reason, message, { annotations: mem.eventAnnotations(pod.metadata.uid ?? '') });
    const probes = new ProbeManager(
      o.probe,
      (podKey, kind, container, ok, message) => {
        const pod = o.pods.store.get(podKey);
        if (pod && !ok) event(pod, 'Warning', 'Unhealthy', `${cap(kind)} probe failed: ${message}`);
        o.log.info({ pod: podKey, container, kind, ok }, 'probe result changed');
        this.queue.add(podKey);
      },
      o.log,
    );
    this.ctx = { o, mem, probes, event, requeue: (pod, ms) => this.queue.addAfter(objectKey(pod), ms) };
  }

  get probes(): ProbeManager {
    return this.ctx.probes;
  }

  /** After the pod informer synced: adopt what runs, remove orphans, start workers and triggers. */
  async start(): Promise<void> {
    await this.housekeeping();
    this.stopEvents = this.o.runtime.watchEvents((e) => {
      if (!e.pod) return;
      const key = `${e.pod.namespace}/${e.pod.name}`;
      // Docker may emit "die" a moment before its container list shows the exit: look twice.
      this.queue.add(key);
      this.queue.addAfter(key, 300);
    });
    this.resyncAll();
    void runWorkers(this.queue, this.o.workers, (key) => this.sync(key), this.o.log);
    const resync = () => {
      this.resyncAll();
      this.housekeeping().catch((e) => this.o.log.warn({ err: (e as Error).message }, 'housekeeping failed'));
      this.resyncTimer = setTimeout(resync, this.o.syncFrequencyMs);
    };
    this.resyncTimer = setTimeout(resync, this.o.syncFrequencyMs);
  }

  stop(): void {
    clearTimeout(this.resyncTimer);
    this.stopEvents?.();
    this.ctx.probes.stopAll();
    this.queue.shutDown();
  }

  pods(): Pod[] {
    return this.o.pods.store.list();
  }

  /** Sync every pod now (the pod network just became ready). */
  resyncAll(): void {
    for (const k of this.o.pods.store.keys()) this.queue.add(k);
  }

  /** Containers of pods that no longer exist (deleted while we were down, or recreated under a new uid). */
  async housekeeping(): Promise<void> {
    const all = await this.o.runtime.listPods();
    const uids = new Set(this.o.pods.store.list().map((p) => p.metadata.uid));
    const alive = new Set<string>();
    for (const rt of all.values()) {
      if (!rt.uid) continue; // not a pod container (no pod uid label): not ours to remove
      if (!uids.has(rt.uid)) {
        this.o.log.info({ pod: `${rt.namespace}/${rt.name}`, uid: rt.uid }, 'removing containers of a pod that no longer exists');
        await removePod(this.ctx, rt);
        continue;
      }
      for (const c of rt.containers) if (c.state === 'running') alive.add(c.id);
      await this.gcOldInstances(rt);
    }
    this.ctx.probes.retain(alive);
  }

  /** Keep the newest two instances per container (current + previous, for lastState and --previous). */
  private async gcOldInstances(rt: PodRuntime): Promise<void> {
    const seen = new Map<string, number>();
    for (const c of rt.containers) {
      const k = `${c.role}/${c.name}`;
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (n > 2 && c.state !== 'running') await this.o.runtime.removeContainer(c.id);
    }
    for (const s of rt.sandboxes.slice(1)) if (s.state !== 'running') await this.o.runtime.removeContainer(s.id);
  }

  async sync(key: string): Promise<void> {
    const end = this.o.metrics?.syncDuration.startTimer();
    try {
      await this.syncKey(key);
    } finally {
      end?.();
    }
  }

  private async syncKey(key: string): Promise<void> {
    const pod = this.o.pods.store.get(key);
    if (!pod) {
      const { namespace, name } = splitKey(key);
      for (const rt of (await this.o.runtime.listPods()).values()) if (rt.namespace === namespace && rt.name === name) await removePod(this.ctx, rt);
      return;
    }
    this.ctx.mem.seen(pod.metadata.uid!);
    if (!pod.metadata.deletionTimestamp) return syncPod(this.ctx, pod);
    // Grace periods can be long: terminate outside the worker so other pods keep moving.
    const uid = pod.metadata.uid!;
    if (this.terminating.has(uid)) return;
    const t = terminate(this.ctx, pod)
      .catch((e) => {
        this.o.log.warn({ pod: key, err: (e as Error).message }, 'pod termination failed; retrying');
        this.queue.addAfter(key, 1000);
      })
      .finally(() => this.terminating.delete(uid));
    this.terminating.set(uid, t);
  }
}
