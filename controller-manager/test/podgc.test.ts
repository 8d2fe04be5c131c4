import { describe, expect, it } from 'vitest';
import { podsToCollect } from '../src/controllers/podgc/logic';
import { expiresAt } from '../src/controllers/ttlafterfinished/controller';
import type { Pod } from '../src/util/types';

const pod = (name: string, node: string | undefined, phase = 'Running', extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name, creationTimestamp: `2026-01-01T00:00:0${name.slice(-1)}Z`, ...extra },
  spec: { nodeName: node, containers: [] },
  status: { phase },
});
const names = (ps: Pod[]) => ps.map((p) => p.metadata.name);

describe('podsToCollect', () => {
  it('orphans, unscheduled terminating pods, terminated pods above the threshold (oldest first)', () => {
    const pods = [
      pod('p1', 'gone'),
      pod('p2', 'n1'),
      pod('p3', undefined, 'Pending', { deletionTimestamp: 'x' }),
      pod('p4', undefined),
      pod('d1', 'n1', 'Succeeded'),
      pod('d2', 'n1', 'Failed'),
      pod('d3', 'n1', 'Succeeded'),
    ];
    const r = podsToCollect(pods, new Set(['n1']), 1);
    expect(names(r.orphaned)).toEqual(['p1']);
    expect(names(r.unscheduledTerminating)).toEqual(['p3']);
    expect(names(r.excessTerminated)).toEqual(['d1', 'd2']);
    expect(podsToCollect(pods, new Set(['n1', 'gone']), 0)).toEqual({
      orphaned: [],
      unscheduledTerminating: [pods[2]],
      excessTerminated: [],
    });
  });
});

describe('ttl-after-finished expiry', () => {
  const job = (ttl: number | undefined, cond?: { type: string; at: string }, completionTime?: string) => ({
    metadata: { name: 'j' },
    spec: { ttlSecondsAfterFinished: ttl, template: {} },
    status: { completionTime, conditions: cond ? [{ type: cond.type, status: 'True', lastTransitionTime: cond.at }] : [] },
  });
  it.each([
    [job(undefined, { type: 'Complete', at: '2026-01-01T00:00:00Z' }), undefined],
    [job(10), undefined],
    [job(10, { type: 'Complete', at: '2026-01-01T00:00:00Z' }, '2026-01-01T00:00:05Z'), Date.parse('2026-01-01T00:00:15Z')],
    [job(0, { type: 'Failed', at: '2026-01-01T00:00:00Z' }), Date.parse('2026-01-01T00:00:00Z')],
  ])('%#', (j, want) => {
    expect(expiresAt(j as never)).toBe(want);
  });
});
