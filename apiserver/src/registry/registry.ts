// The generic registry: get/list/create/update/patch/delete for every served kind on the etcd store,
// with upstream semantics (preconditions, graceful deletion, finalizers, the admission chain, storage hooks),
// the kind-specific parts coming from its strategy. Objects here are at their storage version.
// Every write is one etcd transaction conditioned on the revision it was computed from; when a
// server-side read-modify-write loses a race it re-reads and retries (GuaranteedUpdate).

import { ApiError, statusFor, type KubeList, type KubeObject } from '@minik8s/shared';
import { CompactedError, type Store, type Stored, type TxnExtra } from '../storage/etcd';
import { collectionPrefix, objectKey } from '../storage/keys';
import { WatchCache } from '../storage/watchcache';
import type { KindRegistry, ServedResource } from './kinds';
import type { ResourceStrategy } from './strategy';
import { prepareForCreate, prepareForUpdate, validateObject, validateObjectUpdate, validateStatusUpdate } from './prepare';
import { compileFilter } from './selection';
import { toServed, toStorage } from './convert';
import { clone, deepEqual, rfc3339, type Obj } from './objects';
import type { Cause } from './fielderrors';
import { applyPatch, type PatchType } from './patch';
import { kindSchema } from './schemas';
import { runAdmission, type AdmissionAttributes, type AdmissionPlugin } from './admission';
import type { UserInfo } from '../auth/types';
import { applyWrite, recordWrite } from './fieldmanager';

export interface WriteOptions {
  dryRun?: boolean;
  /**
   * Who writes (the fieldManager, else the User-Agent's first segment): the write is recorded in
   * metadata.managedFields under this manager. Undefined: an internal write, managedFields as they were.
   */
  manager?: string;
  /** Who asks (what admission plugins see); undefined: the apiserver's own write. */
  user?: UserInfo;
  /** Admission warnings for the client are added here. */
  warnings?: string[];
}

/** A server-side apply: its manager (required) and whether it takes fields other managers own. */
export interface ApplyOptions extends WriteOptions {
  manager: string;
  force: boolean;
  subresource?: 'status';
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

const MAX_RETRIES = 20;

export interface RegistryOptions {
  /** Events kept per watch cache for watch resumption. */
  watchCacheSize?: number;
  log?: (msg: string, err?: unknown) => void;
  /** The admission chain creates and updates of main resources pass, in order. */
  admission?: readonly AdmissionPlugin[];
}

/** Kinds served with a watch cache: those that can be read (a create-only kind stores nothing). */
const readable = (r: ServedResource) => r.verbs.includes('get') || r.verbs.includes('list') || r.verbs.includes('watch');

export class Registry {
  /** One watch cache per stored kind (keyed by the kind at its storage version). */
  readonly caches = new Map<ServedResource, WatchCache>();
  private readonly admission: readonly AdmissionPlugin[];

  constructor(
    readonly store: Store,
    readonly root: string,
    readonly kinds: KindRegistry,
    private readonly opts: RegistryOptions = {},
  ) {
    this.admission = opts.admission ?? [];
  }

  /** Keep one watch cache per registered kind, from now on (kinds registered later included). */
  startCaches(): () => void {
    return this.kinds.subscribe({
      added: (r) => {
        if (!readable(r)) return;
        const cache = new WatchCache(this.store, this.prefix(r), this.opts.watchCacheSize, this.opts.log, r.watchIndex);
        this.caches.set(r, cache);
        void cache.ready();
      },
      removed: (r) => {
        const cache = this.caches.get(r);
        if (!cache) return;
        this.caches.delete(r);
        void cache.close(`the server no longer serves ${r.resource}${r.group ? '.' + r.group : ''}`);
      },
    });
  }

  /** The kind of a strategy as registered here (its storage version); 404 when it is not served. */
  resource(s: Pick<ResourceStrategy, 'group' | 'resource'>): ServedResource {
    const r = this.kinds.get(s.group, s.resource);
    if (!r) throw new ApiError(statusFor.notFoundPath());
    return r;
  }

  key(r: ServedResource, name: string, namespace?: string): string {
    return objectKey(this.root, r, name, namespace);
  }

  prefix(r: ServedResource, namespace?: string): string {
    return collectionPrefix(this.root, r, namespace);
  }

  private notFound(r: ServedResource, name: string): ApiError {
    return new ApiError(statusFor.notFound(r, name));
  }

  private invalid(r: ServedResource, name: string, causes: Cause[]): ApiError {
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
  async get(r: ServedResource, name: string, namespace?: string): Promise<KubeObject> {
    const s = r.storage;
    const key = this.key(s, name, namespace);
    const cache = this.caches.get(s);
    if (cache?.fresh) {
      const obj = cache.state.get(key);
      if (!obj) throw this.notFound(r, name);
      return obj;
    }
    const got = await this.store.get(key);
    if (!got) throw this.notFound(r, name);
    cache?.require(got.rev); // a later read from the cache must not go back in time
    return got.obj;
  }

  /** The object from the watch cache whatever its freshness, else from etcd; undefined when absent. */
  async peek(r: ServedResource, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const key = this.key(r.storage, name, namespace);
    return this.caches.get(r.storage)?.state.get(key) ?? (await this.store.get(key))?.obj;
  }

  /** A list of stored objects; its apiVersion and kind are those of the storage version. */
  async list(r: ServedResource, q: ListQuery): Promise<KubeList> {
    const s = r.storage;
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
        const res = await this.store.list(this.prefix(s, q.namespace), tok.rv);
        rev = res.rev;
        items = res.items.filter((x) => x.key! >= tok.start).map((x) => x.obj);
      } catch (e) {
        if (e instanceof CompactedError)
          throw new ApiError(
            statusFor.gone(
              'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
            ),
          );
        throw e;
      }
    } else if (q.resourceVersion === '0' && this.caches.get(s)?.isReady) {
      const snap = this.caches.get(s)!.snapshot();
      items = snap.items;
      rev = snap.rev;
    } else {
      const res = await this.store.list(this.prefix(s, q.namespace));
      items = res.items.map((x) => x.obj);
      rev = res.rev;
    }
    let out = items.filter(filter);
    const list: KubeList = { apiVersion: s.apiVersion, kind: s.listKind, metadata: { resourceVersion: String(rev) }, items: [] };
    if (q.limit && q.limit > 0 && out.length > q.limit && q.resourceVersion !== '0') {
      const next = out[q.limit];
      out = out.slice(0, q.limit);
      list.metadata.continue = Buffer.from(
        JSON.stringify({ rv: rev, start: this.key(s, next.metadata.name!, next.metadata.namespace) }),
      ).toString('base64url');
    }
    list.items = out.map((o) => withKind(s, o));
    return list;
  }

  /** Both admission phases for a write a subresource handler makes itself (an eviction, a TokenRequest). */
  async admit(attrs: AdmissionAttributes): Promise<void> {
    await runAdmission(this.admission, 'admit', this, attrs);
    await runAdmission(this.admission, 'validate', this, attrs);
  }

  /** Create `body` (at the storage version); `namespace` comes from the URL. */
  async create(
    r: ServedResource,
    namespace: string | undefined,
    body: Obj,
    opts: WriteOptions & { applied?: boolean } = {},
  ): Promise<KubeObject> {
    const s = r.storage;
    // apiVersion and kind first, as upstream serializes them
    const obj: Obj = { apiVersion: undefined, kind: undefined, ...clone(body) };
    prepareForCreate(s, obj, namespace);
    // managedFields: an apply's were computed with the merge; a create records its manager before admission, as upstream
    if (opts.manager !== undefined && !opts.applied) recordWrite(this.kinds, r, '', undefined, obj, opts.manager);
    else if (!opts.applied) delete obj.metadata.managedFields;
    const name = obj.metadata.name ?? '';
    const attrs = {
      operation: 'CREATE',
      r: s,
      namespace,
      name,
      obj,
      dryRun: opts.dryRun,
      user: opts.user,
      warnings: opts.warnings,
    } as const;
    await runAdmission(this.admission, 'admit', this, attrs);
    const causes = validateObject(r, obj, true);
    if (causes.length) throw this.invalid(s, name || obj.metadata.generateName || '', causes);
    await runAdmission(this.admission, 'validate', this, attrs);
    const key = this.key(s, name, namespace);
    const hooks = s.strategy.storage;
    if (!hooks) {
      if (opts.dryRun) return obj as KubeObject;
      const res = await this.store.create(key, obj as KubeObject, undefined, { ttlSeconds: s.strategy.ttlSeconds });
      if (!res.ok) throw new ApiError(statusFor.alreadyExists(s, name));
      return res.stored.obj;
    }
    return hooks.serialize(async () => {
      // AlreadyExists wins over the hooks' errors (re-creating an object with the values it holds)
      if (await this.store.get(key)) throw new ApiError(statusFor.alreadyExists(s, name));
      for (let i = 0; i < MAX_RETRIES; i++) {
        const attempt = clone(obj);
        const { causes: c, extra } = await hooks.plan(attempt, undefined);
        if (c.length) throw this.invalid(s, name, c);
        if (opts.dryRun) return attempt as KubeObject;
        const res = await this.store.create(key, attempt as KubeObject, extra, { ttlSeconds: s.strategy.ttlSeconds });
        if (res.ok) return res.stored.obj;
        if (res.current) throw new ApiError(statusFor.alreadyExists(s, name));
      }
      throw new ApiError(statusFor.conflict(s, name, 'too many concurrent allocations, please retry'));
    });
  }

  /**
   * GuaranteedUpdate: read, compute the new object, write conditioned on the read revision; retry on a
   * lost race unless the caller pinned a resourceVersion (then 409 Conflict).
   * `mutate` returns the object to store (it may be the current one: then nothing is written).
   */
  async guaranteedUpdate(
    r: ServedResource,
    name: string,
    namespace: string | undefined,
    mutate: (cur: KubeObject) => Obj | Promise<Obj>,
    opts: WriteOptions & {
      subresource?: 'status';
      precondition?: string;
      after?: (next: Obj) => void;
      /** A subresource's own update rules in place of the kind's (upstream's per-subresource update strategies). */
      validateUpdate?: (next: Obj, old: Obj) => Cause[];
      /** The mutation computed managedFields itself (an apply, a Scale write). */
      applied?: boolean;
    } = {},
  ): Promise<KubeObject> {
    const s = r.storage;
    const key = this.key(s, name, namespace);
    const hooks = s.strategy.storage;
    // The first attempt starts from the watch cache's copy (as upstream's cachedExistingObject); a lost
    // race hands back etcd's current object, so retries need no extra read. Anything decided on the
    // cached copy (no-op, errors, dry runs) is re-decided on a fresh read.
    const cached = opts.dryRun ? undefined : this.caches.get(s)?.state.get(key);
    let cur: Stored | undefined = cached ? { obj: cached, rev: Number(cached.metadata.resourceVersion) } : undefined;
    let fromCache = !!cur;
    const run = async (): Promise<KubeObject> => {
      for (let i = 0; i < MAX_RETRIES; i++) {
        if (!cur) {
          cur = await this.store.get(key);
          fromCache = false;
          if (!cur) throw this.notFound(s, name);
        }
        const refresh = () => {
          cur = undefined;
        };
        if (opts.precondition && opts.precondition !== String(cur.rev)) {
          if (fromCache) {
            refresh();
            continue;
          }
          throw new ApiError(statusFor.conflict(s, name));
        }
        let next: Obj;
        let same: boolean;
        try {
          const incoming = await mutate(clone(cur.obj));
          next = prepareForUpdate(s, clone(incoming), cur.obj, opts.subresource);
          // an apply's managedFields come with the merged object (a /status write keeps only its status)
          if (opts.applied) {
            if (incoming.metadata?.managedFields) next.metadata.managedFields = incoming.metadata.managedFields;
            else delete next.metadata.managedFields;
          }
          opts.after?.(next);
          next.metadata.resourceVersion = cur.obj.metadata.resourceVersion;
          same = deepEqual(next, cur.obj);
          delete next.metadata.resourceVersion;
          // nothing changed: nobody changed anything either
          if (!same && opts.manager !== undefined && !opts.applied)
            recordWrite(this.kinds, r, opts.subresource ?? '', cur.obj, next, opts.manager);
          const attrs = {
            operation: 'UPDATE',
            r: s,
            namespace,
            name,
            subresource: opts.subresource,
            obj: next,
            old: cur.obj,
            dryRun: opts.dryRun,
            user: opts.user,
            warnings: opts.warnings,
          } as const;
          if (opts.subresource !== 'status') {
            await runAdmission(this.admission, 'admit', this, attrs);
            const causes = [
              ...validateObject(r, next),
              ...(opts.validateUpdate ?? ((n: Obj, o: Obj) => validateObjectUpdate(r, n, o)))(next, cur.obj),
            ];
            if (causes.length) throw this.invalid(s, name, causes);
            await runAdmission(this.admission, 'validate', this, attrs);
          } else {
            const causes = validateStatusUpdate(s, next, cur.obj);
            if (causes.length) throw this.invalid(s, name, causes);
            await runAdmission(this.admission, 'validate', this, attrs);
          }
        } catch (e) {
          if (fromCache) {
            refresh();
            continue;
          }
          throw e;
        }
        if (same) {
          if (fromCache) {
            refresh();
            continue;
          }
          return cur.obj;
        }
        // Clearing the last finalizer of an object being deleted removes it.
        if (
          next.metadata.deletionTimestamp &&
          !(next.metadata.finalizers ?? []).length &&
          !next.metadata.deletionGracePeriodSeconds &&
          (s.strategy.deletion?.finalized?.(next) ?? true)
        ) {
          if (opts.dryRun) return next as KubeObject;
          const extra = hooks ? (await hooks.plan(undefined, cur.obj)).extra : undefined;
          const del = await this.store.delete(key, cur.rev, extra);
          if (del.ok) return { ...next, metadata: { ...next.metadata, resourceVersion: String(del.rev) } };
          if (!del.current) throw this.notFound(s, name);
          if (opts.precondition && !fromCache) throw new ApiError(statusFor.conflict(s, name));
          cur = del.current;
          fromCache = false;
          continue;
        }
        let extra: TxnExtra | undefined;
        if (hooks && opts.subresource !== 'status') {
          const plan = await hooks.plan(next, cur.obj);
          if (plan.causes.length) {
            if (fromCache) {
              refresh();
              continue;
            }
            throw this.invalid(s, name, plan.causes);
          }
          extra = plan.extra;
        }
        // a dry run answers the object as it would be, at the revision it was computed from (kubectl diff compares it)
        if (opts.dryRun) return { ...next, metadata: { ...next.metadata, resourceVersion: cur.obj.metadata.resourceVersion } };
        const res = await this.store.update(key, cur.rev, next as KubeObject, extra, { ttlSeconds: s.strategy.ttlSeconds });
        if (res.ok) return res.stored.obj;
        if (!res.current) throw this.notFound(s, name);
        if (opts.precondition && !fromCache) throw new ApiError(statusFor.conflict(s, name));
        // lost a race (or the cached copy was stale, or only the hooks' keys moved): go again
        cur = res.current;
        fromCache = false;
      }
      throw new ApiError(statusFor.conflict(s, name, 'too many concurrent updates, please retry'));
    };
    return hooks ? hooks.serialize(run) : run();
  }

  /** PUT: body (at the storage version) replaces the object (or its status); a body resourceVersion is a precondition. */
  async update(
    r: ServedResource,
    name: string,
    namespace: string | undefined,
    body: Obj,
    opts: WriteOptions & { subresource?: 'status' } = {},
  ): Promise<KubeObject> {
    const rv = body.metadata?.resourceVersion || undefined;
    return this.guaranteedUpdate(r, name, namespace, () => body, { ...opts, precondition: rv });
  }

  /** PATCH: the patch applies to the object as `r`'s version shows it. */
  async patch(
    r: ServedResource,
    name: string,
    namespace: string | undefined,
    type: Exclude<PatchType, 'apply'>,
    patch: unknown,
    opts: WriteOptions & { subresource?: 'status'; check?: (patched: Obj) => void } = {},
  ): Promise<KubeObject> {
    const rv = (patch as Obj | null)?.metadata?.resourceVersion;
    return this.guaranteedUpdate(
      r,
      name,
      namespace,
      (cur) => {
        const patched = applyPatch(type, toServed(r, cur), patch, kindSchema(r));
        if (
          !patched ||
          typeof patched !== 'object' ||
          Array.isArray(patched) ||
          typeof patched.metadata !== 'object' ||
          patched.metadata === null
        )
          throw new ApiError(statusFor.badRequest('the patch produced an object without metadata'));
        this.checkRevision(r, name, patched, cur);
        opts.check?.(patched);
        return toStorage(r, patched);
      },
      { ...opts, precondition: typeof rv === 'string' && rv ? rv : undefined },
    );
  }

  /** A patched or applied object that names another resourceVersion than the current one: 409 (upstream's precondition). */
  private checkRevision(r: ServedResource, name: string, obj: Obj, cur: KubeObject): void {
    const rv = obj.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv && rv !== cur.metadata.resourceVersion) throw new ApiError(statusFor.conflict(r.storage, name));
  }

  /**
   * Server-side apply of `config` (at `r`'s version) by `opts.manager` (upstream's applyPatcher): merged into
   * the object with its managedFields, or into a new object when there is none (not on /status).
   */
  async apply(
    r: ServedResource,
    name: string,
    namespace: string | undefined,
    config: Obj,
    opts: ApplyOptions,
  ): Promise<{ object: KubeObject; created: boolean }> {
    const sub = opts.subresource ?? '';
    const m = config.metadata;
    if (m !== undefined && (m === null || typeof m !== 'object' || Array.isArray(m)))
      throw new ApiError(statusFor.badRequest('metadata must be an object'));
    if (r.namespaced && m?.namespace && m.namespace !== namespace)
      throw new ApiError(statusFor.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
    const update = () =>
      this.guaranteedUpdate(
        r,
        name,
        namespace,
        (cur) => {
          const merged = applyWrite(this.kinds, r, sub, cur, config, opts.manager, opts.force);
          checkName(merged, name);
          this.checkRevision(r, name, merged, cur);
          return merged;
        },
        { dryRun: opts.dryRun, subresource: opts.subresource, applied: true, user: opts.user, warnings: opts.warnings },
      );
    try {
      return { object: await update(), created: false };
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404) || sub) throw e;
    }
    const merged = applyWrite(this.kinds, r, sub, undefined, config, opts.manager, opts.force);
    checkName(merged, name);
    if (merged.metadata?.uid)
      throw new ApiError(
        statusFor.conflict(
          r.storage,
          name,
          `uid mismatch: the provided object specified uid ${merged.metadata.uid}, and no existing object was found`,
        ),
      );
    if (merged.metadata?.resourceVersion) throw new ApiError(statusFor.conflict(r.storage, name));
    try {
      return {
        object: await this.create(r, namespace, merged, { dryRun: opts.dryRun, applied: true, user: opts.user, warnings: opts.warnings }),
        created: true,
      };
    } catch (e) {
      // created meanwhile by someone else: apply to it
      if (!(e instanceof ApiError && e.reason === 'AlreadyExists')) throw e;
      return { object: await update(), created: false };
    }
  }

  /** DELETE with upstream's graceful deletion and finalizers. Returns the object (last state or marked). */
  async delete(
    r: ServedResource,
    name: string,
    namespace: string | undefined,
    options: DeleteOptions = {},
    opts: WriteOptions = {},
  ): Promise<KubeObject> {
    const s = r.storage;
    const key = this.key(s, name, namespace);
    const hooks = s.strategy.storage;
    const run = async (): Promise<KubeObject> => {
      for (let i = 0; i < MAX_RETRIES; i++) {
        const cur = await this.store.get(key);
        if (!cur) throw this.notFound(s, name);
        const pre = options.preconditions;
        if (pre?.uid && pre.uid !== cur.obj.metadata.uid)
          throw new ApiError(
            statusFor.conflict(
              s,
              name,
              `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.obj.metadata.uid}`,
            ),
          );
        if (pre?.resourceVersion && pre.resourceVersion !== String(cur.rev))
          throw new ApiError(
            statusFor.conflict(
              s,
              name,
              `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.rev}`,
            ),
          );
        await runAdmission(this.admission, 'validate', this, {
          operation: 'DELETE',
          r: s,
          namespace,
          name,
          obj: cur.obj,
          old: cur.obj,
          dryRun: opts.dryRun,
          user: opts.user,
          warnings: opts.warnings,
        });
        const marked = markForDeletion(s, cur.obj, options);
        if (marked) {
          if (deepEqual(marked, cur.obj)) return cur.obj;
          if (opts.dryRun) return marked as KubeObject;
          const res = await this.store.update(key, cur.rev, marked as KubeObject);
          if (res.ok) return res.stored.obj;
          continue;
        }
        const extra = hooks ? (await hooks.plan(undefined, cur.obj)).extra : undefined;
        if (opts.dryRun) return cur.obj;
        const res = await this.store.delete(key, cur.rev, extra);
        if (res.ok) return { ...cur.obj, metadata: { ...cur.obj.metadata, resourceVersion: String(res.rev) } };
      }
      throw new ApiError(statusFor.conflict(s, name, 'too many concurrent updates, please retry'));
    };
    return hooks ? hooks.serialize(run) : run();
  }

  async deleteCollection(r: ServedResource, q: ListQuery, options: DeleteOptions, opts: WriteOptions = {}): Promise<KubeList> {
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
}

/**
 * The object marked for (graceful or finalizer-blocked) deletion, or undefined when it can go now.
 * Graceful deletion (a grace period > 0, from the kind's strategy) keeps it until a grace-0 DELETE.
 */
export function markForDeletion(r: ServedResource, cur: KubeObject, options: DeleteOptions, now = new Date()): Obj | undefined {
  const d = r.strategy.deletion;
  if (d?.mark) return d.mark(cur, options, now);
  const m = cur.metadata;
  // Foreground / Orphan propagation are finalizers the garbage collector acts on (as upstream).
  const policy = options.propagationPolicy ?? ((options as Obj).orphanDependents === true ? 'Orphan' : undefined);
  const gcFinalizer = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
  const finalizers = [...(m.finalizers ?? [])];
  if (gcFinalizer && !finalizers.includes(gcFinalizer) && !m.deletionTimestamp) finalizers.push(gcFinalizer);
  let grace = 0;
  if (d?.gracePeriod) {
    grace = Math.max(0, d.gracePeriod(cur, options));
    // already marked with a period no longer than this one: keep it
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

/** The object a write produced names the object of the URL (upstream's checkName). */
function checkName(obj: Obj, name: string): void {
  const n = obj.metadata?.name ?? '';
  if (n !== name) throw new ApiError(statusFor.badRequest(`the name of the object (${n}) does not match the name on the URL (${name})`));
}

export function withKind(r: ServedResource, o: KubeObject): KubeObject {
  if (o.kind && o.apiVersion) return o;
  return { ...o, apiVersion: r.apiVersion, kind: r.kind };
}
