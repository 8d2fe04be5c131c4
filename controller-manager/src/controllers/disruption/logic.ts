// The disruption controller's arithmetic (upstream pkg/controller/disruption): how many pods a
// PodDisruptionBudget expects and needs healthy, which recorded evictions still count, and the status
// that follows. Pure: the controller supplies the pods and the scale of their controllers.
import { disruptionAllowedConditions, isPodReady, setStatusCondition, type BudgetStatus } from '@minik8s/shared';
import { controllerOf } from '../../util/owners';
import { scaledValue } from '../../util/intstr';
import type { Pod, PodDisruptionBudget as Budget } from '../../util/types';

/** An evicted pod not deleted within this long is assumed to stay (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60_000;

/** The controller of a pod, as the finders see it: uid and desired replicas, or undefined when not found. */
export type ScaleOf = (ref: { kind: string; name: string; uid: string }, namespace: string) => { uid: string; scale: number } | undefined;

export interface Expected {
  expectedCount: number;
  desiredHealthy: number;
  /** Pods without a controller: a percentage cannot count them (upstream's UnmanagedPods warning). */
  unmanaged: string[];
}

/**
 * getExpectedPodCount. An integer minAvailable counts the matching pods; a percentage or maxUnavailable
 * counts the replicas their controllers want (each controller once). Throws when a pod's controller
 * cannot be found.
 */
export function expectedPods(budget: Budget, pods: Pod[], scaleOf: ScaleOf): Expected {
  const { minAvailable, maxUnavailable } = budget.spec ?? {};
  const unmanaged: string[] = [];
  const scale = (): number => {
    const byController = new Map<string, number>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name!);
        continue;
      }
      if (byController.has(ref.uid)) continue;
      const found = scaleOf(ref, pod.metadata.namespace ?? '');
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      byController.set(found.uid, found.scale);
    }
    return [...byController.values()].reduce((a, b) => a + b, 0);
  };
  if (maxUnavailable != null) {
    const expectedCount = scale();
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - scaledValue(maxUnavailable, expectedCount, true, 0)), unmanaged };
  }
  if (typeof minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: minAvailable, unmanaged };
  if (minAvailable != null) {
    const expectedCount = scale();
    return { expectedCount, desiredHealthy: scaledValue(minAvailable, expectedCount, true, 0), unmanaged };
  }
  return { expectedCount: pods.length, desiredHealthy: 0, unmanaged };
}

/**
 * buildDisruptedPodMap: the recorded evictions that still hold back a pod (not deleted yet, recorded
 * less than DELETION_TIMEOUT_MS ago), when to look again, and the pods whose eviction never happened.
 */
export function pendingDisruptions(budget: Budget, pods: Pod[], now: number): { disrupted: Record<string, string>; recheckAt?: number; notDeleted: Pod[] } {
  const recorded = budget.status?.disruptedPods ?? {};
  const disrupted: Record<string, string> = {};
  const notDeleted: Pod[] = [];
  let recheckAt: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = recorded[pod.metadata.name!];
    if (at === undefined) continue;
    const expectedDeletion = Date.parse(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now) notDeleted.push(pod);
    else {
      disrupted[pod.metadata.name!] = at;
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
    }
  }
  return { disrupted, recheckAt, notDeleted };
}

/** countHealthyPods: ready, not deleting, not about to be deleted by a recorded eviction. */
export function healthyPods(pods: Pod[], disrupted: Record<string, string>, now: number): number {
  let n = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disrupted[pod.metadata.name!];
    if (at !== undefined && Date.parse(at) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) n++;
  }
  return n;
}

/** updatePdbStatus: no disruption allowed while the budget expects no pod (its first pods may be on their way). */
export function budgetStatus(budget: Budget, e: Expected, currentHealthy: number, disrupted: Record<string, string>, now: string): BudgetStatus {
  let disruptionsAllowed = currentHealthy - e.desiredHealthy;
  if (e.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const status: BudgetStatus = {
    currentHealthy,
    desiredHealthy: e.desiredHealthy,
    expectedPods: e.expectedCount,
    disruptionsAllowed,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    observedGeneration: budget.metadata.generation ?? 0,
  };
  return { ...status, conditions: disruptionAllowedConditions({ ...status, conditions: budget.status?.conditions }, now) };
}

/** failSafe: when the status cannot be computed, allow no disruption and say why. */
export function failSafeStatus(budget: Budget, err: string, now: string): BudgetStatus {
  const st = budget.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 };
  return {
    ...st,
    disruptionsAllowed: 0,
    conditions: setStatusCondition(st.conditions, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: err, observedGeneration: st.observedGeneration ?? 0 }, now),
  };
}
