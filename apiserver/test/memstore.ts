// An in-memory stand-in for the etcd Store, for unit tests that drive the whole apiserver in-process:
// revisions, conditioned writes and prefix watches as etcd has them (no compaction, no outages).
import { EventEmitter } from 'node:events';
import type { KubeObject } from '@minik8s/shared';
import { encodeObj, type Store, type Stored, type TxnExtra, type WriteResult } from '../src/storage/etcd';

interface Entry {
  value: string;
  modRev: number;
}

export class MemoryStore {
  private readonly data = new Map<string, Entry>();
  private readonly watchers = new Set<{ prefix: string; from: number; w: EventEmitter }>();
  private rev = 1;
  onCommit: (key: string, rev: number, obj?: KubeObject) => void = () => undefined;

  /** Typed as the real Store for the code under test. */
  get asStore(): Store {
    return this as unknown as Store;
  }

  private decode(key: string, e: Entry): Stored {
    const obj = JSON.parse(e.value) as KubeObject;
    (obj.metadata as { resourceVersion?: string }).resourceVersion = String(e.modRev);
    return { key, obj, rev: e.modRev };
  }

  private emit(type: 'Put' | 'Delete', key: string, value: string): void {
    const ev = { type, kv: { key: Buffer.from(key), value: Buffer.from(value), mod_revision: String(this.rev) } };
    for (const w of this.watchers) if (key.startsWith(w.prefix) && this.rev >= w.from) w.w.emit('data', { events: [ev] });
  }

  private compares(extra?: TxnExtra): boolean {
    return (extra?.compares ?? []).every((c) => (this.data.get(c.key)?.modRev ?? 0) === c.modRev);
  }

  private putExtra(extra?: TxnExtra): void {
    for (const p of extra?.puts ?? []) this.data.set(p.key, { value: p.value, modRev: this.rev });
  }

  async get(key: string): Promise<Stored | undefined> {
    const e = this.data.get(key);
    return e && this.decode(key, e);
  }

  async list(prefix: string): Promise<{ items: Stored[]; rev: number }> {
    const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
    return { items: keys.map((k) => this.decode(k, this.data.get(k)!)), rev: this.rev };
  }

  private async write(key: string, modRev: number, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    const cur = this.data.get(key);
    if ((cur?.modRev ?? 0) !== modRev || !this.compares(extra)) return { ok: false, current: cur && this.decode(key, cur) };
    this.rev++;
    const value = encodeObj(obj);
    this.data.set(key, { value, modRev: this.rev });
    this.putExtra(extra);
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(this.rev) } } as KubeObject;
    this.onCommit(key, this.rev, stored);
    this.emit('Put', key, value);
    return { ok: true, stored: { obj: stored, rev: this.rev } };
  }

  create(key: string, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    return this.write(key, 0, obj, extra);
  }

  update(key: string, modRev: number, obj: KubeObject, extra?: TxnExtra): Promise<WriteResult> {
    return this.write(key, modRev, obj, extra);
  }

  async delete(key: string, modRev: number, extra?: TxnExtra): Promise<{ ok: true; rev: number } | { ok: false; current?: Stored }> {
    const cur = this.data.get(key);
    if (!cur || cur.modRev !== modRev || !this.compares(extra)) return { ok: false, current: cur && this.decode(key, cur) };
    this.rev++;
    this.data.delete(key);
    this.putExtra(extra);
    this.onCommit(key, this.rev);
    this.emit('Delete', key, '');
    return { ok: true, rev: this.rev };
  }

  async getRaw(key: string): Promise<{ value?: Buffer; modRev: number }> {
    const e = this.data.get(key);
    return e ? { value: Buffer.from(e.value), modRev: e.modRev } : { modRev: 0 };
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async checkNotCompacted(): Promise<void> {}

  close(): void {}

  /** What WatchCache uses of the etcd3 client: prefix watches from a revision, attached at once. */
  readonly client = {
    watch: () => ({
      prefix: (prefix: string) => ({
        startRevision: (from: string) => ({
          watcher: () => {
            const w = Object.assign(new EventEmitter(), {
              cancel: async () => {
                this.watchers.delete(entry);
              },
            });
            const entry = { prefix, from: Number(from), w };
            this.watchers.add(entry);
            setImmediate(() => w.emit('connected', {}));
            return w;
          },
        }),
      }),
    }),
  };
}
