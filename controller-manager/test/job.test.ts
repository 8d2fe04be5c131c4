import { describe, expect, it } from 'vitest';
import { backoffMs, countPods, formatIndexes, pendingIndexes, verdict, wantActive, type JobSpecView } from '../src/controllers/job/logic';
import type { Pod } from '../src/util/types';

const pod = (phase: string, index?: number, extra: Partial<Pod['metadata']> = {}): Pod => ({
  metadata: { name: 'p', annotations: index === undefined ? {} : { 'batch.kubernetes.io/job-completion-index': String(index) }, ...extra },
  spec: { containers: [] },
  status: { phase },
});
const spec = (o: Partial<JobSpecView> = {}): JobSpecView => ({
  parallelism: 2,
  completions: 3,
  backoffLimit: 6,
  indexed: false,
  suspend: false,
  ...o,
});

describe('job counting and verdicts', () => {
  it.each<[string, JobSpecView, Pod[], number, string]>([
    ['fresh: run parallelism', spec(), [], 2, 'running'],
    ['last completion: one more', spec(), [pod('Succeeded'), pod('Succeeded')], 1, 'running'],
    ['done', spec(), [pod('Succeeded'), pod('Succeeded'), pod('Succeeded')], 0, 'Complete'],
    ['work queue: one success, others finish', spec({ completions: undefined }), [pod('Succeeded'), pod('Running')], 1, 'running'],
    ['work queue complete', spec({ completions: undefined }), [pod('Succeeded'), pod('Succeeded')], 0, 'Complete'],
    ['backoff limit', spec({ backoffLimit: 1 }), [pod('Failed'), pod('Failed')], 2, 'BackoffLimitExceeded'],
    ['suspended runs nothing', spec({ suspend: true }), [pod('Running')], 0, 'running'],
    ['terminating pods are not active', spec(), [pod('Running', undefined, { deletionTimestamp: 'x' })], 2, 'running'],
  ])('%s', (_n, s, pods, want, v) => {
    const c = countPods(pods, s);
    expect(wantActive(s, c)).toBe(want);
    const r = verdict(s, c, 0, 1);
    expect(r.done ? (r.type === 'Failed' ? r.reason : r.type) : 'running').toBe(v);
  });

  it('activeDeadlineSeconds', () => {
    const s = spec({ activeDeadlineSeconds: 5 });
    const c = countPods([pod('Running')], s);
    expect(verdict(s, c, 0, 4999).done).toBe(false);
    expect(verdict(s, c, 0, 5000)).toMatchObject({
      type: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Job was active longer than specified deadline',
    });
  });

  it('indexed: succeeded indexes count once, pending are the lowest free', () => {
    const s = spec({ indexed: true, completions: 5, parallelism: 3 });
    const c = countPods([pod('Succeeded', 0), pod('Succeeded', 0), pod('Running', 1), pod('Succeeded', 3), pod('Failed', 2)], s);
    expect(c.succeeded).toBe(2);
    expect(c.succeededIndexes.sort()).toEqual([0, 3]);
    expect(pendingIndexes(s, c, 3)).toEqual([2, 4]);
    expect(wantActive(s, c)).toBe(3);
  });

  it.each([
    [[0, 1, 2, 4, 6, 7], '0-2,4,6-7'],
    [[], ''],
    [[5], '5'],
    [[3, 1, 2], '1-3'],
  ] as const)('formatIndexes %j', (idx, want) => {
    expect(formatIndexes([...idx])).toBe(want);
  });

  it.each([
    [0, 0],
    [1, 10_000],
    [2, 20_000],
    [3, 40_000],
    [10, 360_000],
  ] as const)('backoff after %i failures: %i ms', (f, ms) => {
    expect(backoffMs(f)).toBe(ms);
  });
});
