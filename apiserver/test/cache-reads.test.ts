// GETs served from the watch cache: only while its etcd watch is attached and it has seen every revision
// this apiserver committed (or read from etcd) for the type; otherwise from etcd. The events of this
// apiserver's own writes carry the written object. Fake etcd watcher/store.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@minik8s/shared';
import type { Store, Stored } from '../src/storage/etcd';
import { WatchCache, jsonOf } from '../src/storage/watchcache';
import { Registry } from '../src/registry/registry';
import { serialize } from '../src/routes/api';
import { kind, kinds } from './kinds';

const R = { configmaps: kind('configmaps') };

const KEY = '/registry/configmaps/default/a';
const cm = (v: string, rev: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default', resourceVersion: String(rev) }, data: { v } });

function setup() {
  const watcher = Object.assign(new EventEmitter(), { cancel: async () => undefined });
  let etcd: Stored | undefined = { key: KEY, obj: cm('etcd', 3), rev: 3 };
  const etcdGets: string[] = [];
  const store = {
    list: async () => ({ items: [{ key: KEY, obj: cm('listed', 3), rev: 3 }], rev: 5 }),
    get: async (key: string) => {
      etcdGets.push(key);
      return etcd;
    },
    client: { watch: () => ({ prefix: () => ({ startRevision: () => ({ watcher: () => watcher }) }) }) },
  } as unknown as Store;
  const registry = new Registry(store, '/registry', kinds);
  const cache = new WatchCache(store, registry.prefix(R.configmaps));
  registry.caches.set(R.configmaps, cache);
  const put = (v: string, rev: number) =>
    watcher.emit('data', { events: [{ type: 'Put', kv: { key: Buffer.from(KEY), value: Buffer.from(JSON.stringify(cm(v, 0))), mod_revision: String(rev) } }] });
  const get = async () => ((await registry.get(R.configmaps, 'a', 'default')) as { data?: Record<string, string> }).data?.v;
  return { watcher, registry, cache, put, get, etcdGets, setEtcd: (s: Stored | undefined) => (etcd = s) };
}

describe('GET from the watch cache', () => {
  it('reads etcd until the etcd watch is attached, then memory', async () => {
    const t = setup();
    await t.cache.ready();
    expect(await t.get()).toBe('etcd');
    expect(t.etcdGets).toHaveLength(1);
    t.watcher.emit('connected', {});
    expect(await t.get()).toBe('listed');
    await expect(t.registry.get(R.configmaps, 'missing', 'default')).rejects.toMatchObject({ code: 404 });
    expect(t.etcdGets).toHaveLength(1);
    t.watcher.emit('disconnected', new Error('etcd went away'));
    expect(await t.get()).toBe('etcd');
    expect(t.etcdGets).toHaveLength(2);
  });

  it('waits for the watch to deliver a write this apiserver committed (read-your-writes)', async () => {
    const t = setup();
    await t.cache.ready();
    t.watcher.emit('connected', {});
    t.registry.committed(KEY, 8);
    t.registry.committed('/registry/secrets/default/a', 99); // a write of another type does not hold this cache back
    t.setEtcd({ key: KEY, obj: cm('written', 8), rev: 8 });
    expect(await t.get()).toBe('written');
    t.put('older', 7);
    expect(await t.get()).toBe('written');
    t.put('written', 8);
    const before = t.etcdGets.length;
    expect(await t.get()).toBe('written');
    expect(t.etcdGets).toHaveLength(before);
  });

  it('never goes back behind a revision a client already read from etcd (monotonic reads)', async () => {
    const t = setup();
    await t.cache.ready();
    t.setEtcd({ key: KEY, obj: cm('newer', 9), rev: 9 }); // written behind this apiserver's back
    expect(await t.get()).toBe('newer'); // not attached yet: from etcd
    t.watcher.emit('connected', {});
    t.setEtcd({ key: KEY, obj: cm('newest', 10), rev: 10 });
    expect(await t.get()).toBe('newest'); // the cache (rev 5) has not seen 9 yet
    t.put('newer', 9);
    t.put('newest', 10);
    const before = t.etcdGets.length;
    expect(await t.get()).toBe('newest');
    expect(t.etcdGets).toHaveLength(before);
  });
});

describe('writes of this apiserver in the watch cache', () => {
  it("keeps the written object for its own revision's event, and decodes every other event", async () => {
    const t = setup();
    await t.cache.ready();
    t.watcher.emit('connected', {});
    const mine = cm('mine', 8);
    t.registry.committed(KEY, 8, mine);
    t.put('mine', 8);
    expect(t.cache.state.get(KEY)).toBe(mine); // one object (and one JSON) for the reply and every watcher
    t.put('theirs', 9); // another apiserver's write
    expect(t.cache.state.get(KEY)).not.toBe(mine);
    expect(await t.get()).toBe('theirs');
  });

  it('keeps a later write of the key for its own event when an earlier event arrives first', async () => {
    const t = setup();
    await t.cache.ready();
    const second = cm('second', 9);
    t.registry.committed(KEY, 8, cm('first', 8));
    t.registry.committed(KEY, 9, second);
    t.put('first', 8);
    expect(t.cache.state.get(KEY)?.data).toEqual({ v: 'first' });
    t.put('second', 9);
    expect(t.cache.state.get(KEY)).toBe(second);
  });
});

describe('response serialization', () => {
  it('serializes an object once and assembles lists from the items', () => {
    const o = cm('x', 4);
    expect(jsonOf(o)).toBe(JSON.stringify(o));
    expect(jsonOf(o)).toBe(jsonOf(o));
    const list = { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '4' }, items: [o, cm('y', 5)] };
    expect(JSON.parse(serialize(list))).toEqual(list);
    expect(JSON.parse(serialize({ ...list, items: [] }))).toEqual({ ...list, items: [] });
    expect(JSON.parse(serialize({ items: [o] } as never))).toEqual({ items: [o] });
  });
});
