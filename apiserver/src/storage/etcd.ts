// The etcd store: every object lives at one key as JSON; resourceVersion is the key's etcd mod_revision.
// Writes are etcd transactions conditioned on mod_revision, so no read-modify-write can race.
import { Etcd3, type IKeyValue } from 'etcd3';
import { noop, ConstantBackoff } from 'cockatiel';
import type { KubeObject } from '@minik8s/shared';

/** etcd did not answer (down, timed out): the apiserver answers 503. */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`etcd unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StorageUnavailableError';
  }
}

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
  /** etcd's CA and this client's certificate (--etcd-cafile, --etcd-certfile, --etcd-keyfile). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** Deadline of every unary etcd call. */
  timeoutMs?: number;
  /** Observes the duration of each etcd call (metrics). */
  observe?: (op: string, seconds: number) => void;
  /** Called after every successful object write (create, update, delete) with the key, its new revision and the stored object (none for a delete). */
  onCommit?: (key: string, rev: number, obj?: KubeObject) => void;
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

export class Store {
  readonly client: Etcd3;
  private readonly observe: (op: string, seconds: number) => void;
  private readonly onCommit: (key: string, rev: number, obj?: KubeObject) => void;

  constructor(opts: StoreOptions) {
    const timeoutMs = opts.timeoutMs ?? 3000;
    this.observe = opts.observe ?? (() => undefined);
    this.onCommit = opts.onCommit ?? (() => undefined);
    this.client = new Etcd3({
      hosts: opts.endpoints,
      ...(opts.tls?.ca ? { credentials: { rootCertificate: opts.tls.ca, certChain: opts.tls.cert, privateKey: opts.tls.key } } : {}),
      dialTimeout: timeoutMs,
      // Fail fast and let the caller answer 503; grpc-js reconnects on its own, quickly.
      faultHandling: { host: () => noop, global: noop, watchBackoff: new ConstantBackoff(500).next() },
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeoutMs }),
      // channelz bookkeeping costs CPU on every call and nothing here reads it
      grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 200, 'grpc.max_reconnect_backoff_ms': 1000, 'grpc.enable_channelz': 0 },
    });
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const t0 = process.hrtime.bigint();
    try {
      return await fn();
    } catch (e) {
      if (isCompacted(e)) throw new CompactedError();
      if (isFutureRev(e)) throw e;
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
  async create(key: string, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    return this.write('create', key, 0, obj, extra);
  }

  /** Replace key only if its mod_revision is still modRev. */
  async update(key: string, modRev: number, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    return this.write('update', key, modRev, obj, extra);
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

  private async write(op: string, key: string, modRev: number, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    const value = encodeObj(obj);
    const res = await this.call(op, () => {
      let t = this.client.if(key, 'Mod', '==', modRev);
      for (const c of extra?.compares ?? []) t = t.and(c.key, 'Mod', '==', c.modRev);
      return t
        .then(this.client.put(key).value(value), ...(extra?.puts ?? []).map((p) => this.client.put(p.key).value(p.value)))
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

  close(): void {
    this.client.close();
  }
}
