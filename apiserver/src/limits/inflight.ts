// Bounded concurrency, as upstream's WithMaxInFlightLimit: at most --max-requests-inflight reads and
// --max-mutating-requests-inflight writes at once, the next one answered 429 with Retry-After. Long-running
// requests (watches; exec, attach, port-forward, logs and proxy streams) are exempt from those counts, as
// upstream's BasicLongRunningRequestCheck makes them, and bounded on their own instead: per client
// (--max-watches-per-client, --max-streams-per-client) and in total (--max-long-running-requests).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { failure, type Status } from '@minik8s/shared';

export interface InflightLimits {
  /** --max-requests-inflight (0: no limit) */
  readonly maxReadonly: number;
  /** --max-mutating-requests-inflight (0: no limit) */
  readonly maxMutating: number;
  /** --max-long-running-requests: watches and streams of all clients together */
  readonly maxLongRunning: number;
  /** --max-watches-per-client */
  readonly maxWatchesPerClient: number;
  /** --max-streams-per-client: exec, attach, port-forward, logs, proxy */
  readonly maxStreamsPerClient: number;
}

export type RequestClass = 'exempt' | 'readonly' | 'mutating' | 'watch' | 'stream';

/** Subresources that stream (upstream's long-running subresources). */
const STREAMS = new Set(['attach', 'exec', 'log', 'portforward', 'proxy']);
/** Health, metrics and version answer under any load (kubelet probes, scrapes). */
const EXEMPT = new Set(['/healthz', '/livez', '/readyz', '/metrics', '/version']);

/** How a request counts, from its method and URL alone (cheap: it runs before routing). */
export function classify(method: string, url: string): RequestClass {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (EXEMPT.has(path) || EXEMPT.has(path.replace(/\/+$/, ''))) return 'exempt';
  const segs = path.split('/').filter(Boolean);
  if (segs[0] !== 'api' && segs[0] !== 'apis') return method === 'GET' || method === 'HEAD' ? 'readonly' : 'mutating';
  if (segs.includes('watch') || /(^|&)watch=(1|true)(&|$)/.test(query)) return 'watch';
  const last = segs[segs.length - 1];
  if (STREAMS.has(last) || segs.includes('proxy')) return 'stream';
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? 'readonly' : 'mutating';
}

/** upstream's tooManyRequests answer. */
export function tooManyRequests(message = 'Too many requests, please try again later.'): Status {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds: 1 });
}

/** Who a request counts against: its address (the authenticated user once requests carry one). */
export const clientOf = (req: FastifyRequest): string => String((req as { user?: { name?: string } }).user?.name ?? req.ip);

export class InflightLimiter {
  private readonly counts: Record<'readonly' | 'mutating' | 'longRunning', number> = { readonly: 0, mutating: 0, longRunning: 0 };
  private readonly perClient = new Map<string, number>();

  constructor(readonly limits: InflightLimits) {}

  /** Take a slot for the request, or the Status to refuse it with; `release` gives the slot back (once). */
  acquire(cls: RequestClass, client: string): { release: () => void } | { refuse: Status } {
    if (cls === 'exempt') return { release: () => undefined };
    if (cls === 'readonly' || cls === 'mutating') {
      const max = cls === 'readonly' ? this.limits.maxReadonly : this.limits.maxMutating;
      if (max > 0 && this.counts[cls] >= max) return { refuse: tooManyRequests() };
      this.counts[cls]++;
      return { release: once(() => this.counts[cls]--) };
    }
    const key = `${cls}/${client}`;
    const mine = this.perClient.get(key) ?? 0;
    const perClient = cls === 'watch' ? this.limits.maxWatchesPerClient : this.limits.maxStreamsPerClient;
    if (perClient > 0 && mine >= perClient) return { refuse: tooManyRequests(`Too many ${cls === 'watch' ? 'watches' : 'streams'} from this client (limit is ${perClient}), please try again later.`) };
    if (this.limits.maxLongRunning > 0 && this.counts.longRunning >= this.limits.maxLongRunning) return { refuse: tooManyRequests() };
    this.counts.longRunning++;
    this.perClient.set(key, mine + 1);
    return {
      release: once(() => {
        this.counts.longRunning--;
        const n = (this.perClient.get(key) ?? 1) - 1;
        if (n > 0) this.perClient.set(key, n);
        else this.perClient.delete(key);
      }),
    };
  }

  /** In-flight requests by class (for /metrics). */
  inflight(): Readonly<Record<'readonly' | 'mutating' | 'longRunning', number>> {
    return this.counts;
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}

/**
 * Apply the limiter to every request `app` routes: the slot is released when the response closes, which
 * covers answered, aborted and hijacked (watch) requests alike. Upgrades (exec, attach, port-forward) never
 * reach the router: their handler takes a 'stream' slot itself and gives it back when the socket closes.
 */
export function registerInflightLimits(app: FastifyInstance, limiter: InflightLimiter, refuse: (reply: FastifyReply, s: Status) => void, onRefuse?: (cls: RequestClass) => void): void {
  app.addHook('onRequest', (req, reply, done) => {
    const cls = classify(req.method, req.url);
    const slot = limiter.acquire(cls, clientOf(req));
    if ('refuse' in slot) {
      onRefuse?.(cls);
      reply.header('Retry-After', '1');
      refuse(reply, slot.refuse);
      return;
    }
    reply.raw.once('close', slot.release);
    done();
  });
}
