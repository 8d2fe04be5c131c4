// The pure decisions of pods/eviction against PodDisruptionBudgets (upstream
// pkg/registry/core/pod/storage/eviction.go): which budgets guard a pod, whether the eviction may skip
// them, and the budget's status after one more disruption — or the 429 that refuses it.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ApiError, budgetSelectsPod, disruptionAllowedConditions, failure, isPodReady, type KubeObject, type PodDisruptionBudget, type Status } from '@minik8s/shared';

type Obj = Record<string, any>;

/** Upstream MaxDisruptedPodSize: evictions the disruption controller has not confirmed yet. */
export const MAX_DISRUPTED_PODS = 2000;

/** Terminal, pending or already deleting pods cause no new disruption: deleted without a budget check. */
export function canIgnoreBudgets(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** policy/v1: a nil selector guards no pod, an empty one every pod of the namespace; invalid ones none. */
export function budgetsFor(pod: KubeObject, budgets: KubeObject[]): KubeObject[] {
  return budgets.filter((b) => budgetSelectsPod(b as PodDisruptionBudget, pod));
}

/** An unready pod does not count as healthy: it may go without spending the budget when the budget allows it. */
export function unhealthyMayGo(pod: Obj, budget: Obj): boolean {
  if (isPodReady(pod)) return false;
  if (budget.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return true;
  const st = budget.status ?? {};
  return (st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0;
}

const REFUSED = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(retryAfterSeconds: number, cause: string): Status {
  return failure(429, 'TooManyRequests', REFUSED, { causes: [{ reason: 'DisruptionBudget', message: cause }], retryAfterSeconds });
}

/** The budget's controller has not seen its latest spec yet. */
export const budgetBeingProcessed = (name: string): ApiError =>
  new ApiError(tooManyRequests(10, `The disruption budget ${name} is still being processed by the server.`));

/**
 * checkAndDecrement: the budget with one more disruption recorded for `podName`, or the ApiError that
 * refuses the eviction (429 while the budget is exhausted or not yet processed, 403 when it is broken).
 */
export function spendBudget(budget: KubeObject, podName: string, now: string, dryRun: boolean): KubeObject {
  const name = budget.metadata.name ?? '';
  const st: Obj = { ...((budget.status as Obj | undefined) ?? {}) };
  if ((st.observedGeneration ?? 0) < (budget.metadata.generation ?? 0)) throw budgetBeingProcessed(name);
  const forbidden = (why: string) => new ApiError(failure(403, 'Forbidden', `poddisruptionbudgets.policy "${name}" is forbidden: ${why}`, { name, group: 'policy', kind: 'poddisruptionbudgets' }));
  const allowed = st.disruptionsAllowed ?? 0;
  if (allowed < 0) throw forbidden('pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw forbidden('DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  if (allowed === 0) throw new ApiError(tooManyRequests(0, `The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`));
  st.disruptionsAllowed = allowed - 1;
  if (st.disruptionsAllowed === 0) st.conditions = disruptionAllowedConditions(st, now);
  if (!dryRun) st.disruptedPods = { ...(st.disruptedPods ?? {}), [podName]: now };
  return { ...budget, status: st };
}
