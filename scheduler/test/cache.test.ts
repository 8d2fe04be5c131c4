import { describe, expect, it } from 'vitest';
import { SchedulerCache } from '../src/cache';
import { node, pod } from './fixtures';

describe('SchedulerCache', () => {
  it('assume, confirm, forget', () => {
    const c = new SchedulerCache();
    c.setNode(node('a', { cpu: '4' }));
    const p = pod('p', { cpu: '1' });
    c.assume('default/p', p, 'a');
    expect(c.snapshot().byName.get('a')!.requested.cpu).toBe(1000);
    expect(c.isAssumed('default/p')).toBe(true);
    c.forget('default/p');
    expect(c.snapshot().byName.get('a')!.requested.cpu).toBe(0);
    c.assume('default/p', p, 'a');
    c.upsertBoundPod('default/p', { ...p, spec: { ...p.spec!, nodeName: 'a' } });
    expect(c.isAssumed('default/p')).toBe(false);
    c.forget('default/p'); // a confirmed pod is not forgotten
    expect(c.snapshot().byName.get('a')!.requested.cpu).toBe(1000);
    c.removePod('default/p');
    expect(c.snapshot().byName.get('a')!.pods.size).toBe(0);
  });

  it('keeps pods that arrive before their node, and frees terminal pods', () => {
    const c = new SchedulerCache();
    c.upsertBoundPod('default/p', pod('p', { cpu: '1', nodeName: 'late' }));
    expect(c.snapshot().nodes).toHaveLength(0);
    c.setNode(node('late'));
    expect(c.snapshot().byName.get('late')!.requested.cpu).toBe(1000);
    c.upsertBoundPod('default/p', { ...pod('p', { cpu: '1', nodeName: 'late' }), status: { phase: 'Succeeded' } });
    expect(c.snapshot().byName.get('late')!.requested.cpu).toBe(0);
  });

  it('updates allocatable and drops removed nodes', () => {
    const c = new SchedulerCache();
    c.setNode(node('a', { cpu: '1' }));
    c.setNode(node('a', { cpu: '2' }));
    expect(c.snapshot().byName.get('a')!.allocatable.cpu).toBe(2000);
    c.removeNode('a');
    expect(c.snapshot().nodes).toHaveLength(0);
  });

  it('keeps the sums when the same pod is seen again, and recomputes for a new pod of the same name', () => {
    const c = new SchedulerCache();
    c.setNode(node('a', { cpu: '4' }));
    const p = { ...pod('p', { cpu: '1' }), metadata: { name: 'p', namespace: 'default', uid: 'u1' } };
    c.assume('default/p', p, 'a');
    const bound = {
      ...p,
      metadata: { ...p.metadata, labels: { v: '2' } },
      spec: { ...p.spec!, nodeName: 'a' },
      status: { phase: 'Running' },
    };
    c.upsertBoundPod('default/p', bound);
    c.upsertBoundPod('default/p', bound);
    const a = c.snapshot().byName.get('a')!;
    expect(a.requested.cpu).toBe(1000);
    expect(a.pods.get('default/p')!.pod.metadata?.labels).toEqual({ v: '2' }); // plugins see the latest labels
    const replaced = { ...pod('p', { cpu: '2', nodeName: 'a' }), metadata: { name: 'p', namespace: 'default', uid: 'u2' } };
    c.upsertBoundPod('default/p', replaced);
    expect(a.requested.cpu).toBe(2000);
    expect(a.pods.size).toBe(1);
  });
});
