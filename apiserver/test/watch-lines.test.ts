// The encoded watch event lines (routes/watch.ts eventLine): one Buffer per object and event type, shared by
// every watcher, each holding memory of its own size (not a slice of Node's shared Buffer pool, which would
// keep a whole pool slab alive for as long as the watch cache's ring holds the object).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@minik8s/shared';
import { eventLine } from '../src/routes/watch';
import { jsonOf } from '../src/storage/watchcache';

const cm = (v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'default' }, data: { v } });

describe('watch event lines', () => {
  it('encodes the event once per object and type', () => {
    const obj = cm('é'.repeat(100));
    const a = eventLine('ADDED', obj, () => jsonOf(obj));
    expect(JSON.parse(a.toString())).toEqual({ type: 'ADDED', object: obj });
    expect(a.toString().endsWith('}\n')).toBe(true);
    expect(eventLine('ADDED', obj, () => jsonOf(obj))).toBe(a);
    const m = eventLine('MODIFIED', obj, () => jsonOf(obj));
    expect(m).not.toBe(a);
    expect(JSON.parse(m.toString()).type).toBe('MODIFIED');
  });

  it('gives small lines memory of their own size, not a slice of the shared pool', () => {
    for (const size of [10, 500, 3000, 10_000]) {
      const obj = cm('x'.repeat(size));
      const line = eventLine('ADDED', obj, () => jsonOf(obj));
      expect(line.byteOffset).toBe(0);
      expect(line.buffer.byteLength).toBe(line.length);
    }
  });
});
