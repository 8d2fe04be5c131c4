import { describe, expect, it } from 'vitest';
import { WorkQueue, newRegistry, runWorkers } from '../src';

const tick = () => new Promise((r) => setTimeout(r, 0));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('deduplicates keys that are waiting', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never hands out a key being processed; re-adds during processing come back after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const k = await q.get();
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0);
    let second: string | undefined;
    void q.get().then((x) => (second = x));
    await tick();
    expect(second).toBeUndefined();
    q.done(k!);
    await tick();
    expect(second).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting get on add, and returns undefined after shutDown', async () => {
    const q = new WorkQueue();
    const p = q.get();
    q.add('x');
    expect(await p).toBe('x');
    const p2 = q.get();
    q.shutDown();
    expect(await p2).toBeUndefined();
    q.add('y');
    expect(await q.get()).toBeUndefined();
  });

  it('backs off exponentially per key and forgets on success', () => {
    const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    const delays = Array.from({ length: 5 }, () => q.when('a'));
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(q.numRequeues('a')).toBe(5);
    expect(q.when('b')).toBe(5);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
    expect(q.when('a')).toBe(5);
    const capped = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 1_000_000 });
    for (let i = 0; i < 40; i++) capped.when('k');
    expect(capped.when('k')).toBe(1_000_000);
  });

  it('addAfter delays and keeps the earliest time', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 10_000);
    q.addAfter('a', 20);
    expect(q.len()).toBe(0);
    const start = Date.now();
    expect(await q.get()).toBe('a');
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    q.done('a');
    q.addAfter('b', 0);
    expect(q.len()).toBe(1);
    q.addAfter('c', 50);
    q.shutDown();
    await sleep(80);
    expect(q.len()).toBe(1);
  });
});

describe('WorkQueue metrics', () => {
  it('exports upstream workqueue_* metrics per queue name', async () => {
    const registry = newRegistry('t');
    const q1 = new WorkQueue({ name: 'pods', registry });
    const q2 = new WorkQueue({ name: 'nodes', registry });
    q1.add('a');
    q1.add('b');
    q1.add('a');
    q2.add('x');
    const k = await q1.get();
    q1.addRateLimited(k!);
    q1.done(k!);
    const text = await registry.metrics();
    expect(text).toContain('workqueue_adds_total{name="pods"} 2');
    expect(text).toContain('workqueue_adds_total{name="nodes"} 1');
    expect(text).toContain('workqueue_depth{name="pods"} 1');
    expect(text).toContain('workqueue_retries_total{name="pods"} 1');
    expect(text).toContain('workqueue_work_duration_seconds_count{name="pods"} 1');
    q1.shutDown();
    q2.shutDown();
  });
});

describe('runWorkers', () => {
  it('retries failures with backoff, forgets on success, and never runs one key concurrently', async () => {
    const q = new WorkQueue({ baseDelayMs: 1 });
    const attempts = new Map<string, number>();
    const active = new Set<string>();
    let overlap = false;
    const errors: unknown[] = [];
    const run = runWorkers(
      q,
      4,
      async (key: string) => {
        if (active.has(key)) overlap = true;
        active.add(key);
        await sleep(2);
        active.delete(key);
        const n = (attempts.get(key) ?? 0) + 1;
        attempts.set(key, n);
        if (key === 'flaky' && n < 3) throw new Error('boom');
      },
      { error: (o) => errors.push(o) },
    );
    q.add('flaky');
    // 'ok' is re-added while it is being processed: it must run again afterwards, never concurrently.
    for (let i = 0; i < 30; i++) {
      q.add('ok');
      await sleep(1);
    }
    while ((attempts.get('flaky') ?? 0) < 3) await sleep(5);
    await sleep(20);
    q.shutDown();
    await run;
    expect(overlap).toBe(false);
    expect(attempts.get('flaky')).toBe(3);
    expect(q.numRequeues('flaky')).toBe(0);
    expect(errors).toHaveLength(2);
    expect(attempts.get('ok')).toBeGreaterThan(1);
  });
});
