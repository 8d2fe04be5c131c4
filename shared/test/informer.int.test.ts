// The informer, client and leader election against the real apiserver on a real etcd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { startApiserver, stopAll, waitFor, type Apiserver, type Etcd } from '../../testing/procs';
import { ApiClient, InformerFactory, LeaderElector, R, isNotFound, isConflict, type KubeObject } from '../src';

let a: Apiserver;
let b: Apiserver;
const clients: ApiClient[] = [];
const mkClient = (api: Apiserver) => {
  const c = new ApiClient(api.admin);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  a = await startApiserver();
  // A second apiserver on the same etcd: writes through it while `a` is down.
  b = await startApiserver([], a.etcd);
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stopAll();
});

const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { suite: 'informer' } },
  data,
});

/** Compact etcd up to its current revision (etcdctl with the apiserver's etcd client certificate). */
function compactEtcd(etcd: Etcd): void {
  const etcdctl = (...args: string[]) =>
    execFileSync('etcdctl', [...etcd.etcdctlArgs, ...args], { encoding: 'utf8', env: { ...process.env, ETCDCTL_API: '3' } });
  const rev = (JSON.parse(etcdctl('endpoint', 'status', '-w', 'json')) as { Status: { header: { revision: number } } }[])[0].Status.header
    .revision;
  etcdctl('compact', String(rev), '--physical');
}

describe('client against the apiserver', () => {
  it('CRUD with Status errors', async () => {
    const c = mkClient(a).resource(R.configmaps);
    const created = await c.create(cm('crud', { k: 'v1' }));
    expect(created.metadata.uid).toBeTruthy();
    const got = await c.get('crud', 'default');
    expect(got.data).toEqual({ k: 'v1' });
    const updated = await c.update({ ...got, data: { k: 'v2' } });
    expect(updated.metadata.resourceVersion).not.toBe(got.metadata.resourceVersion);
    const stale = await c.update({ ...got, data: { k: 'v3' } }).catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    const patched = await c.patch('crud', { data: { k2: 'x' } }, 'merge', { namespace: 'default' });
    expect(patched.data).toEqual({ k: 'v2', k2: 'x' });
    const list = await c.list({ namespace: 'default', labelSelector: 'suite=informer' });
    expect(list.items.map((i) => i.metadata.name)).toContain('crud');
    await c.delete('crud', { namespace: 'default' });
    const missing = await c.get('crud', 'default').catch((e: unknown) => e);
    expect(isNotFound(missing)).toBe(true);
  });
});

describe('Informer against the apiserver', () => {
  it('lists, sees ADDED/MODIFIED/DELETED, and after compaction relists to the right state', async () => {
    const writer = mkClient(b).resource(R.configmaps);
    await writer.create(cm('pre', { v: '0' }));
    const logged: string[] = [];
    const capture = (_o: object, msg?: string) => void logged.push(msg ?? '');
    const factory = new InformerFactory(mkClient(a), { info: capture, warn: capture, error: capture, debug: capture });
    const inf = factory.informer(R.configmaps, { namespace: 'default', labelSelector: 'suite=informer' });
    const seen: string[] = [];
    inf.addEventHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_o, n) => seen.push(`update ${n.metadata.name} ${JSON.stringify(n.data)}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    await factory.start();
    expect(inf.store.keys()).toEqual(['default/pre']);
    expect(seen).toEqual(['add pre']);

    seen.length = 0;
    await writer.create(cm('x', { v: '1' }));
    await writer.patch('x', { data: { v: '2' } }, 'merge', { namespace: 'default' });
    await writer.create(cm('y', { v: '1' }));
    await writer.delete('pre', { namespace: 'default' });
    await waitFor('watch events', () => seen.length >= 4, 30_000);
    expect(seen).toEqual(['add x', 'update x {"v":"2"}', 'add y', 'delete pre']);

    // The informer's apiserver goes away; changes land through the other one; etcd is compacted.
    seen.length = 0;
    await a.kill();
    await writer.patch('y', { data: { v: 'changed' } }, 'merge', { namespace: 'default' });
    await writer.delete('x', { namespace: 'default' });
    await writer.create(cm('z', { v: '1' }));
    compactEtcd(a.etcd);
    a = await a.restart();
    await waitFor('relist after 410', () => seen.length >= 3, 60_000);
    expect([...seen].sort()).toEqual(['add z', 'delete x', 'update y {"v":"changed"}']);
    expect(logged).toContain('watch resourceVersion expired (410 Gone); relisting');
    expect(inf.store.keys().sort()).toEqual(['default/y', 'default/z']);
    expect(inf.store.get('default/y')?.data).toEqual({ v: 'changed' });

    // And it keeps watching after the relist.
    seen.length = 0;
    await writer.create(cm('after', {}));
    await waitFor('event after relist', () => seen.includes('add after'), 30_000);
    await factory.stop();
  });
});

describe('LeaderElector against the apiserver', () => {
  it('one leader of two; the other takes over when it stops', async () => {
    const opts = {
      namespace: 'kube-system',
      name: 'shared-int-test',
      leaseDurationSeconds: 4,
      renewDeadlineSeconds: 3,
      retryPeriodSeconds: 0.5,
    };
    const e1 = new LeaderElector(mkClient(a), { ...opts, identity: 'one' });
    const e2 = new LeaderElector(mkClient(b), { ...opts, identity: 'two' });
    const noop = { onStartedLeading: () => undefined, onStoppedLeading: () => undefined };
    const r1 = e1.run(noop);
    const r2 = e2.run(noop);
    await waitFor('a leader', () => e1.isLeader() || e2.isLeader(), 30_000);
    await new Promise((r) => setTimeout(r, 1500));
    expect([e1.isLeader(), e2.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, follower, run] = e1.isLeader() ? [e1, e2, r1] : [e2, e1, r2];
    await leader.stop();
    await run;
    await waitFor('takeover', () => follower.isLeader(), 30_000);
    const lease = await mkClient(b).resource(R.leases).get('shared-int-test', 'kube-system');
    expect((lease.spec as { holderIdentity: string }).holderIdentity).toBe(follower === e1 ? 'one' : 'two');
    await follower.stop();
    await Promise.all([r1, r2]);
  });
});
