// The generic registry: get/list/create/update/patch/delete for every resource type on the etcd store,
// with upstream semantics (preconditions, graceful deletion, finalizers, namespace lifecycle, allocations).
// Every write is one etcd transaction conditioned on the revision it was computed from; when a
// server-side read-modify-write loses a race it re-reads and retries (GuaranteedUpdate).
/* eslint-disable @typescript-eslint/no-explicit-any */
import {
  ApiError,
  R,
  statusFor,
  parseLabelSelector,
  parseFieldSelector,
  matchesLabels,
  matchesFields,
  SelectorError,
  type KubeList,
  type KubeObject,
  type ResourceType,
  type Status,
} from '@minik8s/shared';
import { CompactedError, type Store, type Stored, type TxnExtra } from '../storage/etcd';
import { collectionPrefix, objectKey } from '../storage/keys';
import type { WatchCache } from '../storage/watchcache';
import type { ServiceAllocator } from '../services/allocator';
import { prepareForCreate, prepareForUpdate, validateUpdate, deepEqual, clone, getField, rfc3339 } from './strategy';
import { validate } from './validation';
import type { Cause } from './fielderrors';
import { applyPatch, type PatchType } from './patch';

type Obj = Record<string, any>;

export interface WriteOptions {
  dryRun?: boolean;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
}

export interface ListQuery {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** A compiled label+field selector (plus namespace) as a predicate. */
export function compileFilter(r: ResourceType, q: { namespace?: string; labelSelector?: string; fieldSelector?: string }): (o: KubeObject) => boolean {
  let ls;
  let fs;
  try {
    ls = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
    fs = q.fieldSelector ? parseFieldSelector(q.fieldSelector) : undefined;
  } catch (e) {
    throw new ApiError(statusFor.badRequest(e instanceof SelectorError ? e.message : `invalid selector: ${(e as Error).message}`));
  }
  const ns = r.namespaced ? q.namespace : undefined;
  return (o) =>
    (!ns || o.metadata?.namespace === ns) &&
    (!ls || matchesLabels(ls, o.metadata?.labels ?? {})) &&
    (!fs || matchesFields(fs, (p) => getField(o, p)));
}

const MAX_RETRIES = 20;

export class Registry {
  readonly caches = new Map<ResourceType, WatchCache>();

  constructor(
    readonly store: Store,
    readonly root: string,
    readonly services: ServiceAllocator,
  ) {}

  key(r: ResourceType, name: string, namespace?: string): string {
    return objectKey(this.root, r, name, namespace);
  }

  prefix(r: ResourceType, namespace?: string): string {
    return collectionPrefix(this.root, r, namespace);
  }

  private notFound(r: ResourceType, name: string): ApiError {
    return new ApiError(statusFor.notFound(r, name));
  }

  private invalid(r: ResourceType, name: string, causes: Cause[]): ApiError {
    return new ApiError(statusFor.invalid(r.kind, r.group, name, causes));
  }

  /** The store committed a write of `key` at `rev`: reads from that type's cache must wait for it. */
  committed(key: string, rev: number, obj?: KubeObject): void {
    for (const c of this.caches.values())
      if (key.startsWith(c.prefix)) {
        c.require(rev);
        if (obj) c.wrote(key, obj);
      }
  }

  /**
   * The current object. From the watch cache when it is fresh (WatchCache.fresh: every write this
   * apiserver acknowledged is in it), else from etcd.
   */
  async get(r: ResourceType, name: string, namespace?: string): Promise<KubeObject> {
    const key = this.key(r, name, namespace);
    const cache = this.caches.get(r);
    if (cache?.fresh) {
      const obj = cache.state.get(key);
      if (!obj) throw this.notFound(r, name);
      return obj;
    }
    const s = await this.store.get(key);
    if (!s) throw this.notFound(r, name);
    cache?.require(s.rev); // a later read from the cache must not go back in time
    return s.obj;
  }

  async list(r: ResourceType, q: ListQuery): Promise<KubeList> {
    const filter = compileFilter(r, q);
    let items: KubeObject[];
    let rev: number;
    if (q.continue) {
      let tok: { rv: number; start: string };
      try {
        tok = JSON.parse(Buffer.from(q.continue, 'base64url').toString());
        if (typeof tok.rv !== 'number' || typeof tok.start !== 'string') throw new Error('bad token');
      } catch {
        throw new ApiError(statusFor.badRequest('invalid value for continue token'));
      }
      try {
        const res = await this.store.list(this.prefix(r, q.namespace), tok.rv);
        rev = res.rev;
        items = res.items.filter((s) => s.key! >= tok.start).map((s) => s.obj);
      } catch (e) {
        if (e instanceof CompactedError)
          throw new ApiError(statusFor.gone('The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.'));
        throw e;
      }
    } else if (q.resourceVersion === '0' && this.caches.get(r)?.isReady) {
      const snap = this.caches.get(r)!.snapshot();
      items = snap.items;
      rev = snap.rev;
    } else {
      const res = await this.store.list(this.prefix(r, q.namespace));
      items = res.items.map((s) => s.obj);
      rev = res.rev;
    }
    let out = items.filter(filter);
    const list: KubeList = { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.listKind, metadata: { resourceVersion: String(rev) }, items: [] };
    if (q.limit && q.limit > 0 && out.length > q.limit && q.resourceVersion !== '0') {
      const next = out[q.limit];
      out = out.slice(0, q.limit);
      list.metadata.continue = Buffer.from(JSON.stringify({ rv: rev, start: this.key(r, next.metadata.name!, next.metadata.namespace) })).toString('base64url');
    }
    list.items = out.map((o) => withKind(r, o));
    return list;
  }

  /** Namespaced creates need an existing, non-terminating namespace. */
  private async checkNamespace(r: ResourceType, namespace: string | undefined, name: string): Promise<void> {
    if (!r.namespaced) return;
    if (!namespace) throw new ApiError(statusFor.badRequest('the namespace of the object must be set'));
    const cached = this.caches.get(R.namespaces)?.state.get(this.key(R.namespaces, namespace));
    const ns = cached ?? (await this.store.get(this.key(R.namespaces, namespace)))?.obj;
    if (!ns) throw new ApiError(statusFor.notFound(R.namespaces, namespace));
    if (ns.metadata.deletionTimestamp || (ns.status as Obj | undefined)?.phase === 'Terminating')
      throw new ApiError({
        ...statusFor.forbidden(`${r.resource}${r.group ? '.' + r.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`),
        details: { causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] },
      });
  }

  async create(r: ResourceType, namespace: string | undefined, body: Obj, opts: WriteOptions = {}): Promise<KubeObject> {
    // apiVersion and kind first, as upstream serializes them
    const obj: Obj = { apiVersion: undefined, kind: undefined, ...clone(body) };
    prepareForCreate(r, obj, namespace);
    const name = obj.metadata.name ?? '';
    await this.checkNamespace(r, namespace, name);
    const causes = validate(r, obj, { nodePortRange: this.services.portRange });
    if (causes.length) throw this.invalid(r, name || obj.metadata.generateName || '', causes);
    const key = this.key(r, name, namespace);
    if (r === R.services) {
      return this.services.serialize(async () => {
        // AlreadyExists wins over allocation errors (re-creating a Service with its own clusterIP)
        if (await this.store.get(key)) throw new ApiError(statusFor.alreadyExists(r, name));
        for (let i = 0; i < MAX_RETRIES; i++) {
          const attempt = clone(obj);
          const { causes: c, extra } = await this.services.plan(attempt, undefined);
          if (c.length) throw this.invalid(r, name, c);
          if (opts.dryRun) return attempt as KubeObject;
          const res = await this.store.create(key, attempt as KubeObject, extra);
          if (res.ok) return res.stored.obj;
          if (res.current) throw new ApiError(statusFor.alreadyExists(r, name));
        }
        throw new ApiError(statusFor.conflict(r, name, 'too many concurrent allocations, please retry'));
      });
    }
    if (opts.dryRun) return obj as KubeObject;
    const res = await this.store.create(key, obj as KubeObject);
    if (!res.ok) throw new ApiError(statusFor.alreadyExists(r, name));
    return res.stored.obj;
  }

  /**
   * GuaranteedUpdate: read, compute the new object, write conditioned on the read revision; retry on a
   * lost race unless the caller pinned a resourceVersion (then 409 Conflict).
   * `mutate` returns the object to store (it may be the current one: then nothing is written).
   */
  async guaranteedUpdate(
    r: ResourceType,
    name: string,
    namespace: string | undefined,
    mutate: (cur: KubeObject) => Obj | Promise<Obj>,
    opts: WriteOptions & { subresource?: 'status'; precondition?: string; after?: (next: Obj) => void } = {},
  ): Promise<KubeObject> {
    const key = this.key(r, name, namespace);
    // The first attempt starts from the watch cache's copy (as upstream's cachedExistingObject); a lost
    // race hands back etcd's current object, so retries need no extra read. Anything decided on the
    // cached copy (no-op, errors, dry runs) is re-decided on a fresh read.
    const cached = opts.dryRun ? undefined : this.caches.get(r)?.state.get(key);
    let cur: Stored | undefined = cached ? { obj: cached, rev: Number(cached.metadata.resourceVersion) } : undefined;
    let fromCache = !!cur;
    const run = async (): Promise<KubeObject> => {
      for (let i = 0; i < MAX_RETRIES; i++) {
        if (!cur) {
          cur = await this.store.get(key);
          fromCache = false;
          if (!cur) throw this.notFound(r, name);
        }
        const refresh = () => {
          cur = undefined;
        };
        if (opts.precondition && opts.precondition !== String(cur.rev)) {
          if (fromCache) {
            refresh();
            continue;
          }
          throw new ApiError(statusFor.conflict(r, name));
        }
        let next: Obj;
        try {
          const incoming = await mutate(clone(cur.obj));
          next = prepareForUpdate(r, clone(incoming), cur.obj, opts.subresource);
          opts.after?.(next);
          if (opts.subresource !== 'status') {
            const causes = [...validate(r, next, { nodePortRange: this.services.portRange }), ...validateUpdate(r, next, cur.obj)];
            if (causes.length) throw this.invalid(r, name, causes);
          }
        } catch (e) {
          if (fromCache) {
            refresh();
            continue;
          }
          throw e;
        }
        next.metadata.resourceVersion = cur.obj.metadata.resourceVersion;
        if (deepEqual(next, cur.obj)) {
          if (fromCache) {
            refresh();
            continue;
          }
          return cur.obj;
        }
        delete next.metadata.resourceVersion;
        // Clearing the last finalizer of an object being deleted removes it.
        if (next.metadata.deletionTimestamp && !(next.metadata.finalizers ?? []).length && !next.metadata.deletionGracePeriodSeconds && shouldDeleteWhenFinalized(r, next)) {
          if (opts.dryRun) return next as KubeObject;
          const extra = r === R.services ? (await this.services.plan(undefined, cur.obj)).extra : undefined;
          const del = await this.store.delete(key, cur.rev, extra);
          if (del.ok) return { ...next, metadata: { ...next.metadata, resourceVersion: String(del.rev) } } as KubeObject;
          if (!del.current) throw this.notFound(r, name);
          if (opts.precondition && !fromCache) throw new ApiError(statusFor.conflict(r, name));
          cur = del.current;
          fromCache = false;
          continue;
        }
        let extra: TxnExtra | undefined;
        if (r === R.services && opts.subresource !== 'status') {
          const plan = await this.services.plan(next, cur.obj);
          if (plan.causes.length) {
            if (fromCache) {
              refresh();
              continue;
            }
            throw this.invalid(r, name, plan.causes);
          }
          extra = plan.extra;
        }
        if (opts.dryRun) return next as KubeObject;
        const res = await this.store.update(key, cur.rev, next as KubeObject, extra);
        if (res.ok) return res.stored.obj;
        if (!res.current) throw this.notFound(r, name);
        if (opts.precondition && !fromCache) throw new ApiError(statusFor.conflict(r, name));
        // lost a race (or the cached copy was stale, or only the allocation bitmaps moved): go again
        cur = res.current;
        fromCache = false;
      }
      throw new ApiError(statusFor.conflict(r, name, 'too many concurrent updates, please retry'));
    };
    return r === R.services ? this.services.serialize(run) : run();
  }

  /** PUT: body replaces the object (or its status); a body resourceVersion is a precondition. */
  async update(r: ResourceType, name: string, namespace: string | undefined, body: Obj, opts: WriteOptions & { subresource?: 'status' } = {}): Promise<KubeObject> {
    const rv = body.metadata?.resourceVersion || undefined;
    return this.guaranteedUpdate(r, name, namespace, () => body, { ...opts, precondition: rv });
  }

  async patch(
    r: ResourceType,
    name: string,
    namespace: string | undefined,
    type: PatchType,
    patch: unknown,
    opts: WriteOptions & { subresource?: 'status'; check?: (patched: Obj) => void } = {},
  ): Promise<KubeObject> {
    const rv = (patch as Obj | null)?.metadata?.resourceVersion;
    return this.guaranteedUpdate(
      r,
      name,
      namespace,
      (cur) => {
        const patched = applyPatch(type, cur, patch);
        if (!patched || typeof patched !== 'object' || Array.isArray(patched) || typeof patched.metadata !== 'object' || patched.metadata === null)
          throw new ApiError(statusFor.badRequest('the patch produced an object without metadata'));
        opts.check?.(patched);
        return patched;
      },
      { ...opts, precondition: typeof rv === 'string' && rv ? rv : undefined },
    );
  }

  /** DELETE with upstream's graceful deletion and finalizers. Returns the object (last state or marked). */
  async delete(r: ResourceType, name: string, namespace: string | undefined, options: DeleteOptions = {}, opts: WriteOptions = {}): Promise<KubeObject> {
    const key = this.key(r, name, namespace);
    const run = async (): Promise<KubeObject> => {
      for (let i = 0; i < MAX_RETRIES; i++) {
        const cur = await this.store.get(key);
        if (!cur) throw this.notFound(r, name);
        const pre = options.preconditions;
        if (pre?.uid && pre.uid !== cur.obj.metadata.uid)
          throw new ApiError(statusFor.conflict(r, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.obj.metadata.uid}`));
        if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev))
          throw new ApiError(
            statusFor.conflict(r, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.rev}`),
          );
        const marked = markForDeletion(r, cur.obj, options);
        if (marked) {
          if (deepEqual(marked, cur.obj)) return cur.obj;
          if (opts.dryRun) return marked as KubeObject;
          const res = await this.store.update(key, cur.rev, marked as KubeObject);
          if (res.ok) return res.stored.obj;
          continue;
        }
        const extra = r === R.services ? (await this.services.plan(undefined, cur.obj)).extra : undefined;
        if (opts.dryRun) return cur.obj;
        const res = await this.store.delete(key, cur.rev, extra);
        if (res.ok) return { ...cur.obj, metadata: { ...cur.obj.metadata, resourceVersion: String(res.rev) } };
      }
      throw new ApiError(statusFor.conflict(r, name, 'too many concurrent updates, please retry'));
    };
    return r === R.services ? this.services.serialize(run) : run();
  }

  async deleteCollection(r: ResourceType, q: ListQuery, options: DeleteOptions, opts: WriteOptions = {}): Promise<KubeList> {
    const list = await this.list(r, { ...q, limit: undefined, continue: undefined, resourceVersion: undefined });
    const deleted: KubeObject[] = [];
    for (const o of list.items) {
      try {
        deleted.push(await this.delete(r, o.metadata.name!, o.metadata.namespace, options, opts));
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return { ...list, items: deleted };
  }

  /** PUT namespaces/NAME/finalize: only spec.finalizers changes; an emptied Terminating namespace goes away. */
  async finalizeNamespace(name: string, body: Obj, opts: WriteOptions = {}): Promise<KubeObject> {
    const r = R.namespaces;
    const key = this.key(r, name);
    for (let i = 0; i < MAX_RETRIES; i++) {
      const cur = await this.store.get(key);
      if (!cur) throw this.notFound(r, name);
      const next = clone(cur.obj) as Obj;
      next.spec = { ...(next.spec ?? {}), finalizers: body?.spec?.finalizers ?? [] };
      if (opts.dryRun) return next as KubeObject;
      if (next.metadata.deletionTimestamp && !next.spec.finalizers.length && !(next.metadata.finalizers ?? []).length) {
        const del = await this.store.delete(key, cur.rev);
        if (del.ok) return next as KubeObject;
        continue;
      }
      const res = await this.store.update(key, cur.rev, next as KubeObject);
      if (res.ok) return res.stored.obj;
    }
    throw new ApiError(statusFor.conflict(r, name, 'too many concurrent updates, please retry'));
  }
}

function shouldDeleteWhenFinalized(r: ResourceType, o: Obj): boolean {
  if (r === R.namespaces) return !(o.spec?.finalizers ?? []).length;
  return true;
}

/**
 * The object marked for (graceful or finalizer-blocked) deletion, or undefined when it can go now.
 * Pods: grace > 0 only for pods bound to a node and not terminated; the kubelet confirms with grace 0.
 */
export function markForDeletion(r: ResourceType, cur: KubeObject, options: DeleteOptions, now = new Date()): Obj | undefined {
  const m = cur.metadata;
  // Foreground / Orphan propagation are finalizers the garbage collector acts on (as upstream).
  const policy = options.propagationPolicy ?? ((options as Obj).orphanDependents === true ? 'Orphan' : undefined);
  const gcFinalizer = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
  const finalizers = [...(m.finalizers ?? [])];
  if (gcFinalizer && !finalizers.includes(gcFinalizer) && !m.deletionTimestamp) finalizers.push(gcFinalizer);
  if (r === R.namespaces) {
    const next = clone(cur) as Obj;
    next.metadata.deletionTimestamp ??= rfc3339(now);
    next.metadata.deletionGracePeriodSeconds ??= 0;
    next.status = { ...(next.status ?? {}), phase: 'Terminating' };
    if (!(next.spec?.finalizers ?? []).length && !(m.finalizers ?? []).length) return undefined;
    return next;
  }
  let grace = 0;
  if (r === R.pods) {
    const pod = cur as Obj;
    grace = options.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (!pod.spec?.nodeName || ['Succeeded', 'Failed'].includes(pod.status?.phase)) grace = 0;
    if (grace < 0) grace = 0;
    if (m.deletionTimestamp && m.deletionGracePeriodSeconds !== undefined && m.deletionGracePeriodSeconds <= grace) {
      const same = clone(cur) as Obj;
      if (finalizers.length) same.metadata.finalizers = finalizers;
      return same;
    }
  }
  if (grace === 0 && !finalizers.length) return undefined;
  const next = clone(cur) as Obj;
  if (finalizers.length) next.metadata.finalizers = finalizers;
  if (grace > 0) {
    next.metadata.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
    next.metadata.deletionGracePeriodSeconds = grace;
  } else {
    next.metadata.deletionTimestamp ??= rfc3339(now);
    next.metadata.deletionGracePeriodSeconds = 0;
  }
  return next;
}

export function withKind(r: ResourceType, o: KubeObject): KubeObject {
  if (o.kind && o.apiVersion) return o;
  return { ...o, apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind };
}

export type { Status };
