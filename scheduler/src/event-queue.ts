// Events are written in the background with a few requests in flight, as upstream's event broadcaster
// buffers them off the scheduling path: a burst of 1000 Scheduled events must not open 1000
// connections and crowd out the binds. Beyond `maxQueued` events are dropped (upstream drops when its
// 1000-event channel is full).
import type { EventExtras, core } from '@minik8s/shared';

export type EventObject = { metadata?: core.Pod['metadata']; apiVersion?: string; kind?: string };

/** What the scheduler needs of an event recorder (the shared EventRecorder fits). */
export interface Recorder {
  event(obj: EventObject, type: 'Normal' | 'Warning', reason: string, message: string, extras?: EventExtras): unknown;
}

interface Pending {
  obj: EventObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  extras: EventExtras;
}

export interface EventQueueOptions {
  /** Events being written at once. */
  concurrency?: number;
  maxQueued?: number;
  /** Called with the number of events dropped so far, once per overflowing burst. */
  onDrop?(dropped: number): void;
}

export class EventQueue implements Recorder {
  private readonly pending: Pending[] = [];
  private head = 0;
  private inFlight = 0;
  private dropped = 0;
  private overflowing = false;
  private idle: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueued: number;

  constructor(
    private readonly inner: Recorder,
    private readonly opts: EventQueueOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 4;
    this.maxQueued = opts.maxQueued ?? 10_000;
  }

  get queued(): number {
    return this.pending.length - this.head;
  }

  event(obj: EventObject, type: 'Normal' | 'Warning', reason: string, message: string, extras: EventExtras = {}): void {
    if (this.queued >= this.maxQueued) {
      this.dropped++;
      if (!this.overflowing) this.opts.onDrop?.(this.dropped);
      this.overflowing = true;
      return;
    }
    this.overflowing = false;
    // Stamped now: the recorder writes it later, and eventTime must say when it happened.
    this.pending.push({ obj, type, reason, message, extras: { ...extras, at: extras.at ?? new Date() } });
    this.pump();
  }

  /** Resolves once every queued event has been handed to the recorder and settled. */
  drained(): Promise<void> {
    if (this.queued === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    while (this.inFlight < this.concurrency && this.head < this.pending.length) {
      const e = this.pending[this.head];
      this.pending[this.head++] = undefined as unknown as Pending;
      if (this.head === this.pending.length || this.head > 1024) {
        this.pending.splice(0, this.head);
        this.head = 0;
      }
      this.inFlight++;
      let written: Promise<unknown>;
      try {
        written = Promise.resolve(this.inner.event(e.obj, e.type, e.reason, e.message, e.extras));
      } catch (err) {
        written = Promise.reject(err);
      }
      void written
        .catch(() => undefined) // the shared recorder logs and never rejects; a failing one must not stop the queue
        .then(() => {
          this.inFlight--;
          this.pump();
          if (this.queued === 0 && this.inFlight === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }
}
