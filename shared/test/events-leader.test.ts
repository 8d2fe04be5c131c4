import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, EventRecorder, LeaderElector, objectReference, until, type KubeObject } from '../src';
import { FakeObjects } from './fake-objects';

let fake: FakeObjects;
let client: ApiClient;
beforeEach(async () => {
  fake = new FakeObjects();
  await fake.start();
  client = new ApiClient({ server: fake.url });
});
afterEach(() => {
  client.close();
  fake.stop();
});

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'team', uid: 'u1', resourceVersion: '7' } };

describe('EventRecorder', () => {
  it('creates an Event like upstream and folds repeats into count', async () => {
    const rec = new EventRecorder(client, { component: 'default-scheduler', host: 'node-a' });
    await rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned team/web-1 to n1');
    const [ev] = fake.of('events');
    expect(ev.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(ev).toMatchObject({
      metadata: { namespace: 'team' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web-1', namespace: 'team', uid: 'u1', resourceVersion: '7' },
      reason: 'Scheduled',
      message: 'Successfully assigned team/web-1 to n1',
      source: { component: 'default-scheduler', host: 'node-a' },
      count: 1,
      type: 'Normal',
      reportingComponent: 'default-scheduler',
      reportingInstance: 'node-a',
    });
    expect(ev.firstTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // events.k8s.io's fields too: a MicroTime (six fractional digits) within the same second, the action.
    expect(ev.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(String(ev.eventTime).slice(0, 19)).toBe(String(ev.firstTimestamp).slice(0, 19));
    expect(ev.action).toBe('Scheduled');
    await Promise.all([rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned team/web-1 to n1'), rec.event(pod, 'Normal', 'Scheduled', 'Successfully assigned team/web-1 to n1')]);
    expect(fake.of('events')).toHaveLength(1);
    expect(fake.of('events')[0].count).toBe(3);
    await rec.event(pod, 'Warning', 'Failed', 'other');
    expect(fake.of('events')).toHaveLength(2);
  });

  it('carries the action and annotations it is given; the instance defaults to component-hostname', async () => {
    const rec = new EventRecorder(client, { component: 'default-scheduler' });
    await rec.event(pod, 'Normal', 'Scheduled', 'm', { action: 'Binding', annotations: { 'scheduler.minik8s.io/cycle-ms': '3' } });
    const ev = fake.of('events').find((e) => e.action === 'Binding')!;
    expect(ev.metadata.annotations).toEqual({ 'scheduler.minik8s.io/cycle-ms': '3' });
    expect(ev.reportingInstance).toMatch(/^default-scheduler-/);
  });

  it('puts events of cluster-scoped objects in default and starts over when the Event is gone', async () => {
    const rec = new EventRecorder(client, { component: 'kubelet' });
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n' } };
    await rec.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    expect(fake.of('events')[0].metadata.namespace).toBe('default');
    expect(fake.of('events')[0].source).toEqual({ component: 'kubelet' });
    fake.objs.clear();
    await rec.event(node, 'Normal', 'NodeReady', 'Node n1 status is now: NodeReady');
    expect(fake.of('events')).toHaveLength(1);
    expect(fake.of('events')[0].count).toBe(1);
  });

  it('never rejects when the apiserver is unreachable', async () => {
    const dead = new ApiClient({ server: 'http://127.0.0.1:1' });
    const warnings: object[] = [];
    const rec = new EventRecorder(dead, { component: 'x', logger: { warn: (o) => warnings.push(o) } });
    await expect(rec.event(pod, 'Warning', 'Boom', 'msg')).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
  });

  it('objectReference drops absent fields and passes references through', () => {
    expect(objectReference({ metadata: { name: 'a' } })).toEqual({ name: 'a' });
    expect(objectReference({ kind: 'Pod', name: 'x', namespace: 'y' })).toEqual({ kind: 'Pod', name: 'x', namespace: 'y' });
  });
});

describe('LeaderElector', { timeout: 60_000 }, () => {
  const fast = { namespace: 'kube-system', name: 'kube-scheduler', leaseDurationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 0.5 };

  it('elects exactly one leader; the other takes over after release', async () => {
    const state: Record<string, string[]> = { a: [], b: [] };
    const mk = (id: 'a' | 'b') => new LeaderElector(client, { ...fast, identity: id });
    const ea = mk('a');
    const eb = mk('b');
    const cb = (id: 'a' | 'b') => ({
      onStartedLeading: () => void state[id].push('start'),
      onStoppedLeading: () => void state[id].push('stop'),
    });
    const ra = ea.run(cb('a'));
    const rb = eb.run(cb('b'));
    await until('a leader', () => ea.isLeader() || eb.isLeader());
    await new Promise((r) => setTimeout(r, 800));
    expect([ea.isLeader(), eb.isLeader()].filter(Boolean)).toHaveLength(1);
    const [leader, follower, runLeader] = ea.isLeader() ? [ea, eb, ra] : [eb, ea, rb];
    expect(follower.getLeader()).toBe(leader === ea ? 'a' : 'b');
    leader.stop();
    await runLeader;
    expect(leader.isLeader()).toBe(false);
    await until('follower takes over', () => follower.isLeader());
    const lease = fake.of('leases')[0] as KubeObject & { spec: { holderIdentity: string; leaseTransitions: number } };
    expect(lease.spec.holderIdentity).toBe(follower === ea ? 'a' : 'b');
    follower.stop();
    await Promise.all([ra, rb]);
    expect(state.a.concat(state.b).sort()).toEqual(['start', 'start', 'stop', 'stop']);
  });

  it('takes over an expired lease of a leader that died without releasing it', async () => {
    const dead = new LeaderElector(client, { ...fast, identity: 'dead', releaseOnCancel: false });
    const run = dead.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined });
    await until('dead leads', () => dead.isLeader());
    dead.stop();
    await run;
    const next = new LeaderElector(client, { ...fast, identity: 'next' });
    const seen: string[] = [];
    const r2 = next.run({ onStartedLeading: () => undefined, onStoppedLeading: () => undefined, onNewLeader: (id) => seen.push(id) });
    await until('next leads', () => next.isLeader());
    expect(seen).toEqual(['dead', 'next']);
    const lease = fake.of('leases')[0] as KubeObject & { spec: { holderIdentity: string; leaseTransitions: number } };
    expect(lease.spec.leaseTransitions).toBe(1);
    next.stop();
    await r2;
  });

  it('steps down when another holder took the lease', async () => {
    const e = new LeaderElector(client, { ...fast, identity: 'x' });
    let stopped = false;
    let signal: AbortSignal | undefined;
    const run = e.run({ onStartedLeading: (s) => void (signal = s), onStoppedLeading: () => void (stopped = true) });
    await until('x leads', () => e.isLeader());
    const lease = fake.of('leases')[0];
    fake.objs.set('kube-system/leases/kube-scheduler', { ...lease, metadata: { ...lease.metadata, resourceVersion: '999' }, spec: { holderIdentity: 'intruder', leaseDurationSeconds: 60 } });
    await run;
    expect(stopped).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(e.getLeader()).toBe('intruder');
  });

  it('stop() resolves after releasing the lease', async () => {
    const e = new LeaderElector(client, { ...fast, identity: 'solo' });
    const events: string[] = [];
    void e.run({ onStartedLeading: () => void events.push('start'), onStoppedLeading: () => void events.push('stop') });
    await until('solo leads', () => e.isLeader());
    await e.stop();
    expect(events).toEqual(['start', 'stop']);
    expect((fake.of('leases')[0].spec as { holderIdentity: string }).holderIdentity).toBe('');
  });

  it('rejects inconsistent timings', () => {
    expect(() => new LeaderElector(client, { ...fast, identity: 'x', leaseDurationSeconds: 2, renewDeadlineSeconds: 3 })).toThrow(/leaseDurationSeconds/);
  });
});
