// core/v1 Events as client-go's EventRecorder writes them: name "<object>.<hex unix nanos>", source and
// reporting component, first/last timestamps, and repeats within 10 minutes folded into one Event by
// patching its count. Like upstream's newer events API (events.k8s.io/v1) each also carries eventTime — a
// MicroTime, so a pod's flow can be timed to the millisecond where the second-precision timestamps cannot —
// reportingInstance and action; extra facts a component measured (e.g. the scheduler's queue wait) go in the
// Event's own annotations, leaving the message as upstream words it. Recording never throws: failures are
// logged and dropped.
import { hostname } from 'node:os';
import type { ObjectReference } from 'kubernetes-types/core/v1';
import { R } from './api/resources';
import { isNotFound } from './api/status';
import { microTime, rfc3339 } from './api/time';
import type { KubeObject } from './api/types';
import type { ApiClient } from './client/api-client';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  component: string;
  host?: string;
  logger?: { warn(obj: object, msg?: string): void };
}

/** What upstream's events.k8s.io API adds to an event: the action taken, and annotations on the Event object. */
export interface EventExtras {
  /** What was done (events.k8s.io `action`); defaults to the reason. */
  action?: string;
  annotations?: Record<string, string>;
  /** When it happened, for a recorder behind a queue (default: now). */
  at?: Date;
}

interface Seen {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

const CORRELATION_WINDOW_MS = 10 * 60 * 1000;
const MAX_CACHE = 4096;

/** An ObjectReference to an object (kind/apiVersion as the object carries them). */
export function objectReference(obj: KubeObject | ObjectReference): ObjectReference {
  if (!('metadata' in obj) || !obj.metadata) return obj as ObjectReference;
  const o = obj as KubeObject;
  const ref: ObjectReference = {
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: o.metadata.name,
    uid: o.metadata.uid,
    apiVersion: o.apiVersion,
    resourceVersion: o.metadata.resourceVersion,
  };
  for (const k of Object.keys(ref) as (keyof ObjectReference)[]) if (ref[k] === undefined) delete ref[k];
  return ref;
}

export class EventRecorder {
  private readonly seen = new Map<string, Seen>();
  /** Per correlation key, so a burst of the same event becomes one create and ordered count patches. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly client: ApiClient,
    private readonly opts: EventRecorderOptions,
  ) {}

  /** Record an event about `involvedObject`. Resolves when written (or dropped); never rejects. */
  event(involvedObject: KubeObject | ObjectReference, type: EventType, reason: string, message: string, extras: EventExtras = {}): Promise<void> {
    const ref = objectReference(involvedObject);
    const key = JSON.stringify([ref.kind, ref.namespace, ref.name, ref.uid, ref.apiVersion, type, reason, message]);
    const prev = this.chains.get(key) ?? Promise.resolve();
    const at = extras.at ?? new Date();
    const next = prev.then(() => this.write(key, ref, type, reason, message, extras, at)).catch((e: unknown) => {
      this.opts.logger?.warn({ err: (e as Error)?.message ?? String(e), reason, object: `${ref.namespace ?? ''}/${ref.name ?? ''}` }, 'could not record event');
    });
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
    return next;
  }

  private async write(key: string, ref: ObjectReference, type: EventType, reason: string, message: string, extras: EventExtras, now: Date): Promise<void> {
    const events = this.client.resource(R.events);
    const s = this.seen.get(key);
    if (s && now.getTime() - s.at < CORRELATION_WINDOW_MS) {
      try {
        await events.patch(s.name, { count: s.count + 1, lastTimestamp: rfc3339(now), message }, 'merge', { namespace: s.namespace });
        s.count++;
        s.at = now.getTime();
        return;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        this.seen.delete(key); // the Event expired or was deleted: start a new one
      }
    }
    const namespace = ref.namespace || 'default';
    const ts = rfc3339(now);
    const ev: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${ref.name ?? 'unknown'}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(process.hrtime()[1] % 1_000_000)).toString(16)}`,
        namespace,
        ...(extras.annotations && Object.keys(extras.annotations).length ? { annotations: extras.annotations } : {}),
      },
      involvedObject: ref,
      reason,
      message,
      source: this.opts.host ? { component: this.opts.component, host: this.opts.host } : { component: this.opts.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      type,
      eventTime: microTime(now),
      action: extras.action ?? reason,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? `${this.opts.component}-${hostname()}`,
    };
    const created = await events.create(ev, { namespace });
    if (this.seen.size >= MAX_CACHE) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { name: created.metadata.name!, namespace, count: 1, at: now.getTime() });
  }
}
