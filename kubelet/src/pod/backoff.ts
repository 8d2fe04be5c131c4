// Exponential back-off per key (pod uid + container), as upstream's flowcontrol.Backoff:
// the first restart is immediate, then 10 s doubling to 5 min; an entry idle for twice the max
// (or a container that ran for 10 min) starts over.
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  now?: () => number;
}

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private now: () => number;
  private entries = new Map<string, Entry>();

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 10_000;
    this.maxMs = opts.maxMs ?? 300_000;
    this.now = opts.now ?? Date.now;
  }

  /** Record a failure that happened at eventTime: the next delay grows (or starts at the initial one). */
  next(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || eventTime - e.lastUpdate > 2 * this.maxMs) {
      this.entries.set(key, { delayMs: this.initialMs, lastUpdate: eventTime });
      return this.initialMs;
    }
    e.delayMs = Math.min(e.delayMs * 2, this.maxMs);
    e.lastUpdate = eventTime;
    return e.delayMs;
  }

  /** Milliseconds still to wait after a failure at eventTime (0 when not backing off). */
  remaining(key: string, eventTime: number): number {
    const e = this.entries.get(key);
    if (!e || this.now() - e.lastUpdate > 2 * this.maxMs) return 0;
    return Math.max(0, eventTime + e.delayMs - this.now());
  }

  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Forget every key with this prefix (a pod's containers when the pod goes away). */
  resetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
