// The scheduling queue (upstream PriorityQueue): activeQ ordered by priority then age, backoffQ for
// pods waiting out an exponential backoff, and unschedulable pods parked until a cluster event
// (node added/updated, pod deleted) might help them or they have waited maxUnschedulableMs.
import type { core } from '@minik8s/shared';
import { KeyedHeap } from './heap';
import { podPriority } from './plugins/helpers';

export interface QueuedPod {
  key: string;
  pod: core.Pod;
  /** Creation time (ms), the secondary sort key. */
  timestamp: number;
  /** Insertion order, the tie-breaker for equal creation times. */
  seq: number;
  attempts: number;
  /** When the pod last went to backoff/unschedulable. */
  parkedAt: number;
  /** When the scheduler first queued it (ms): the start of its queue wait. */
  queuedAt?: number;
  /** Plugins that rejected it last time: cluster events only wake pods they can help. */
  unschedulablePlugins?: string[];
}

export interface QueueOptions {
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  now?: () => number;
}

export class SchedulingQueue {
  private readonly active = new KeyedHeap<QueuedPod>((a, b) => {
    const pa = podPriority(a.pod);
    const pb = podPriority(b.pod);
    if (pa !== pb) return pa > pb;
    if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp;
    return a.seq < b.seq;
  });
  private readonly backoff = new KeyedHeap<QueuedPod>((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  private readonly unschedulable = new Map<string, QueuedPod>();
  private readonly waiters: ((p: QueuedPod | undefined) => void)[] = [];
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly now: () => number;
  private seq = 0;
  private closed = false;
  /** Incremented per pop; a pod failing in a cycle older than the last move request goes to backoff, not unschedulable. */
  schedulingCycle = 0;
  private moveRequestCycle = -1;
  private timers: NodeJS.Timeout[] = [];

  constructor(opts: QueueOptions = {}) {
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Start the periodic flushes (upstream: backoff every 1 s, unschedulable leftovers every 30 s). */
  run(): void {
    this.timers.push(setInterval(() => this.flushBackoffCompleted(), 1000));
    this.timers.push(setInterval(() => this.flushUnschedulableLeftover(), Math.min(30_000, this.maxUnschedulableMs / 2)));
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  backoffDuration(q: QueuedPod): number {
    let d = this.initialBackoffMs;
    for (let i = 1; i < q.attempts; i++) {
      d *= 2;
      if (d >= this.maxBackoffMs) return this.maxBackoffMs;
    }
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPod): number {
    return q.parkedAt + this.backoffDuration(q);
  }

  private isBackingOff(q: QueuedPod): boolean {
    return q.attempts > 0 && this.backoffExpiry(q) > this.now();
  }

  has(key: string): boolean {
    return this.active.has(key) || this.backoff.has(key) || this.unschedulable.has(key);
  }

  lengths(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }

  private pushActive(q: QueuedPod): void {
    const w = this.waiters.shift();
    if (w) {
      this.schedulingCycle++;
      w(q);
    } else this.active.push(q.key, q);
  }

  /** A new pending pod. */
  add(key: string, pod: core.Pod): void {
    if (this.closed || this.has(key)) return this.update(key, pod);
    const created = Date.parse(pod.metadata?.creationTimestamp ?? '');
    this.pushActive({ key, pod, timestamp: Number.isNaN(created) ? this.now() : created, seq: this.seq++, attempts: 0, parkedAt: 0, queuedAt: Date.now() });
  }

  /** A pending pod changed: update it where it waits; an unschedulable pod whose spec changed gets another try. */
  update(key: string, pod: core.Pod): void {
    const a = this.active.get(key);
    if (a) return this.active.push(key, { ...a, pod });
    const b = this.backoff.get(key);
    if (b) return this.backoff.push(key, { ...b, pod });
    const u = this.unschedulable.get(key);
    if (u) {
      const changed = JSON.stringify(u.pod.spec) !== JSON.stringify(pod.spec) || JSON.stringify(u.pod.metadata?.labels) !== JSON.stringify(pod.metadata?.labels);
      const next = { ...u, pod };
      if (!changed) return void this.unschedulable.set(key, next);
      this.unschedulable.delete(key);
      if (this.isBackingOff(next)) this.backoff.push(key, next);
      else this.pushActive(next);
    }
  }

  delete(key: string): void {
    this.active.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
  }

  /** Next pod to schedule; waits until one is active. undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const q = this.active.pop();
    if (q) {
      this.schedulingCycle++;
      return Promise.resolve(q);
    }
    return new Promise((ok) => this.waiters.push(ok));
  }

  /** A pod that failed to schedule in `cycle`: unschedulable, or backoff if the cluster changed meanwhile. */
  addUnschedulable(q: QueuedPod, cycle: number, plugins: string[] = []): void {
    if (this.closed || this.has(q.key)) return;
    const next = { ...q, attempts: q.attempts + 1, parkedAt: this.now(), unschedulablePlugins: plugins };
    if (this.moveRequestCycle >= cycle) this.backoff.push(q.key, next);
    else this.unschedulable.set(q.key, next);
  }

  /** A pod that hit an error (e.g. the bind failed): retry after its backoff. */
  addBackoff(q: QueuedPod): void {
    if (this.closed || this.has(q.key)) return;
    this.backoff.push(q.key, { ...q, attempts: q.attempts + 1, parkedAt: this.now() });
  }

  /**
   * A cluster event that may make unschedulable pods fit: move them on (upstream MoveAllToActiveOrBackoffQueue).
   * `plugins` limits the move to pods rejected by one of them (upstream queueing hints, coarsely).
   */
  moveAllToActiveOrBackoff(plugins?: string[]): void {
    for (const [key, q] of this.unschedulable) {
      if (plugins && !q.unschedulablePlugins?.some((p) => plugins.includes(p))) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q)) this.backoff.push(key, q);
      else this.pushActive(q);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  flushBackoffCompleted(): void {
    for (;;) {
      const q = this.backoff.peek();
      if (!q || this.backoffExpiry(q) > this.now()) return;
      this.backoff.pop();
      this.pushActive(q);
    }
  }

  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [key, q] of this.unschedulable) {
      if (now - q.parkedAt < this.maxUnschedulableMs) continue;
      this.unschedulable.delete(key);
      if (this.isBackingOff(q)) this.backoff.push(key, q);
      else this.pushActive(q);
    }
  }
}
