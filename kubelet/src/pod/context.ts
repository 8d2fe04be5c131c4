// What the pod workers share: their options (runtime, API, node facts), what the kubelet remembers
// per pod between syncs, and the ways back into the work queue and the event recorder.
import { TIMING, microTime, type EventRecorder, type Histogram, type Logger, type core } from '@minik8s/shared';
import type { Pod } from '../kinds';
import type { ContainerRuntime } from '../runtime/runtime';
import type { PodApi } from './api';
import { Backoff } from './backoff';
import type { ProbeManager, ProbeRunner } from './probes';
import type { Waiting } from './status';

/** The pods bound to this node: a shared informer (spec.nodeName=<node>) or a test's list. */
export interface PodSource {
  store: { get(key: string): Pod | undefined; list(): Pod[]; keys(): string[] };
  addEventHandler(h: { onAdd?(p: Pod): void; onUpdate?(old: Pod, p: Pod): void; onDelete?(p: Pod): void }): unknown;
}

export interface PodManagerOptions {
  pods: PodSource;
  api: PodApi;
  runtime: ContainerRuntime;
  recorder: Pick<EventRecorder, 'event'>;
  log: Logger;
  nodeName: string;
  nodeIP: string;
  rootDir: string;
  /** Where hostPath volumes live: "/" on a real node, a directory of its own on a hollow one. */
  hostRoot: string;
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's spec.podCIDR as last seen (sandboxes get addresses in it). */
  podCIDR(): string | undefined;
  /** Why pod sandboxes cannot be made now (network not ready), or undefined. */
  networkError(): string | undefined;
  /** imagePullPolicy Always uses a local image when the pull fails (no registry here). */
  preferLocalImages: boolean;
  syncFrequencyMs: number;
  workers: number;
  /** Runs probes and lifecycle hooks: HTTP and TCP from this host, exec in the runtime. */
  probe: ProbeRunner;
  metrics?: {
    /** Pod first seen by this kubelet → Running (upstream kubelet_pod_start_duration_seconds). */
    podStart: Histogram;
    /** One pod sync (upstream kubelet_pod_worker_duration_seconds). */
    syncDuration: Histogram;
  };
}

/** What the kubelet remembers about pods between syncs (the runtime holds the rest). */
export class PodMemory {
  /** uid → why containers wait ("role/name" → ErrImagePull, CrashLoopBackOff...). */
  private waiting = new Map<string, Map<string, Waiting>>();
  /** uid → the status last written and the pod's resourceVersion after the write. */
  readonly lastStatus = new Map<string, { status: core.PodStatus; text: string; resourceVersion?: string }>();
  readonly podIPs = new Map<string, string>();
  /** uid → when this kubelet first saw the pod (0 once its start was measured). */
  readonly firstSeen = new Map<string, number>();
  /** uid → when this kubelet first saw the pod and when its sandbox was up: put on its Events for `mkctl trace`. */
  readonly timing = new Map<string, { seenAt: number; sandboxAt?: number }>();
  /** Container restarts ("uid/role/name") and image pulls ("uid/pull/image"). */
  readonly backoff = new Backoff();
  /** "uid/pull/image" → when its last pull failed. */
  readonly pullFailures = new Map<string, number>();

  /** The first time this kubelet sees the pod. */
  seen(uid: string): void {
    const now = Date.now();
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, now);
    if (!this.timing.has(uid)) this.timing.set(uid, { seenAt: now });
  }

  /** The timing annotations of the pod's Events. */
  eventAnnotations(uid: string): Record<string, string> {
    const t = this.timing.get(uid);
    const out: Record<string, string> = {};
    if (t) out[TIMING.podSeenAt] = microTime(t.seenAt);
    if (t?.sandboxAt) out[TIMING.sandboxReadyAt] = microTime(t.sandboxAt);
    return out;
  }

  waitingOf(uid: string): Map<string, Waiting> {
    let w = this.waiting.get(uid);
    if (!w) this.waiting.set(uid, (w = new Map()));
    return w;
  }

  forget(uid: string): void {
    this.waiting.delete(uid);
    this.lastStatus.delete(uid);
    this.podIPs.delete(uid);
    this.firstSeen.delete(uid);
    this.timing.delete(uid);
    this.backoff.resetPrefix(`${uid}/`);
    for (const k of this.pullFailures.keys()) if (k.startsWith(`${uid}/`)) this.pullFailures.delete(k);
  }
}

export interface PodContext {
  o: PodManagerOptions;
  mem: PodMemory;
  probes: ProbeManager;
  /** Sync the pod again after `ms` (back-off expiry, retries). */
  requeue(pod: Pod, ms: number): void;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}
