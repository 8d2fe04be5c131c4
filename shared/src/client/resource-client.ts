// Typed CRUD + watch on one resource type, building URLs from the resource registry.
import { apiVersionOf, resourcePath, type ResourceType } from '../api/resources';
import { ApiError, failure, type Status } from '../api/status';
import type { KubeList, KubeObject, WatchEvent } from '../api/types';
import type { ApiClient } from './api-client';
import { LineSplitter } from './lines';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
  allowWatchBookmarks?: boolean;
}

export interface DeleteOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

export type PatchType = 'merge' | 'json' | 'strategic';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

export interface Watch {
  /** End the watch; `done` then resolves. */
  stop(): void;
  /** Resolves when the server ends the watch (or stop()); rejects with ApiError on HTTP errors and ERROR events (410 Expired included), or with the error the handler threw. */
  done: Promise<void>;
}

export class ResourceClient<T extends KubeObject = KubeObject> {
  constructor(
    readonly client: ApiClient,
    readonly rt: ResourceType,
  ) {}

  /** Namespace for a single-object call: given, else the object's, else "default" (as kubectl); none for cluster-scoped. */
  private ns(given?: string, obj?: KubeObject): string | undefined {
    if (!this.rt.namespaced) return undefined;
    return given ?? obj?.metadata?.namespace ?? 'default';
  }

  path(namespace?: string, name?: string, sub?: string): string {
    return resourcePath(this.rt, namespace, name, sub);
  }

  get(name: string, namespace?: string): Promise<T> {
    return this.client.request<T>('GET', this.path(this.ns(namespace), name));
  }

  /** List items carry no kind/apiVersion on the wire; set them so consumers (events, owner refs) have them. */
  private typed(o: T): T {
    if (o && typeof o === 'object' && !o.kind) {
      o.kind = this.rt.kind;
      o.apiVersion = apiVersionOf(this.rt);
    }
    return o;
  }

  /** One page (or everything without `limit`). No namespace = all namespaces. Items get kind/apiVersion. */
  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    const list = await this.client.request<KubeList<T>>('GET', this.path(this.rt.namespaced ? opts.namespace : undefined), {
      query: {
        labelSelector: opts.labelSelector || undefined,
        fieldSelector: opts.fieldSelector || undefined,
        limit: opts.limit,
        continue: opts.continue,
        resourceVersion: opts.resourceVersion,
      },
    });
    list.items = (list.items ?? []).map((o) => this.typed(o));
    return list;
  }

  /** Every page, following `continue`; the result carries the first page's resourceVersion (a consistent snapshot). */
  async listAll(opts: Omit<ListOptions, 'continue'> & { pageSize?: number } = {}): Promise<KubeList<T>> {
    const { pageSize = 500, ...rest } = opts;
    const first = await this.list({ ...rest, limit: pageSize });
    const items = [...first.items];
    let cont = first.metadata?.continue;
    while (cont) {
      const page = await this.list({ ...rest, limit: pageSize, continue: cont, resourceVersion: undefined });
      items.push(...page.items);
      cont = page.metadata?.continue;
    }
    return { ...first, metadata: { ...first.metadata, continue: undefined }, items };
  }

  create(obj: T, opts: { namespace?: string } = {}): Promise<T> {
    return this.client.request<T>('POST', this.path(this.ns(opts.namespace, obj)), { body: obj });
  }

  update(obj: T): Promise<T> {
    return this.client.request<T>('PUT', this.path(this.ns(undefined, obj), requireName(obj)), { body: obj });
  }

  updateStatus(obj: T): Promise<T> {
    return this.client.request<T>('PUT', this.path(this.ns(undefined, obj), requireName(obj), 'status'), { body: obj });
  }

  patch(name: string, patch: unknown, type: PatchType = 'merge', opts: { namespace?: string; subresource?: string } = {}): Promise<T> {
    return this.client.request<T>('PATCH', this.path(this.ns(opts.namespace), name, opts.subresource), {
      body: typeof patch === 'string' ? patch : JSON.stringify(patch),
      contentType: PATCH_CONTENT_TYPES[type],
    });
  }

  /** DELETE with DeleteOptions; answers the object (still there, e.g. with deletionTimestamp) or a Success Status. */
  delete(name: string, opts: DeleteOptions = {}): Promise<T | Status> {
    const { namespace, ...rest } = opts;
    const body: Record<string, unknown> = { kind: 'DeleteOptions', apiVersion: 'v1' };
    for (const [k, v] of Object.entries(rest)) if (v !== undefined) body[k] = v;
    return this.client.request<T | Status>('DELETE', this.path(this.ns(namespace), name), { body });
  }

  /** POST to a subresource (binding, eviction, ...). */
  createSubresource<R = unknown>(name: string, sub: string, body: unknown, opts: { namespace?: string } = {}): Promise<R> {
    return this.client.request<R>('POST', this.path(this.ns(opts.namespace), name, sub), { body });
  }

  /** Watch from `resourceVersion`; events go to `onEvent` in order (an async handler holds back the next event). */
  watch(opts: WatchOptions, onEvent: (e: WatchEvent<T>) => void | Promise<void>): Watch {
    const ac = new AbortController();
    let stopped = false;
    const stop = () => {
      stopped = true;
      ac.abort();
    };
    const done = (async () => {
      const res = await this.client.request('GET', this.path(this.rt.namespaced ? opts.namespace : undefined), {
        stream: true,
        signal: ac.signal,
        query: {
          watch: 1,
          resourceVersion: opts.resourceVersion,
          allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
          timeoutSeconds: opts.timeoutSeconds,
          labelSelector: opts.labelSelector || undefined,
          fieldSelector: opts.fieldSelector || undefined,
        },
      });
      const lines = new LineSplitter();
      const handle = async (line: string) => {
        let ev: WatchEvent<T>;
        try {
          ev = JSON.parse(line) as WatchEvent<T>;
        } catch {
          throw new Error(`malformed watch event from ${this.path(opts.namespace)}: ${line.slice(0, 200)}`);
        }
        if (ev.type === 'ERROR') {
          const s = ev.object as unknown as Status;
          throw new ApiError(s && s.kind === 'Status' ? s : failure(500, 'InternalError', `watch error: ${line.slice(0, 200)}`));
        }
        if (ev.type !== 'BOOKMARK') this.typed(ev.object);
        await onEvent(ev);
      };
      await new Promise<void>((resolve, reject) => {
        let queue = Promise.resolve();
        let failed = false;
        const fail = (e: unknown) => {
          if (failed) return;
          failed = true;
          res.destroy();
          reject(e);
        };
        const enqueue = (ls: string[]) => {
          for (const l of ls) {
            queue = queue.then(() => (failed || stopped ? undefined : handle(l)));
          }
          queue.catch(fail);
        };
        res.on('data', (chunk: Buffer) => {
          const ls = lines.push(chunk);
          if (ls.length === 0) return;
          res.pause();
          enqueue(ls);
          queue.then(
            () => res.resume(),
            () => undefined,
          );
        });
        let ended = false;
        res.on('end', () => {
          ended = true;
          enqueue(lines.end());
          queue.then(() => resolve(), fail);
        });
        res.on('error', (e) => (stopped ? resolve() : fail(e)));
        res.on('close', () => {
          if (stopped) resolve();
          else if (!ended) fail(new Error('the watch connection closed before the response ended'));
        });
      });
    })().catch((e: unknown) => {
      if (stopped && (e as Error)?.name === 'AbortError') return;
      if (stopped && !(e instanceof ApiError)) return;
      throw e;
    });
    return { stop, done };
  }
}

function requireName(obj: KubeObject): string {
  const n = obj.metadata?.name;
  if (!n) throw new Error('object has no metadata.name');
  return n;
}
