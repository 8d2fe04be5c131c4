// A shared informer: list, then watch from the list's resourceVersion (with bookmarks), keeping a local
// Store current and calling handlers in order. 410 Gone → relist, diffed against the cache so handlers
// see what changed; other failures → re-watch (or re-list) after capped exponential backoff.
import type { ResourceType } from '../api/resources';
import { isGone } from '../api/status';
import { objectKey, type KubeObject, type WatchEvent } from '../api/types';
import type { ApiClient } from '../client/api-client';
import type { ResourceClient, Watch } from '../client/resource-client';
import { diffForReplace } from './diff';
import { Store, type IndexFunc } from './store';

export interface InformerOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every period, onUpdate(obj, obj) for every cached object (client-go resync). 0/undefined = never. */
  resyncPeriodMs?: number;
  /** List page size (limit/continue). */
  pageSize?: number;
}

export interface EventHandler<T> {
  onAdd?(obj: T): void;
  onUpdate?(old: T, cur: T): void;
  onDelete?(obj: T): void;
}

export interface InformerLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

const MIN_BACKOFF_MS = 200;
const MAX_BACKOFF_MS = 30_000;

export class Informer<T extends KubeObject = KubeObject> {
  readonly store = new Store<T>();
  private readonly rc: ResourceClient<T>;
  private readonly handlers: EventHandler<T>[] = [];
  private synced = false;
  private started = false;
  private stopped = false;
  private rv = '';
  private watch?: Watch;
  private resyncTimer?: NodeJS.Timeout;
  private sleepTimer?: { timer: NodeJS.Timeout; wake: () => void };
  private syncWaiters: (() => void)[] = [];
  private loop?: Promise<void>;

  constructor(
    client: ApiClient,
    readonly rt: ResourceType,
    readonly opts: InformerOptions = {},
    private readonly log?: InformerLogger,
  ) {
    this.rc = client.resource<T>(rt);
  }

  /** Handlers run in registration order, synchronously per event. A handler added after sync first gets onAdd for every cached object. */
  addEventHandler(h: EventHandler<T>): () => void {
    this.handlers.push(h);
    if (this.synced) for (const o of this.store.list()) this.call(h, 'onAdd', o);
    return () => {
      const i = this.handlers.indexOf(h);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  addIndexer(name: string, fn: IndexFunc<T>): void {
    this.store.addIndexer(name, fn);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion the cache is at (last list, event or bookmark). */
  lastSyncResourceVersion(): string {
    return this.rv;
  }

  /** Start the list/watch loop; resolves once the first list is in the cache (or on stop). */
  start(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.loop = this.run();
      if (this.opts.resyncPeriodMs && this.opts.resyncPeriodMs > 0) {
        this.resyncTimer = setInterval(() => this.resync(), this.opts.resyncPeriodMs);
        this.resyncTimer.unref();
      }
    }
    return this.waitForSync();
  }

  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** Stop watching; resolves when the loop has ended. The cache stays readable. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.watch?.stop();
    this.sleepTimer?.wake();
    for (const w of this.syncWaiters.splice(0)) w();
    await this.loop;
  }

  private describe(): string {
    const r = this.rt.group ? `${this.rt.resource}.${this.rt.group}` : this.rt.resource;
    return this.opts.namespace ? `${r} in ${this.opts.namespace}` : r;
  }

  private async run(): Promise<void> {
    let needList = true;
    let backoff = 0;
    let goneStreak = 0; // 410s with no event in between: back off instead of relisting in a hot loop
    while (!this.stopped) {
      try {
        if (needList) {
          await this.listAndReplace();
          needList = false;
        }
        if (this.stopped) break;
        let gotEvent = false;
        const watchStart = Date.now();
        // Like client-go: 5-10 min, so watches are spread out and re-established regularly.
        const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
        const watch = this.rc.watch(
          {
            namespace: this.opts.namespace,
            labelSelector: this.opts.labelSelector,
            fieldSelector: this.opts.fieldSelector,
            resourceVersion: this.rv,
            allowWatchBookmarks: true,
            timeoutSeconds,
          },
          (ev) => {
            gotEvent = true;
            backoff = 0;
            goneStreak = 0;
            this.handleEvent(ev);
          },
        );
        this.watch = watch;
        // A connection that died silently (no FIN) would otherwise hang forever: past the server's own
        // timeout, give up on it and re-watch.
        const watchdog = setTimeout(() => watch.stop(), (timeoutSeconds + 30) * 1000);
        watchdog.unref();
        try {
          await watch.done;
        } finally {
          clearTimeout(watchdog);
        }
        // A clean server-side timeout: re-watch at once, unless the server keeps ending watches instantly.
        if (!gotEvent && Date.now() - watchStart < 1000) {
          backoff = Math.min(Math.max(backoff * 2, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
          await this.sleep(backoff);
        }
      } catch (e) {
        if (this.stopped) break;
        if (isGone(e)) {
          this.log?.info({ resource: this.describe(), rv: this.rv }, 'watch resourceVersion expired (410 Gone); relisting');
          needList = true;
          if (++goneStreak > 1) {
            backoff = Math.min(Math.max(backoff * 2, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
            await this.sleep(backoff);
          }
          continue;
        }
        backoff = Math.min(Math.max(backoff * 2, MIN_BACKOFF_MS), MAX_BACKOFF_MS);
        this.log?.warn(
          { resource: this.describe(), err: (e as Error)?.message ?? String(e), retryInMs: backoff },
          needList ? 'list failed' : 'watch failed',
        );
        await this.sleep(backoff * (0.8 + Math.random() * 0.4));
      }
    }
  }

  private async listAndReplace(): Promise<void> {
    const list = await this.rc.listAll({
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      pageSize: this.opts.pageSize ?? 500,
    });
    if (this.stopped) return;
    const diff = diffForReplace(this.store.snapshot(), list.items);
    for (const o of diff.deleted) {
      this.store.delete(objectKey(o));
      this.dispatch('onDelete', o);
    }
    for (const o of diff.added) {
      this.store.upsert(o);
      this.dispatch('onAdd', o);
    }
    for (const { old, cur } of diff.updated) {
      this.store.upsert(cur);
      this.dispatch('onUpdate', old, cur);
    }
    this.rv = list.metadata?.resourceVersion ?? '';
    this.log?.debug(
      {
        resource: this.describe(),
        rv: this.rv,
        items: list.items.length,
        added: diff.added.length,
        updated: diff.updated.length,
        deleted: diff.deleted.length,
      },
      'listed',
    );
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private handleEvent(ev: WatchEvent<T>): void {
    const obj = ev.object;
    const rv = obj?.metadata?.resourceVersion;
    switch (ev.type) {
      case 'BOOKMARK':
        break;
      case 'ADDED':
      case 'MODIFIED': {
        const old = this.store.upsert(obj);
        if (old) this.dispatch('onUpdate', old, obj);
        else this.dispatch('onAdd', obj);
        break;
      }
      case 'DELETED': {
        this.store.delete(objectKey(obj));
        this.dispatch('onDelete', obj);
        break;
      }
      default:
        this.log?.warn({ resource: this.describe(), type: ev.type }, 'unknown watch event type');
    }
    if (rv) this.rv = rv;
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const o of this.store.list()) this.dispatch('onUpdate', o, o);
  }

  private dispatch(kind: 'onAdd' | 'onDelete', obj: T): void;
  private dispatch(kind: 'onUpdate', old: T, cur: T): void;
  private dispatch(kind: keyof EventHandler<T>, a: T, b?: T): void {
    for (const h of this.handlers) this.call(h, kind, a, b);
  }

  private call(h: EventHandler<T>, kind: keyof EventHandler<T>, a: T, b?: T): void {
    try {
      if (kind === 'onUpdate') h.onUpdate?.(a, b!);
      else h[kind]?.(a);
    } catch (e) {
      this.log?.error({ resource: this.describe(), err: e, handler: kind, key: objectKey(a) }, 'event handler threw');
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepTimer = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepTimer = { timer, wake };
    });
  }
}
