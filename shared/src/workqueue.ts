// A rate-limited work queue with client-go semantics: a key is queued at most once (dirty set), a key being
// processed is never handed out again until done() (processing set; re-adds are deferred until then),
// per-key exponential backoff for failures (base 5 ms, doubling, capped at 1000 s), delayed adds.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface WorkQueueOptions {
  name?: string;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Export upstream's workqueue_* metrics (labelled by queue name) on this registry. */
  registry?: Registry;
}

interface QueueMetrics {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  retries: Counter<'name'>;
  queueDuration: Histogram<'name'>;
  workDuration: Histogram<'name'>;
}

const metricsByRegistry = new WeakMap<Registry, QueueMetrics>();
const DURATION_BUCKETS = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10];

function queueMetrics(registry: Registry): QueueMetrics {
  let m = metricsByRegistry.get(registry);
  if (!m) {
    const registers = [registry];
    m = {
      depth: new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers }),
      adds: new Counter({
        name: 'workqueue_adds_total',
        help: 'Total number of adds handled by workqueue',
        labelNames: ['name'],
        registers,
      }),
      retries: new Counter({
        name: 'workqueue_retries_total',
        help: 'Total number of retries handled by workqueue',
        labelNames: ['name'],
        registers,
      }),
      queueDuration: new Histogram({
        name: 'workqueue_queue_duration_seconds',
        help: 'How long in seconds an item stays in workqueue before being requested.',
        labelNames: ['name'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
      workDuration: new Histogram({
        name: 'workqueue_work_duration_seconds',
        help: 'How long in seconds processing an item from workqueue takes.',
        labelNames: ['name'],
        buckets: DURATION_BUCKETS,
        registers,
      }),
    };
    metricsByRegistry.set(registry, m);
  }
  return m;
}

export class WorkQueue<K = string> {
  readonly name: string;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  /** Delayed adds: the earliest time each key becomes ready, and its timer. */
  private readonly waiting = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((k: K | undefined) => void)[] = [];
  private shuttingDown = false;
  private readonly metrics?: QueueMetrics;
  /** When each queued key was added, and when each processing key was handed out (for the metrics). */
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();

  constructor(opts: WorkQueueOptions = {}) {
    this.name = opts.name ?? 'queue';
    this.baseDelayMs = opts.baseDelayMs ?? 5;
    this.maxDelayMs = opts.maxDelayMs ?? 1_000_000;
    if (opts.registry) this.metrics = queueMetrics(opts.registry);
  }

  add(key: K): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics?.adds.inc({ name: this.name });
    this.dirty.add(key);
    if (this.processing.has(key)) return; // done() queues it again
    this.push(key);
  }

  /** Add once `ms` have passed; a later call with an earlier time wins, a later time is ignored. */
  addAfter(key: K, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const at = Date.now() + ms;
    const prev = this.waiting.get(key);
    if (prev && prev.at <= at) return;
    if (prev) clearTimeout(prev.timer);
    const timer = setTimeout(() => {
      this.waiting.delete(key);
      this.add(key);
    }, ms);
    timer.unref();
    this.waiting.set(key, { at, timer });
  }

  /** Add after this key's backoff: base × 2^failures, capped. */
  addRateLimited(key: K): void {
    this.metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.when(key));
  }

  /** The next backoff for `key` (counts as one failure). */
  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    return Math.min(this.baseDelayMs * 2 ** n, this.maxDelayMs);
  }

  /** Stop tracking failures for `key` (after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key (marks it processing), waiting for one; undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const k = this.queue.shift();
    if (k !== undefined) return Promise.resolve(this.take(k));
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of `key` finished; if it was added meanwhile, it is queued again. */
  done(key: K): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) {
      this.startedAt.delete(key);
      this.metrics?.workDuration.observe({ name: this.name }, (Date.now() - started) / 1000);
    }
    if (this.dirty.has(key) && !this.shuttingDown) this.push(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) clearTimeout(w.timer);
    this.waiting.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Keys waiting to be handed out (not counting processing or delayed ones). */
  len(): number {
    return this.queue.length;
  }

  private take(k: K): K {
    this.processing.add(k);
    this.dirty.delete(k);
    if (this.metrics) {
      const now = Date.now();
      const added = this.addedAt.get(k);
      if (added !== undefined) this.metrics.queueDuration.observe({ name: this.name }, (now - added) / 1000);
      this.addedAt.delete(k);
      this.startedAt.set(k, now);
      this.metrics.depth.set({ name: this.name }, this.queue.length);
    }
    return k;
  }

  private push(key: K): void {
    if (this.metrics) this.addedAt.set(key, Date.now());
    const w = this.waiters.shift();
    if (w) w(this.take(key));
    else {
      this.queue.push(key);
      this.metrics?.depth.set({ name: this.name }, this.queue.length);
    }
  }
}

export interface WorkerLogger {
  error(obj: object, msg?: string): void;
}

/**
 * Run `n` workers until the queue shuts down: success → forget(key); a throw → addRateLimited(key).
 * Resolves when every worker has stopped.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  n: number,
  fn: (key: K) => Promise<void> | void,
  logger?: WorkerLogger,
): Promise<void> {
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await fn(key);
        queue.forget(key);
      } catch (e) {
        logger?.error({ err: e, key, queue: queue.name, requeues: queue.numRequeues(key) }, `error syncing ${String(key)}; requeuing`);
        queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, n) }, worker));
}
