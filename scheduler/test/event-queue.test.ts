import { describe, expect, it } from 'vitest';
import { EventQueue, type EventObject } from '../src/event-queue';

/** A recorder whose writes stay open until released, so the test controls what is in flight. */
function slowRecorder() {
  const started: string[] = [];
  const release: (() => void)[] = [];
  return {
    started,
    release,
    event(obj: EventObject, _type: string, reason: string) {
      started.push(`${obj.metadata?.name}:${reason}`);
      if (reason === 'Throws') throw new Error('boom');
      return new Promise<void>((r) => release.push(r));
    },
  };
}

const pod = (name: string): EventObject => ({ metadata: { name }, kind: 'Pod', apiVersion: 'v1' });
const ticks = () => new Promise((r) => setImmediate(r));

describe('EventQueue', () => {
  it('writes at most `concurrency` events at once, in order, and starts the next as one finishes', async () => {
    const rec = slowRecorder();
    const q = new EventQueue(rec, { concurrency: 2 });
    for (const n of ['a', 'b', 'c', 'd']) q.event(pod(n), 'Normal', 'Scheduled', `assigned ${n}`);
    expect(rec.started).toEqual(['a:Scheduled', 'b:Scheduled']);
    expect(q.queued).toBe(2);
    rec.release[1]();
    await ticks();
    expect(rec.started).toEqual(['a:Scheduled', 'b:Scheduled', 'c:Scheduled']);
    rec.release[0]();
    await ticks();
    expect(rec.started.at(-1)).toBe('d:Scheduled');
    expect(q.queued).toBe(0);
  });

  it('drained() resolves only once every queued event has settled', async () => {
    const rec = slowRecorder();
    const q = new EventQueue(rec, { concurrency: 1 });
    q.event(pod('a'), 'Normal', 'Scheduled', 'm');
    q.event(pod('b'), 'Warning', 'FailedScheduling', 'm');
    let drained = false;
    void q.drained().then(() => (drained = true));
    rec.release[0]();
    await ticks();
    expect(drained).toBe(false);
    rec.release[1]();
    await ticks();
    expect(drained).toBe(true);
    await q.drained(); // idle: resolves at once
  });

  it('drops events beyond maxQueued and reports each overflowing burst once', async () => {
    const rec = slowRecorder();
    const drops: number[] = [];
    const q = new EventQueue(rec, { concurrency: 1, maxQueued: 2, onDrop: (n) => drops.push(n) });
    for (const n of ['a', 'b', 'c', 'd', 'e']) q.event(pod(n), 'Normal', 'Scheduled', 'm');
    // a is being written, b and c wait, d and e are dropped (one report for the burst).
    expect(q.queued).toBe(2);
    expect(drops).toEqual([1]);
    rec.release[0]();
    await ticks();
    q.event(pod('f'), 'Normal', 'Scheduled', 'm');
    q.event(pod('g'), 'Normal', 'Scheduled', 'm');
    expect(drops).toEqual([1, 3]);
    for (let i = 1; i < 4; i++) {
      rec.release[i]();
      await ticks();
    }
    expect(rec.started).toEqual(['a:Scheduled', 'b:Scheduled', 'c:Scheduled', 'f:Scheduled']);
  });

  it('keeps going when the recorder throws or rejects', async () => {
    const rec = slowRecorder();
    const q = new EventQueue(rec, { concurrency: 1 });
    q.event(pod('a'), 'Warning', 'Throws', 'm');
    q.event(pod('b'), 'Normal', 'Scheduled', 'm');
    await ticks();
    expect(rec.started).toEqual(['a:Throws', 'b:Scheduled']);
  });
});
