// metav1.Condition bookkeeping (k8s.io/apimachinery/pkg/api/meta SetStatusCondition).
import type { meta } from './types';

export type Condition = meta.Condition;

/**
 * SetStatusCondition: the list with `want` set. An existing condition of that type keeps its place and
 * its lastTransitionTime unless the status changes; a new one is appended. `now` is an RFC 3339 time.
 */
export function setStatusCondition(conditions: readonly Condition[] | undefined, want: Omit<Condition, 'lastTransitionTime'> & { lastTransitionTime?: string }, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === want.type);
  if (i < 0) return [...list, { ...want, lastTransitionTime: want.lastTransitionTime || now }];
  const old = list[i];
  const moved = old.status !== want.status;
  list[i] = {
    ...old,
    status: want.status,
    reason: want.reason,
    message: want.message,
    observedGeneration: want.observedGeneration,
    lastTransitionTime: moved ? want.lastTransitionTime || now : old.lastTransitionTime,
  };
  return list;
}
