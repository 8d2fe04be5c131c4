// The watch cache: ONE etcd watch per resource type, fanned out to every client watcher.
// It keeps the current objects (so each event knows the object's previous state, for selector
// transitions) and a ring buffer of recent events, so a watch from a recent resourceVersion is served
// from memory; an older one gets 410 Expired.
import type { Watcher } from 'etcd3';
import type { KubeObject, WatchEventType } from '@minik8s/shared';
import { decodeKv, type Store } from './etcd';
import { Ring } from './ring';
import { WatcherIndex, type IndexField, type IndexedWatcher } from './watcher-index';

export interface CacheEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  rev: number;
  key: string;
  obj: KubeObject;
  prev?: KubeObject;
}

export interface CacheWatcherSpec extends IndexedWatcher {
  /** Does the object belong to this watcher (namespace and selectors)? */
  filter(obj: KubeObject): boolean;
  send(type: WatchEventType, obj: KubeObject, json: () => string): void;
  /** The cache lost its history (etcd compacted under it): the watcher must end with 410. */
  expire(message: string): void;
}

export interface CacheWatcher extends CacheWatcherSpec {
  fromRev: number;
}

export class ExpiredError extends Error {
  constructor(
    readonly requested: number,
    readonly oldest: number,
  ) {
    super(`too old resource version: ${requested} (${oldest})`);
    this.name = 'ExpiredError';
  }
}

export class WatchCache {
  /** key → current object */
  readonly state = new Map<string, KubeObject>();
  private readonly buf: Ring<CacheEvent>;
  /** Every event with rev > oldestRev is in the buffer. */
  oldestRev = 0;
  /** The latest revision this cache has seen. */
  rev = 0;
  /** The etcd watch stream is attached (false while etcd is unreachable or the cache relists). */
  private live = false;
  /** Reads may be served from memory only once the cache has seen this revision (see `fresh`). */
  private required = 0;
  readonly watchers: WatcherIndex<CacheWatcher>;
  private etcdWatcher?: Watcher;
  /** key → an object this apiserver wrote whose watch event has not arrived yet (see `wrote`). */
  private readonly written = new Map<string, KubeObject>();
  private readyPromise?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    readonly prefix: string,
    capacity = 4096,
    private readonly log: (msg: string, err?: unknown) => void = () => undefined,
    /** The field watchers are indexed by (see WatcherIndex). */
    indexField?: IndexField,
  ) {
    this.watchers = new WatcherIndex(indexField);
    this.buf = new Ring(capacity);
  }

  /** Resolves once the initial list is loaded; retries while etcd is down. */
  ready(): Promise<void> {
    if (!this.readyPromise) this.readyPromise = this.load();
    return this.readyPromise;
  }

  get isReady(): boolean {
    return this.rev > 0;
  }

  private async load(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      try {
        const { items, rev } = await this.store.list(this.prefix);
        this.state.clear();
        for (const kv of items) this.state.set(kv.key!, kv.obj);
        this.buf.clear();
        this.oldestRev = rev;
        this.rev = rev;
        this.startWatch(rev + 1);
        return;
      } catch (e) {
        this.log(`watch cache ${this.prefix}: list failed, retrying`, e);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private startWatch(fromRev: number): void {
    const w = this.store.client.watch().prefix(this.prefix).startRevision(String(fromRev)).watcher();
    this.etcdWatcher = w;
    w.on('connected', () => {
      if (this.etcdWatcher === w) this.live = true;
    });
    w.on('disconnected', () => {
      if (this.etcdWatcher === w) this.live = false;
    });
    w.on('data', (res) => {
      for (const ev of res.events) {
        const key = ev.kv.key.toString();
        const rev = Number(ev.kv.mod_revision);
        if (ev.type === 'Put') {
          const obj = this.ownWrite(key, rev) ?? decodeKv(ev.kv).obj;
          const prev = this.state.get(key);
          this.state.set(key, obj);
          this.push({ type: prev ? 'MODIFIED' : 'ADDED', rev, key, obj, prev });
        } else {
          const prev = this.state.get(key);
          this.state.delete(key);
          if (!prev) {
            this.rev = rev;
            continue;
          }
          const obj = { ...prev, metadata: { ...prev.metadata, resourceVersion: String(rev) } };
          this.push({ type: 'DELETED', rev, key, obj, prev });
        }
      }
    });
    w.on('error', (e) => {
      // Canceled by etcd, typically because the revision we resume from was compacted: relist. The client
      // has dropped the watcher already; cancelling it again would make etcd answer for an unknown watch.
      if (this.etcdWatcher !== w || this.stopped) return;
      this.log(`watch cache ${this.prefix}: etcd watch failed, relisting`, e);
      w.removeAllListeners();
      this.etcdWatcher = undefined;
      this.live = false;
      for (const cw of this.watchers) cw.expire(`the watch cache for ${this.prefix} was reset: ${e.message}`);
      this.watchers.clear();
      this.written.clear();
      this.rev = 0;
      this.readyPromise = this.load();
    });
  }

  private push(ev: CacheEvent): void {
    this.rev = ev.rev;
    const evicted = this.buf.push(ev);
    if (evicted) this.oldestRev = evicted.rev;
    for (const w of this.watchers.forChange(ev.obj, ev.prev)) dispatch(w, ev);
  }

  /**
   * Add a watcher. fromRev undefined: synthetic ADDED for every current object first.
   * Otherwise every buffered event after fromRev is replayed; throws ExpiredError when fromRev is too old.
   */
  add(spec: CacheWatcherSpec, fromRev?: number): CacheWatcher {
    const w: CacheWatcher = { ...spec, fromRev: fromRev ?? this.rev };
    if (fromRev === undefined) {
      for (const obj of this.state.values()) if (spec.filter(obj)) spec.send('ADDED', obj, () => jsonOf(obj));
    } else {
      if (fromRev < this.oldestRev) throw new ExpiredError(fromRev, this.oldestRev);
      for (const ev of this.buf) if (ev.rev > fromRev) dispatch(w, ev);
    }
    this.watchers.add(w);
    return w;
  }

  remove(w: CacheWatcher): void {
    this.watchers.delete(w);
  }

  /**
   * This apiserver stored `obj` (at its resourceVersion) under `key`. Until the etcd watch delivers that
   * revision, the object is kept: the event then carries it instead of a decoded copy of the same bytes,
   * so the write's response and every watcher share one object and its JSON (see jsonOf).
   */
  wrote(key: string, obj: KubeObject): void {
    // A revision the watch already delivered (it may overtake the write's reply) is not coming again.
    if (this.rev > 0 && Number(obj.metadata.resourceVersion) > this.rev) this.written.set(key, obj);
  }

  /** The object this apiserver wrote as `key`'s revision `rev`, if it did. */
  private ownWrite(key: string, rev: number): KubeObject | undefined {
    const obj = this.written.get(key);
    if (!obj) return undefined;
    const objRev = Number(obj.metadata.resourceVersion);
    // a later write of the key may already be waiting for its own event
    if (objRev <= rev) this.written.delete(key);
    return objRev === rev ? obj : undefined;
  }

  /**
   * A later read from memory must reflect revision `rev`: a write this apiserver committed under the
   * cache's prefix, or a revision a client already read from etcd.
   */
  require(rev: number): void {
    if (rev > this.required) this.required = rev;
  }

  /**
   * May a "most recent" read (resourceVersion unset) be answered from memory? Only while the etcd watch is
   * attached and the cache has seen every revision this apiserver wrote (or read from etcd) under its
   * prefix: then any write acknowledged before the read arrived is visible (read-your-writes, monotonic
   * reads through this apiserver). A write made behind this apiserver's back (etcdctl, a second apiserver)
   * shows once the watch delivers it, typically within milliseconds.
   */
  get fresh(): boolean {
    return this.live && this.rev > 0 && this.rev >= this.required;
  }

  /** Current objects sorted by key (for resourceVersion=0 lists). */
  snapshot(): { items: KubeObject[]; rev: number } {
    const keys = [...this.state.keys()].sort();
    return { items: keys.map((k) => this.state.get(k)!), rev: this.rev };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.etcdWatcher?.cancel().catch(() => undefined);
  }

  /** Stop, ending every watcher with `message` (its type is no longer served). */
  async close(message: string): Promise<void> {
    for (const w of [...this.watchers]) w.expire(message);
    this.watchers.clear();
    await this.stop();
  }
}

const serialized = new WeakMap<object, string>();

/**
 * JSON of an object, computed once per object and shared by every watcher and GET that sends it: objects
 * held by the cache are never mutated (a new revision is a new object), so the text stays valid.
 */
export function jsonOf(obj: object): string {
  let json = serialized.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    serialized.set(obj, json);
  }
  return json;
}

/** Deliver one event to one watcher, turning selector transitions into ADDED/DELETED as upstream. */
export function dispatch(w: CacheWatcher, ev: CacheEvent): void {
  if (ev.rev <= w.fromRev) return;
  const json = () => jsonOf(ev.obj);
  if (ev.type === 'DELETED') {
    if (ev.prev && w.filter(ev.prev)) w.send('DELETED', ev.obj, json);
    return;
  }
  const cur = w.filter(ev.obj);
  const prev = ev.prev ? w.filter(ev.prev) : false;
  if (cur && prev) w.send('MODIFIED', ev.obj, json);
  else if (cur) w.send('ADDED', ev.obj, json);
  else if (prev) w.send('DELETED', ev.obj, json);
}
