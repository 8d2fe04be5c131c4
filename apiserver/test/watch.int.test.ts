// Watch semantics on real etcd: resume exactly once and in order, selectors (indexed spec.nodeName too), synthetic ADDED,
// 410 after compaction, and an informer relisting across an apiserver restart + compaction; the etcd client
// surviving etcd's answer for a watch it dropped after compaction.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, InformerFactory, R } from '@minik8s/shared';
import { freePort, startApiserver, startComponent, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { Store } from '../src/storage/etcd';
import type { StrayWatchResponse } from '../src/storage/watchguard';
import { call, pod, watch } from './helpers';

let api: Apiserver;
let U: string;
const C = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  api = await startApiserver();
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', '/api/v1/namespaces/default')).code === 200);
});
afterAll(stopAll);

type Ev = { type: string; name: string; rv: string };
const cm = (name: string, v: string, labels: Record<string, string> = {}) => ({ metadata: { name, labels }, data: { v } });

describe('watch', () => {
  it('resumes from the last resourceVersion and sees every change exactly once, in order', async () => {
    const start = (await call(U, 'GET', C)).body.metadata.resourceVersion;
    const expected: Ev[] = [];
    const write = async (method: string, name: string, body?: unknown) => {
      const path = method === 'POST' ? C : `${C}/${name}`;
      const r = await call(U, method, path, body, method === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      expect(r.code).toBeLessThan(300);
      expected.push({ type: method === 'POST' ? 'ADDED' : method === 'DELETE' ? 'DELETED' : 'MODIFIED', name, rv: r.body.metadata.resourceVersion });
    };
    const w1 = await watch(U, `${C}?watch=1&resourceVersion=${start}`);
    expect(w1.code).toBe(200);
    for (let i = 0; i < 10; i++) await write('POST', `res-${i}`, cm(`res-${i}`, '0'));
    await waitFor('first events', () => w1.events.length >= 10);
    w1.stop();
    const got: Ev[] = w1.events.map((e) => ({ type: e.type, name: e.object.metadata.name, rv: e.object.metadata.resourceVersion }));
    // changes while nobody watches
    for (let i = 0; i < 10; i++) await write('PATCH', `res-${i}`, { data: { v: '1' } });
    for (let i = 0; i < 5; i++) await write('DELETE', `res-${i}`);
    const w2 = await watch(U, `${C}?watch=1&resourceVersion=${got[got.length - 1].rv}`);
    for (let i = 5; i < 10; i++) await write('PUT', `res-${i}`, cm(`res-${i}`, '2'));
    await waitFor('resumed events', () => got.length + w2.events.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300)); // would reveal duplicates
    w2.stop();
    got.push(...w2.events.map((e) => ({ type: e.type, name: e.object.metadata.name, rv: e.object.metadata.resourceVersion })));
    expect(got).toEqual(expected);
    expect(w2.events.every((e) => e.object.kind === 'ConfigMap' && e.object.apiVersion === 'v1')).toBe(true);
  });

  it('applies selectors on the server: an object that stops matching is DELETED for that watcher', async () => {
    const w = await watch(U, `${C}?watch=true&labelSelector=team%3Dblue`);
    await call(U, 'POST', C, cm('sel-1', 'x', { team: 'blue' }));
    await call(U, 'POST', C, cm('sel-2', 'x', { team: 'red' }));
    await call(U, 'PATCH', `${C}/sel-1`, { metadata: { labels: { team: 'red' } } }, 'application/merge-patch+json');
    await call(U, 'PATCH', `${C}/sel-2`, { metadata: { labels: { team: 'blue' } } }, 'application/merge-patch+json');
    await call(U, 'DELETE', `${C}/sel-2`);
    await waitFor('selector events', () => w.events.length >= 4);
    await new Promise((r) => setTimeout(r, 200));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED sel-1', 'DELETED sel-1', 'ADDED sel-2', 'DELETED sel-2']);
  });

  it("serves a kubelet's spec.nodeName watch (indexed) its node's pods only, binding included", async () => {
    const P = '/api/v1/namespaces/default/pods';
    const w = await watch(U, `${P}?watch=1&fieldSelector=spec.nodeName%3Dnode-a`);
    for (const name of ['idx-1', 'idx-2']) expect((await call(U, 'POST', P, pod(name))).code).toBe(201);
    const bind = (name: string, node: string) => call(U, 'POST', `${P}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { kind: 'Node', name: node } });
    expect((await bind('idx-1', 'node-a')).code).toBe(201);
    expect((await bind('idx-2', 'node-b')).code).toBe(201);
    for (const name of ['idx-1', 'idx-2']) await call(U, 'PATCH', `${P}/${name}/status`, { status: { phase: 'Running' } }, 'application/merge-patch+json');
    await call(U, 'DELETE', `${P}/idx-1?gracePeriodSeconds=0`);
    await call(U, 'DELETE', `${P}/idx-2?gracePeriodSeconds=0`);
    // events arrive in order: once the last one is in, nothing else is coming for the ones before
    await call(U, 'POST', P, pod('idx-3', {}, { nodeName: 'node-a' }));
    await waitFor('idx-3 on node-a', () => w.events.some((e) => e.object.metadata.name === 'idx-3'));
    w.stop();
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED idx-1', 'MODIFIED idx-1', 'DELETED idx-1', 'ADDED idx-3']);
  });

  it('starts with synthetic ADDED events without a resourceVersion, and honours timeoutSeconds', async () => {
    await call(U, 'POST', C, cm('init-1', 'x'));
    const w = await watch(U, `${C}?watch=1&fieldSelector=metadata.name%3Dinit-1&timeoutSeconds=1`);
    await w.ended;
    expect(w.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED init-1']);
  });

  it('sends BOOKMARK events with a current resourceVersion when asked', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const bm = await startComponent('apiserver', ['--etcd-servers', api.etcd.endpoint, '--bind-address', '127.0.0.1', '--secure-port', String(port)], `${url}/healthz`, { MINIK8S_BOOKMARK_INTERVAL_MS: '300' });
    const rv = (await call(url, 'POST', C, cm('bm-1', 'x'))).body.metadata.resourceVersion;
    const w = await watch(url, `${C}?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=2`);
    const plain = await watch(url, `${C}?watch=1&resourceVersion=${rv}&timeoutSeconds=2`);
    await Promise.all([w.ended, plain.ended]);
    const marks = w.events.filter((e) => e.type === 'BOOKMARK');
    expect(marks.length).toBeGreaterThan(0);
    expect(marks[0].object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Number(marks[0].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    expect(plain.events.filter((e) => e.type === 'BOOKMARK')).toEqual([]);
    await bm.kill();
  });

  it('answers 410 Expired for a compacted resourceVersion', async () => {
    const old = (await call(U, 'POST', C, cm('compact-1', 'x'))).body.metadata.resourceVersion;
    await call(U, 'PATCH', `${C}/compact-1`, { data: { v: 'y' } }, 'application/merge-patch+json');
    // compact past old+1: events after `old` are then gone
    const cur = (await call(U, 'PATCH', `${C}/compact-1`, { data: { v: 'z' } }, 'application/merge-patch+json')).body.metadata.resourceVersion;
    execFileSync('etcdctl', ['--endpoints', api.etcd.endpoint, 'compact', cur], { env: { ...process.env, ETCDCTL_API: '3' } });
    const r = await call(U, 'GET', `${C}?watch=1&resourceVersion=${old}`);
    expect(r.code).toBe(410);
    expect(r.body).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    // a current resourceVersion still works
    const ok = await watch(U, `${C}?watch=1&resourceVersion=${cur}&timeoutSeconds=1`);
    expect(ok.code).toBe(200);
    await ok.ended;
  });

  it('lets an informer relist after 410 (apiserver restart + compaction) and end with the right state', async () => {
    const other = await startApiserver([], api.etcd);
    const factory = new InformerFactory(new ApiClient({ server: U }));
    const inf = factory.informer(R.configmaps, { namespace: 'kube-system' });
    await factory.start();
    await call(U, 'POST', '/api/v1/namespaces/kube-system/configmaps', cm('inf-0', 'x'));
    await waitFor('informer sees inf-0', () => !!inf.store.getByName('kube-system', 'inf-0'));
    await api.kill();
    const KS = '/api/v1/namespaces/kube-system/configmaps';
    for (let i = 1; i <= 3; i++) await call(other.url, 'POST', KS, cm(`inf-${i}`, 'x'));
    await call(other.url, 'DELETE', `${KS}/inf-0`);
    const rv = (await call(other.url, 'GET', KS)).body.metadata.resourceVersion;
    execFileSync('etcdctl', ['--endpoints', api.etcd.endpoint, 'compact', rv], { env: { ...process.env, ETCDCTL_API: '3' } });
    api = await api.restart();
    const want = (await call(other.url, 'GET', KS)).body.items.map((o: any) => o.metadata.name).sort();
    await waitFor('informer relisted', () => JSON.stringify(inf.store.list().map((o) => o.metadata.name).sort()) === JSON.stringify(want), 60_000);
    await factory.stop();
    await other.kill();
  });
});

describe('the etcd client under compaction', () => {
  it('survives etcd acknowledging the cancel of a watcher it had canceled for compaction; other watchers keep delivering', async () => {
    const stray: StrayWatchResponse[] = [];
    const store = new Store({ endpoints: [api.etcd.endpoint], onStrayWatchResponse: (s) => stray.push(s) });
    try {
      const other = await store.client.watch().prefix('/guard/other/').create();
      let rev = 0;
      for (let i = 0; i < 3; i++) rev = Number((await store.client.put('/guard/a/k').value(String(i)).exec()).header.revision);
      await store.compact(rev);
      const stale = store.client.watch().prefix('/guard/a/').startRevision(String(rev - 1)).watcher();
      const err = await new Promise<Error>((resolve) => stale.once('error', resolve));
      expect(err.message).toMatch(/canceled/);
      // cancelling it again makes etcd answer for a watch the client has dropped (unguarded: an uncaught throw)
      await stale.cancel();
      expect(stray).toEqual([{ watchId: expect.any(String), action: 'dropped' }]);
      const put = new Promise<string>((resolve) => other.once('put', (kv) => resolve(kv.key.toString())));
      await store.client.put('/guard/other/x').value('1').exec();
      expect(await put).toBe('/guard/other/x');
    } finally {
      store.client.close();
    }
  });
});
