import { describe, expect, it } from 'vitest';
import { SchedulingQueue } from '../src/queue';
import { pod } from './fixtures';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

async function drain(q: SchedulingQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.lengths().active > 0) out.push((await q.pop())!.key);
  return out;
}

describe('SchedulingQueue', () => {
  it('orders by priority, then creation time, then arrival', async () => {
    const q = new SchedulingQueue();
    q.add('old', pod('old', { created: '2024-01-01T00:00:00Z' }));
    q.add('new', pod('new', { created: '2024-01-02T00:00:00Z' }));
    q.add('high', pod('high', { priority: 1000, created: '2024-01-03T00:00:00Z' }));
    q.add('same1', pod('same1', { created: '2024-01-01T12:00:00Z' }));
    q.add('same2', pod('same2', { created: '2024-01-01T12:00:00Z' }));
    q.add('low', pod('low', { priority: -5, created: '2020-01-01T00:00:00Z' }));
    expect(await drain(q)).toEqual(['high', 'old', 'same1', 'same2', 'new', 'low']);
  });

  it('pop waits for a pod and returns undefined after close', async () => {
    const q = new SchedulingQueue();
    const p = q.pop();
    q.add('a', pod('a'));
    expect((await p)!.key).toBe('a');
    const waiting = q.pop();
    q.close();
    expect(await waiting).toBeUndefined();
  });

  it('backoff doubles from 1 s to a 10 s cap', () => {
    const q = new SchedulingQueue();
    const d = [1, 2, 3, 4, 5, 6].map((attempts) =>
      q.backoffDuration({ key: 'k', pod: pod('k'), timestamp: 0, seq: 0, attempts, parkedAt: 0 }),
    );
    expect(d).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
  });

  it('unschedulable pods wait for a cluster event, then for their backoff', async () => {
    const c = clock();
    const q = new SchedulingQueue({ now: c.now });
    q.add('a', pod('a'));
    const a = (await q.pop())!;
    q.addUnschedulable(a, q.schedulingCycle);
    expect(q.lengths()).toEqual({ active: 0, backoff: 0, unschedulable: 1 });
    c.advance(500);
    q.moveAllToActiveOrBackoff();
    expect(q.lengths()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    q.flushBackoffCompleted();
    expect(q.lengths().active).toBe(0);
    c.advance(600);
    q.flushBackoffCompleted();
    expect(q.lengths()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
    const again = (await q.pop())!;
    expect(again.attempts).toBe(1);
  });

  it('a targeted move only wakes pods rejected by the given plugins', async () => {
    const q = new SchedulingQueue();
    q.add('a', pod('a'));
    q.add('b', pod('b'));
    q.addUnschedulable((await q.pop())!, q.schedulingCycle, ['NodeResourcesFit']);
    q.addUnschedulable((await q.pop())!, q.schedulingCycle, ['InterPodAffinity']);
    q.moveAllToActiveOrBackoff(['InterPodAffinity']);
    expect(q.lengths()).toEqual({ active: 0, backoff: 1, unschedulable: 1 });
  });

  it('a move request during the cycle sends the failed pod to backoff', async () => {
    const c = clock();
    const q = new SchedulingQueue({ now: c.now });
    q.add('a', pod('a'));
    const a = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoff(); // e.g. a node was added while we were filtering
    q.addUnschedulable(a, cycle);
    expect(q.lengths()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
  });

  it('flushes unschedulable pods after the maximum stay', async () => {
    const c = clock();
    const q = new SchedulingQueue({ now: c.now, maxUnschedulableMs: 60_000 });
    q.add('a', pod('a'));
    q.addUnschedulable((await q.pop())!, q.schedulingCycle);
    c.advance(59_000);
    q.flushUnschedulableLeftover();
    expect(q.lengths().unschedulable).toBe(1);
    c.advance(2_000);
    q.flushUnschedulableLeftover();
    expect(q.lengths()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it('an update to the spec of an unschedulable pod retries it; a status-only update does not', async () => {
    const c = clock();
    const q = new SchedulingQueue({ now: c.now });
    const p = pod('a', { cpu: '10' });
    q.add('a', p);
    q.addUnschedulable((await q.pop())!, q.schedulingCycle);
    q.update('a', { ...p, status: { phase: 'Pending' } });
    expect(q.lengths().unschedulable).toBe(1);
    c.advance(5000);
    q.update('a', pod('a', { cpu: '1' }));
    expect(q.lengths()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it('delete removes from every sub-queue; add of a queued pod only updates it', async () => {
    const q = new SchedulingQueue();
    q.add('a', pod('a'));
    q.add('a', pod('a', { priority: 5 }));
    expect(q.lengths().active).toBe(1);
    q.add('b', pod('b'));
    q.addBackoff((await q.pop())!);
    q.delete('a');
    q.delete('b');
    expect(q.lengths()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
  });
});
