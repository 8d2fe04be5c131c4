// Watch: newline-delimited {type, object} events served from the watch cache; headers flushed at once;
// bookmarks, timeoutSeconds, and 410 Expired (an HTTP 410 Status before the stream starts, an ERROR event after).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, requiresExactField, statusFor, type KubeObject } from '@minik8s/shared';
import { CompactedError } from '../storage/etcd';
import type { CacheWatcher, WatchCache } from '../storage/watchcache';
import type { Store } from '../storage/etcd';
import { compileFilter, parseFields } from '../registry/selection';
import { toServed } from '../registry/convert';
import type { ServedResource } from '../registry/kinds';
import { maybeTable } from '../tables';
import { jsonOf } from '../storage/watchcache';
import { boolParam, q1, timeoutParam, type Query } from './body';

export interface WatchDeps {
  store: Store;
  cache: WatchCache;
  bookmarkIntervalMs: number;
  onOpen(r: ServedResource): void;
  onClose(r: ServedResource): void;
  /** Every open watch stream's finish(), so shutdown can end them. */
  active: Set<() => void>;
}

/**
 * The encoded event line per object and event type, built once and written as the same Buffer to every
 * watcher the event reaches (no per-watcher string building or UTF-8 encoding). Objects are never mutated.
 * Each line has memory of its own size: a line under 4 KiB from Buffer.from would be a slice of the runtime's
 * shared 8 KiB pool, and the watch cache's ring (thousands of objects per kind, kept for minutes) would
 * then keep a whole slab alive per line (in the apiserver soak: 130 MiB of slabs for lines that need about 40).
 */
const lines = new WeakMap<object, Partial<Record<string, Buffer>>>();
export function eventLine(type: string, obj: KubeObject, json: () => string): Buffer {
  let byType = lines.get(obj);
  if (!byType) lines.set(obj, (byType = {}));
  let line = byType[type];
  if (!line) {
    const text = `{"type":"${type}","object":${json()}}\n`;
    line = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
    line.write(text);
    byType[type] = line;
  }
  return line;
}

/** A watcher whose client reads slower than this many buffered bytes is cut off (it will re-watch). */
const MAX_BUFFERED = 32 * 1024 * 1024;

async function readyWithin(cache: WatchCache, ms: number): Promise<void> {
  if (cache.isReady) return;
  let t: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      cache.ready(),
      new Promise((_, fail) => {
        t = setTimeout(() => fail(new ApiError(statusFor.unavailable('the watch cache is not ready yet: etcd is unreachable'))), ms);
      }),
    ]);
  } finally {
    clearTimeout(t);
  }
}

export async function serveWatch(
  req: FastifyRequest,
  reply: FastifyReply,
  r: ServedResource,
  namespace: string | undefined,
  q: Query,
  deps: WatchDeps,
): Promise<void> {
  const { cache } = deps;
  const fieldSelector = q1(q, 'fieldSelector');
  const filter = compileFilter(r, { namespace, labelSelector: q1(q, 'labelSelector'), fieldSelector });
  const { field } = cache.watchers;
  const indexValue = field && fieldSelector ? requiresExactField(parseFields(r, fieldSelector), field) : undefined;
  const rvParam = q1(q, 'resourceVersion');
  let fromRev: number | undefined;
  if (rvParam && rvParam !== '0') {
    if (!/^\d+$/.test(rvParam)) throw new ApiError(statusFor.badRequest(`invalid resource version: ${JSON.stringify(rvParam)}`));
    fromRev = Number(rvParam);
  }
  const timeoutSeconds = timeoutParam(q);
  await readyWithin(cache, 5000);
  if (fromRev !== undefined) {
    if (fromRev < cache.oldestRev) throw new ApiError(statusFor.gone(`too old resource version: ${fromRev} (${cache.oldestRev})`));
    try {
      await deps.store.checkNotCompacted(fromRev);
    } catch (e) {
      if (e instanceof CompactedError) throw new ApiError(statusFor.gone(`too old resource version: ${fromRev} (compacted)`));
      throw e;
    }
    // The cache may have been reset (compaction under it) while we checked.
    if (fromRev < cache.oldestRev) throw new ApiError(statusFor.gone(`too old resource version: ${fromRev} (${cache.oldestRev})`));
  }
  const tables = /as=Table/.test(String(req.headers.accept ?? ''));
  const bookmarks = boolParam(q, 'allowWatchBookmarks');

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  deps.onOpen(r);

  let closed = false;
  // Assigned below, but finish() may run before they are (a watcher expired while cache.add replays).
  let w: CacheWatcher | undefined = undefined;
  let timer: NodeJS.Timeout | undefined = undefined;
  let bookmarkTimer: NodeJS.Timeout | undefined = undefined;
  let sentRev = fromRev ?? cache.rev;
  const write = (line: string | Buffer) => {
    if (closed) return;
    res.write(line);
    if (res.writableLength > MAX_BUFFERED) finish();
  };
  const encode = (type: string, obj: KubeObject, json: () => string): string | Buffer => {
    if (tables) return JSON.stringify({ type, object: maybeTable(req, r, obj) ?? toServed(r, obj) }) + '\n';
    if (!r.fromStorage) return eventLine(type, obj, json);
    const out = toServed(r, obj);
    return eventLine(type, out, () => jsonOf(out));
  };
  w = cache.add(
    {
      filter,
      indexValue,
      send: (type, obj, json) => {
        const rv = Number(obj.metadata?.resourceVersion ?? 0);
        if (rv > sentRev) sentRev = rv;
        write(encode(type, obj, json));
      },
      expire: (message) => {
        write(JSON.stringify({ type: 'ERROR', object: statusFor.gone(message) }) + '\n');
        finish();
      },
    },
    fromRev,
  );
  bookmarkTimer = bookmarks
    ? setInterval(() => {
        const rv = Math.max(cache.rev, sentRev);
        sentRev = rv;
        write(
          JSON.stringify({
            type: 'BOOKMARK',
            object: { kind: r.kind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(rv) } },
          }) + '\n',
        );
      }, deps.bookmarkIntervalMs)
    : undefined;
  // Without timeoutSeconds upstream keeps a watch 30-60 min.
  const timeoutMs = timeoutSeconds && timeoutSeconds > 0 ? timeoutSeconds * 1000 : (1800 + Math.random() * 1800) * 1000;
  timer = setTimeout(() => finish(), timeoutMs);
  if (closed) {
    // cut off while replaying (backpressure): undo what was set up after finish()
    cache.remove(w);
    clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
  }

  function finish(): void {
    if (closed) return;
    closed = true;
    deps.active.delete(finish);
    if (w) cache.remove(w);
    clearTimeout(timer);
    if (bookmarkTimer) clearInterval(bookmarkTimer);
    deps.onClose(r);
    res.end();
  }
  // the response closes when the client goes away (or after end())
  res.on('close', finish);
  deps.active.add(finish);
}
