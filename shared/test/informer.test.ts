import { createServer } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, InformerFactory, R, Store, diffForReplace, until, type KubeObject } from '../src';
import { FakePods } from './fake-apiserver';

const obj = (name: string, ns: string | undefined, rv: string, labels: Record<string, string> = {}): KubeObject => ({
  metadata: { name, namespace: ns, resourceVersion: rv, labels, uid: `u-${name}` },
});

describe('Store', () => {
  it('keeps the namespace index and custom indexes current', () => {
    const s = new Store();
    s.addIndexer('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
    s.upsert(obj('a', 'ns1', '1', { app: 'web' }));
    s.upsert(obj('b', 'ns1', '1', { app: 'db' }));
    s.upsert(obj('c', 'ns2', '1', { app: 'web' }));
    s.upsert(obj('n1', undefined, '1'));
    expect(s.byIndex('namespace', 'ns1').map((o) => o.metadata.name).sort()).toEqual(['a', 'b']);
    expect(s.byIndex('namespace', '').map((o) => o.metadata.name)).toEqual(['n1']);
    expect(s.byIndex('app', 'web').map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
    s.upsert(obj('a', 'ns1', '2', { app: 'db' }));
    expect(s.byIndex('app', 'web').map((o) => o.metadata.name)).toEqual(['c']);
    expect(s.indexKeys('app', 'db').sort()).toEqual(['ns1/a', 'ns1/b']);
    expect(s.delete('ns1/b')?.metadata.name).toBe('b');
    expect(s.byIndex('app', 'db').map((o) => o.metadata.name)).toEqual(['a']);
    expect(s.get('ns2/c')?.metadata.name).toBe('c');
    expect(s.getByName(undefined, 'n1')?.metadata.name).toBe('n1');
    expect(s.keys().sort()).toEqual(['n1', 'ns1/a', 'ns2/c']);
    expect(s.byIndex('app', 'none')).toEqual([]);
    expect(() => s.byIndex('nope', 'x')).toThrow(/index "nope" does not exist/);
    // An index added later covers existing objects.
    s.addIndexer('name', (o) => [o.metadata.name!]);
    expect(s.byIndex('name', 'c')).toHaveLength(1);
  });
});

describe('diffForReplace', () => {
  it('finds adds, updates (resourceVersion or uid changed) and deletes', () => {
    const cached = new Map<string, KubeObject>([
      ['d/same', obj('same', 'd', '1')],
      ['d/changed', obj('changed', 'd', '1')],
      ['d/gone', obj('gone', 'd', '1')],
    ]);
    const recreated = { ...obj('same2', 'd', '1') };
    cached.set('d/same2', recreated);
    const d = diffForReplace(cached, [obj('same', 'd', '1'), obj('changed', 'd', '5'), obj('new', 'd', '6'), { metadata: { ...recreated.metadata, uid: 'other' } }]);
    expect(d.added.map((o) => o.metadata.name)).toEqual(['new']);
    expect(d.updated.map((u) => [u.old.metadata.resourceVersion, u.cur.metadata.name, u.cur.metadata.resourceVersion])).toEqual([
      ['1', 'changed', '5'],
      ['1', 'same2', '1'],
    ]);
    expect(d.deleted.map((o) => o.metadata.name)).toEqual(['gone']);
    expect(diffForReplace(new Map(), [])).toEqual({ added: [], updated: [], deleted: [] });
  });
});

describe('Informer against a fake apiserver', { timeout: 30_000 }, () => {
  let fake: FakePods;
  let client: ApiClient;
  let factory: InformerFactory;
  beforeEach(async () => {
    fake = new FakePods();
    await fake.start();
    client = new ApiClient({ server: fake.url });
    factory = new InformerFactory(client);
  });
  afterEach(async () => {
    await factory.stop();
    client.close();
    fake.stop();
  });

  it('lists in pages, watches from the list RV, and relists after 410 with a diff', async () => {
    for (let i = 0; i < 5; i++) fake.put(`p${i}`, { app: 'a' }, 'default', true);
    fake.compacted = fake.rev; // nothing before the list is in the log
    const inf = factory.informer(R.pods, { pageSize: 2 });
    expect(factory.informer(R.pods, { pageSize: 2 })).toBe(inf);
    const seen: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (o, n) => seen.push(`update ${n.metadata.name} ${o.metadata.resourceVersion}->${n.metadata.resourceVersion}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    const order: string[] = [];
    inf.addEventHandler({ onAdd: (o) => order.push(`second ${o.metadata.name}`) });
    await factory.start();
    expect(inf.hasSynced()).toBe(true);
    expect(inf.store.keys().sort()).toEqual(['default/p0', 'default/p1', 'default/p2', 'default/p3', 'default/p4']);
    expect(fake.requests.filter((r) => r.includes('continue='))).toHaveLength(2);
    expect(seen).toHaveLength(5);
    expect(order).toHaveLength(5);

    await until('watch connected', () => fake.watchers.size === 1);
    const watchReq = fake.requests.find((r) => r.includes('watch=1'))!;
    expect(watchReq).toContain(`resourceVersion=${15}`);
    expect(watchReq).toContain('allowWatchBookmarks=true');
    seen.length = 0;
    fake.put('new', { app: 'b' });
    fake.put('p0', { app: 'changed' });
    fake.del('p1');
    await until('watch events', () => seen.length === 3);
    expect(seen).toEqual(['add new', 'update p0 11->17', 'delete p1']);
    expect(inf.store.get('default/p0')?.metadata.labels).toEqual({ app: 'changed' });
    expect(inf.store.get('default/p1')).toBeUndefined();
    fake.bookmark();
    await until('bookmark', () => inf.lastSyncResourceVersion() === '19');

    // Changes the informer never sees as events: compaction + dropped watch → 410 → relist and diff.
    seen.length = 0;
    fake.compactAndDrop();
    fake.put('p2', { app: 'silent' }, 'default', true);
    fake.del('p3', 'default', true);
    fake.put('late', {}, 'default', true);
    fake.compacted = fake.rev;
    await until('relist diff', () => seen.length === 3);
    expect(seen.sort()).toEqual(['add late', 'delete p3', 'update p2 13->20']);
    expect(inf.store.keys().sort()).toEqual(['default/late', 'default/new', 'default/p0', 'default/p2', 'default/p4']);
    await until('watch again', () => fake.watchers.size === 1);
    seen.length = 0;
    fake.put('after', {});
    await until('event after relist', () => seen.length === 1);
    expect(seen).toEqual(['add after']);
  });

  it('replays the cache to a handler added after sync and survives a throwing handler', async () => {
    fake.put('a', {}, 'ns1', true);
    fake.put('b', {}, 'ns2', true);
    const inf = factory.informer(R.pods);
    inf.addEventHandler({ onAdd: () => { throw new Error('handler bug'); } });
    await factory.start();
    const late: string[] = [];
    inf.addEventHandler({ onAdd: (o) => late.push(o.metadata.name!) });
    expect(late.sort()).toEqual(['a', 'b']);
    expect(inf.store.byIndex('namespace', 'ns2').map((o) => o.metadata.name)).toEqual(['b']);
    await until('watch', () => fake.watchers.size === 1);
    fake.put('c', {}, 'ns1');
    await until('c', () => late.includes('c'));
  });

  it('keeps retrying until the server answers, then syncs', async () => {
    fake.stop();
    const port = new URL(fake.url).port;
    const c2 = new ApiClient({ server: fake.url });
    const f2 = new InformerFactory(c2);
    const inf = f2.informer(R.pods);
    const started = f2.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(inf.hasSynced()).toBe(false);
    // The server comes back on the same port: the informer's retry finds it.
    const s = createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (req.url!.includes('watch=1')) return;
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '3' }, items: [obj('x', 'default', '3')] }));
    });
    await new Promise<void>((r) => s.listen(Number(port), '127.0.0.1', r));
    await started;
    expect(inf.store.keys()).toEqual(['default/x']);
    await f2.stop();
    c2.close();
    s.closeAllConnections();
    s.close();
  });
});
