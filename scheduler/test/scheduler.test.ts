// The scheduler shell against in-memory fakes of the informers and the API client.
import { describe, expect, it } from 'vitest';
import { createLogger, objectKey, until, type ApiClient, type core, type InformerFactory } from '@minik8s/shared';
import { defaultConfig } from '../src/config';
import { Scheduler } from '../src/scheduler';
import { node, pod } from './fixtures';

type Handler = { onAdd?(o: unknown): void; onUpdate?(a: unknown, b: unknown): void; onDelete?(o: unknown): void };

class FakeInformer {
  handlers: Handler[] = [];
  objs = new Map<string, unknown>();
  store = { get: (k: string) => this.objs.get(k) };
  addEventHandler(h: Handler) {
    this.handlers.push(h);
    return () => undefined;
  }
  add(o: { metadata?: object }) {
    this.objs.set(objectKey(o as never), o);
    for (const h of this.handlers) h.onAdd?.(o);
  }
  update(o: { metadata?: object }) {
    const old = this.objs.get(objectKey(o as never));
    this.objs.set(objectKey(o as never), o);
    for (const h of this.handlers) h.onUpdate?.(old, o);
  }
}

function setup(opts: { failBind?: (name: string) => Error | undefined; eventsHang?: boolean } = {}) {
  const pods = new FakeInformer();
  const nodes = new FakeInformer();
  const factory = { informer: (rt: { resource: string }) => (rt.resource === 'pods' ? pods : rt.resource === 'nodes' ? nodes : new FakeInformer()) } as unknown as InformerFactory;
  const bindings: { pod: string; node: string }[] = [];
  const patches: { pod: string; body: { status: { conditions: core.PodCondition[] } } }[] = [];
  const events: { type: string; reason: string; message: string; name?: string }[] = [];
  const client = {
    resource: () => ({
      createSubresource: async (name: string, _sub: string, body: { target: { name: string } }) => {
        await new Promise((r) => setTimeout(r, 5));
        const err = opts.failBind?.(name);
        if (err) throw err;
        bindings.push({ pod: name, node: body.target.name });
        const p = pods.objs.get(`default/${name}`) as core.Pod;
        pods.update({ ...p, spec: { ...p.spec!, nodeName: body.target.name } } as never);
        return {};
      },
      patch: async (name: string, body: never) => void patches.push({ pod: name, body }),
    }),
  } as unknown as ApiClient;
  const recorder = {
    event: (o: { metadata?: { name?: string } }, type: string, reason: string, message: string) => {
      events.push({ type, reason, message, name: o.metadata?.name });
      // An apiserver that never answers event writes.
      return opts.eventsHang ? new Promise<void>(() => undefined) : undefined;
    },
  };
  const s = new Scheduler({ client, factory, profiles: defaultConfig().profiles, recorder, log: createLogger('test', { level: 'silent' }) });
  return { s, pods, nodes, bindings, patches, events };
}

/** The scheduler loop reached the state `fn` checks (within 10 s; the failure quotes the check). */
const settled = (fn: () => boolean) => until(String(fn), fn, 10_000, 5);

describe('Scheduler', () => {
  it('binds a burst without overcommitting, emitting Scheduled events', async () => {
    const { s, pods, nodes, bindings, events } = setup();
    nodes.add(node('a', { cpu: '1' }));
    nodes.add(node('b', { cpu: '2' }));
    for (let i = 0; i < 8; i++) pods.add(pod(`p${i}`, { cpu: '500m' }));
    void s.run();
    await settled(() => bindings.length === 6);
    const perNode = bindings.reduce<Record<string, number>>((m, b) => ({ ...m, [b.node]: (m[b.node] ?? 0) + 1 }), {});
    expect(perNode).toEqual({ a: 2, b: 4 });
    expect(events.filter((e) => e.reason === 'Scheduled')).toHaveLength(6);
    expect(events.find((e) => e.reason === 'Scheduled')!.message).toMatch(/^Successfully assigned default\/p\d to [ab]$/);
    await settled(() => events.some((e) => e.reason === 'FailedScheduling'));
    expect(events.find((e) => e.reason === 'FailedScheduling')!.message).toBe(
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    );
    s.stop();
  });

  it('marks an unschedulable pod and retries it when a node is added', async () => {
    const { s, pods, nodes, bindings, patches } = setup();
    nodes.add(node('small', { cpu: '1' }));
    pods.add(pod('big', { cpu: '4' }));
    void s.run();
    await settled(() => patches.length === 1);
    expect(patches[0].body.status.conditions[0]).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });
    expect(s.queue.lengths().unschedulable).toBe(1);
    nodes.add(node('huge', { cpu: '8' }));
    await settled(() => bindings.length === 1);
    expect(bindings[0]).toEqual({ pod: 'big', node: 'huge' });
    s.stop();
  });

  it('ignores pods for other schedulers', async () => {
    const { s, pods, nodes, bindings } = setup();
    nodes.add(node('a'));
    pods.add(pod('mine'));
    pods.add(pod('theirs', { spec: { schedulerName: 'other' } }));
    void s.run();
    await settled(() => bindings.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(bindings.map((b) => b.pod)).toEqual(['mine']);
    s.stop();
  });

  it('forgets the assumed pod when the bind fails and retries', async () => {
    let failures = 1;
    const { s, pods, nodes, bindings, events } = setup({ failBind: () => (failures-- > 0 ? new Error('boom') : undefined) });
    nodes.add(node('a', { cpu: '1' }));
    pods.add(pod('p', { cpu: '1' }));
    void s.run();
    await settled(() => events.some((e) => e.message === 'Binding rejected: boom'));
    expect(s.cache.isAssumed('default/p')).toBe(false);
    expect(s.cache.snapshot().byName.get('a')!.requested.cpu ?? 0).toBe(0);
    await settled(() => bindings.length === 1); // after the 1 s backoff
    s.stop();
  });

  it('keeps scheduling and binding while event writes hang (events are written in the background, a few at a time)', async () => {
    const { s, pods, nodes, bindings, events } = setup({ eventsHang: true });
    nodes.add(node('a', { cpu: '64' }));
    for (let i = 0; i < 40; i++) pods.add(pod(`p${i}`, { cpu: '1' }));
    void s.run();
    await settled(() => bindings.length === 40);
    expect(events.length).toBe(4); // the rest wait in the queue
    expect(s.events.queued).toBe(36);
    s.stop();
  });
});
