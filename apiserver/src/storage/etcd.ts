// The etcd store: every object lives at one key as JSON; resourceVersion is the key's etcd mod_revision.
// Writes are etcd transactions conditioned on mod_revision, so no read-modify-write can race.
import { Etcd3, type IKeyValue } from 'etcd3';
import { noop, ConstantBackoff } from 'cockatiel';
import type { KubeObject } from '@minik8s/shared';
import { guardWatchManager, type StrayWatchResponse } from './watchguard';

/** etcd did not answer (down, timed out): the apiserver answers 503. */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`etcd unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StorageUnavailableError';
  }
}

/** etcd's NOSPACE alarm is raised (--quota-backend-bytes reached): it takes reads and deletes, no writes. */
export class StorageQuotaError extends Error {
  constructor(cause: unknown) {
    super('etcdserver: mvcc: database space exceeded', { cause });
    this.name = 'StorageQuotaError';
  }
}

/** An object whose encoding exceeds what etcd takes in one request (--max-request-bytes). */
export class ObjectTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`limit is ${limit}`);
    this.name = 'ObjectTooLargeError';
  }
}

/** etcd's default --max-request-bytes (1.5 MiB): the largest object a write may carry. */
export const MAX_OBJECT_BYTES = 1.5 * 1024 * 1024;

/** The requested revision was compacted away. */
export class CompactedError extends Error {
  constructor(message = 'required revision has been compacted') {
    super(message);
    this.name = 'CompactedError';
  }
}

export interface Stored {
  key?: string;
  obj: KubeObject;
  /** mod_revision of the key */
  rev: number;
}

/** Extra keys written in the same transaction as an object (e.g. IP allocation bitmaps). */
export interface TxnExtra {
  /** Each key must still have this mod_revision (0 = absent). */
  compares: { key: string; modRev: number }[];
  puts: { key: string; value: string }[];
}

export interface StoreOptions {
  endpoints: string[];
  /** Hears of each etcd watch response for a watcher the client no longer tracks (see watchguard). */
  onStrayWatchResponse?: (s: StrayWatchResponse) => void;
  /** Deadline of every unary etcd call. */
  timeoutMs?: number;
  /** Observes the duration of each etcd call (metrics). */
  observe?: (op: string, seconds: number) => void;
  /** Called after every successful object write (create, update, delete) with the key, its new revision and the stored object (none for a delete). */
  onCommit?: (key: string, rev: number, obj?: KubeObject) => void;
  /** The largest encoded object a write may carry (default MAX_OBJECT_BYTES). */
  maxObjectBytes?: number;
}

/** Write options: a TTL makes the key expire with an etcd lease (upstream's TTLFunc, e.g. --event-ttl). */
export interface PutOptions {
  ttlSeconds?: number;
}

export type WriteResult = { ok: true; stored: Stored } | { ok: false; current?: Stored };

export function decodeKv(kv: IKeyValue): Stored {
  const obj = JSON.parse(kv.value.toString()) as KubeObject;
  const rev = Number(kv.mod_revision);
  obj.metadata = obj.metadata ?? {};
  (obj.metadata as { resourceVersion?: string }).resourceVersion = String(rev);
  return { key: kv.key.toString(), obj, rev };
}

/** Objects are stored without resourceVersion: etcd's mod_revision is the truth. */
export function encodeObj(obj: KubeObject): string {
  const { resourceVersion: _rv, ...meta } = obj.metadata ?? {};
  return JSON.stringify({ ...obj, metadata: meta });
}

export function prefixEnd(prefix: string): string {
  // The smallest key greater than every key starting with prefix (prefixes here end in '/').
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function isCompacted(e: unknown): boolean {
  return e instanceof Error && /compacted/i.test(e.message);
}

function isFutureRev(e: unknown): boolean {
  return e instanceof Error && /future revision/i.test(e.message);
}

const isNoSpace = (e: unknown) => e instanceof Error && /database space exceeded|NOSPACE/i.test(e.message);
const isTooLarge = (e: unknown) => e instanceof Error && /request is too large/i.test(e.message);

/**
 * Leases for keys that expire, shared by the writes of a minute as upstream's storage LeaseManager does (one
 * lease per write would load etcd): a lease is reused while it still has at least the TTL minus one minute.
 */
class LeaseReuse {
  private current?: { id: Promise<string>; ttl: number; granted: number };
  constructor(private readonly grant: (ttl: number) => Promise<string>) {}

  get(ttlSeconds: number): Promise<string> {
    const now = Date.now();
    const reuseMs = Math.min(60_000, ttlSeconds * 50);
    const c = this.current;
    if (c && c.ttl === ttlSeconds + Math.ceil(reuseMs / 1000) && now - c.granted < reuseMs) return c.id;
    // the lease outlives its last reuse by the full TTL
    const ttl = ttlSeconds + Math.ceil(reuseMs / 1000);
    const id = this.grant(ttl);
    this.current = { id, ttl, granted: now };
    id.catch(() => {
      if (this.current?.id === id) this.current = undefined;
    });
    return id;
  }
}

export class Store {
  readonly client: Etcd3;
  private readonly observe: (op: string, seconds: number) => void;
  private readonly onCommit: (key: string, rev: number, obj?: KubeObject) => void;
  readonly maxObjectBytes: number;
  private readonly leases: LeaseReuse;

  constructor(opts: StoreOptions) {
    const timeoutMs = opts.timeoutMs ?? 3000;
    this.maxObjectBytes = opts.maxObjectBytes ?? MAX_OBJECT_BYTES;
    this.observe = opts.observe ?? (() => undefined);
    this.onCommit = opts.onCommit ?? (() => undefined);
    this.client = new Etcd3({
      hosts: opts.endpoints,
      dialTimeout: timeoutMs,
      // Fail fast and let the caller answer 503; grpc-js reconnects on its own, quickly.
      faultHandling: { host: () => noop, global: noop, watchBackoff: new ConstantBackoff(500).next() },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      // channelz bookkeeping costs CPU on every call and nothing here reads it
      // lists are as large as etcd holds (upstream sets MaxCallRecvMsgSize to MaxInt32 too); grpc's 4 MiB default would fail them
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000, 'grpc.enable_channelz': 0, 'grpc.max_receive_message_length': 2 ** 31 - 1 },
    });
    guardWatchManager(this.client, opts.onStrayWatchResponse ?? (() => undefined));
    this.leases = new LeaseReuse((ttl) => this.call('lease', () => this.client.leaseClient.leaseGrant({ TTL: ttl })).then((r) => r.ID));
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await fn();
    } catch (e) {
      if (isCompacted(e)) throw new CompactedError();
      if (isFutureRev(e)) throw e;
      if (isNoSpace(e)) throw new StorageQuotaError(e);
      if (isTooLarge(e)) throw new ObjectTooLargeError(this.maxObjectBytes);
      throw new StorageUnavailableError(e);
    } finally {
      this.observe(op, Number(process.hrtime.bigint() - t0) / 1e9);
    }
  }

  async get(key: string): Promise<Stored | undefined> {
    const res = await this.call('get', () => this.client.get(key).exec());
    return res.kvs.length ? decodeKv(res.kvs[0]) : undefined;
  }

  /** Every object under prefix (which ends in '/'), at the given revision or the latest; with the read's revision. */
  async list(prefix: string, revision?: number): Promise<{ items: Stored[]; rev: number }> {
    const res = await this.call('list', () => {
      const b = this.client.getAll().prefix(prefix);
      if (revision) b.revision(revision);
      return b.exec();
    });
    return { items: res.kvs.map(decodeKv), rev: revision ?? Number(res.header.revision) };
  }

  /** Create key only if it is absent (plus extra compares/puts in the same txn). */
  async create(key: string, obj: KubeObject, extra?: TxnExtra, opts: PutOptions = {}): Promise<WriteResult> {
    return this.write('create', key, 0, obj, extra, opts);
  }

  /** Replace key only if its mod_revision is still modRev. */
  async update(key: string, modRev: number, obj: KubeObject, extra?: TxnExtra, opts: PutOptions = {}): Promise<WriteResult> {
    return this.write('update', key, modRev, obj, extra, opts);
  }

  /** Delete key only if its mod_revision is still modRev; returns the deletion revision. */
  async delete(key: string, modRev: number, extra?: TxnExtra): Promise<{ ok: true; rev: number } | { ok: false; current?: Stored }> {
    const res = await this.call('delete', () => {
      let t = this.client.if(key, 'Mod', '==', modRev);
      for (const c of extra?.compares ?? []) t = t.and(c.key, 'Mod', '==', c.modRev);
      return t
        .then(this.client.delete().key(key), ...(extra?.puts ?? []).map((p) => this.client.put(p.key).value(p.value)))
        .else(this.client.get(key))
        .commit();
    });
    if (res.succeeded) {
      const rev = Number(res.header.revision);
      this.onCommit(key, rev);
      return { ok: true, rev };
    }
    const kvs = res.responses[0]?.response_range?.kvs ?? [];
    return { ok: false, current: kvs.length ? decodeKv(kvs[0]) : undefined };
  }

  private async write(op: string, key: string, modRev: number, obj: KubeObject, extra?: TxnExtra, opts: PutOptions = {}): Promise<WriteResult> {
    const value = encodeObj(obj);
    // etcd would refuse it (request is too large); say so before the round trip
    if (Buffer.byteLength(value) > this.maxObjectBytes) throw new ObjectTooLargeError(this.maxObjectBytes);
    const lease = opts.ttlSeconds ? await this.leases.get(opts.ttlSeconds) : undefined;
    const res = await this.call(op, () => {
      let t = this.client.if(key, 'Mod', '==', modRev);
      for (const c of extra?.compares ?? []) t = t.and(c.key, 'Mod', '==', c.modRev);
      const put = this.client.put(key).value(value);
      if (lease) put.lease(lease);
      return t
        .then(put, ...(extra?.puts ?? []).map((p) => this.client.put(p.key).value(p.value)))
        .else(this.client.get(key))
        .commit();
    });
    if (res.succeeded) {
      const rev = Number(res.header.revision);
      const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rev) } } as KubeObject;
      this.onCommit(key, rev, stored);
      return { ok: true, stored: { obj: stored, rev } };
    }
    const kvs = res.responses[0]?.response_range?.kvs ?? [];
    return { ok: false, current: kvs.length ? decodeKv(kvs[0]) : undefined };
  }

  /** A raw value and its mod_revision (0 when absent), for non-object keys such as allocation bitmaps. */
  async getRaw(key: string): Promise<{ value?: Buffer; modRev: number }> {
    const res = await this.call('get', () => this.client.get(key).exec());
    return res.kvs.length ? { value: res.kvs[0].value, modRev: Number(res.kvs[0].mod_revision) } : { modRev: 0 };
  }

  async putRaw(key: string, value: string): Promise<void> {
    await this.call('put', () => this.client.put(key).value(value).exec());
  }

  /** The current etcd revision (also a cheap health probe). */
  async currentRevision(): Promise<number> {
    const res = await this.call('get', () => this.client.get('/registry/health').exec());
    return Number(res.header.revision);
  }

  /** Throws CompactedError when events after `rev` are no longer available in etcd. */
  async checkNotCompacted(rev: number): Promise<void> {
    try {
      await this.call('get', () => this.client.get('/registry/health').revision(rev + 1).exec());
    } catch (e) {
      if (isFutureRev(e)) return;
      throw e;
    }
  }

  async compact(rev: number): Promise<void> {
    await this.call('compact', () => this.client.kv.compact({ revision: String(rev), physical: false }));
  }

  /** The member's database size (allocated and in use, bytes) and its raised alarms. */
  async status(): Promise<{ dbSize: number; dbSizeInUse: number; alarms: string[] }> {
    const st = await this.call('status', () => this.client.maintenance.status());
    const alarms = await this.call('alarm', () => this.client.maintenance.alarm({ action: 'Get' }));
    return { dbSize: Number(st.dbSize), dbSizeInUse: Number(st.dbSizeInUse ?? st.dbSize), alarms: (alarms.alarms ?? []).map((a) => String(a.alarm)) };
  }

  /** Give the space freed by compaction back to the file system (blocks the member while it runs). */
  async defragment(): Promise<void> {
    await this.call('defragment', () => this.client.maintenance.defragment({ deadline: Date.now() + 60_000 }));
  }

  /** Clear the NOSPACE alarms of every member that raised one (after a defragmentation freed space). */
  async disarmNoSpace(): Promise<void> {
    const raised = await this.call('alarm', () => this.client.maintenance.alarm({ action: 'Get' }));
    for (const a of raised.alarms ?? [])
      if (String(a.alarm).toLowerCase() === 'nospace') await this.call('alarm', () => this.client.maintenance.alarm({ action: 'Deactivate', alarm: 'Nospace', memberID: a.memberID }));
  }

  close(): void {
    this.client.close();
  }
}
