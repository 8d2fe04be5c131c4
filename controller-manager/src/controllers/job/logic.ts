// Pure decisions of the Job controller (upstream pkg/controller/job): how many pods to run, which
// completion indexes are pending, when the Job is complete or failed.
import { isPodActive, isPodReady } from '@minik8s/shared';
import type { Pod } from '../../util/types';

export const INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';

export interface JobSpecView {
  parallelism: number;
  /** undefined = a work-queue Job (done when any pod succeeded and none is running). */
  completions?: number;
  backoffLimit: number;
  activeDeadlineSeconds?: number;
  indexed: boolean;
  suspend: boolean;
}

export function podIndex(p: Pod): number | undefined {
  const v = p.metadata.annotations?.[INDEX_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** "1,3-5,7": the compressed form of status.completedIndexes. */
export function formatIndexes(idx: number[]): string {
  const s = [...new Set(idx)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j] + 1) j++;
    out.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return out.join(',');
}

export interface JobCounts {
  active: Pod[];
  succeeded: number;
  failed: number;
  ready: number;
  /** Indexed Jobs: indexes with a succeeded pod. */
  succeededIndexes: number[];
}

export function countPods(pods: Pod[], spec: JobSpecView): JobCounts {
  const active = pods.filter(isPodActive);
  const succeededPods = pods.filter((p) => p.status?.phase === 'Succeeded');
  const succeededIndexes = spec.indexed ? [...new Set(succeededPods.map(podIndex).filter((i): i is number => i !== undefined && i < (spec.completions ?? 0)))] : [];
  // With restartPolicy OnFailure, container restarts count as failures toward backoffLimit.
  const restarts = active.reduce((a, p) => a + (p.status?.containerStatuses ?? []).reduce((b, c) => b + (c.restartCount ?? 0), 0), 0);
  return {
    active,
    succeeded: spec.indexed ? succeededIndexes.length : succeededPods.length,
    failed: pods.filter((p) => p.status?.phase === 'Failed').length + restarts,
    ready: active.filter(isPodReady).length,
    succeededIndexes,
  };
}

export type Verdict = { done: false } | { done: true; type: 'Complete' } | { done: true; type: 'Failed'; reason: 'BackoffLimitExceeded' | 'DeadlineExceeded'; message: string };

export function verdict(spec: JobSpecView, c: JobCounts, startTime: number | undefined, now: number): Verdict {
  if (c.failed > spec.backoffLimit) return { done: true, type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
  if (spec.activeDeadlineSeconds !== undefined && startTime !== undefined && !spec.suspend && now - startTime >= spec.activeDeadlineSeconds * 1000) {
    return { done: true, type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
  }
  if (spec.completions === undefined) {
    if (c.succeeded > 0 && c.active.length === 0) return { done: true, type: 'Complete' };
  } else if (c.succeeded >= spec.completions) {
    return { done: true, type: 'Complete' };
  }
  return { done: false };
}

/** How many pods should run now (upstream manageJob's wantActive). */
export function wantActive(spec: JobSpecView, c: JobCounts): number {
  if (spec.suspend) return 0;
  if (spec.completions === undefined) return c.succeeded > 0 ? c.active.length : spec.parallelism;
  return Math.max(0, Math.min(spec.completions - c.succeeded, spec.parallelism));
}

/** Indexed Jobs: the lowest indexes with neither a succeeded nor an active pod, at most `n`. */
export function pendingIndexes(spec: JobSpecView, c: JobCounts, n: number): number[] {
  const taken = new Set([...c.succeededIndexes, ...c.active.map(podIndex).filter((i): i is number => i !== undefined)]);
  const out: number[] = [];
  for (let i = 0; i < (spec.completions ?? 0) && out.length < n; i++) if (!taken.has(i)) out.push(i);
  return out;
}

/** Exponential backoff before replacing failed pods: 10 s doubling, capped at 6 min. */
export function backoffMs(failed: number): number {
  return failed <= 0 ? 0 : Math.min(10_000 * 2 ** (failed - 1), 360_000);
}
