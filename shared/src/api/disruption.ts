// PodDisruptionBudget rules both the eviction API and the disruption controller apply
// (policy/v1 selection, and pdbhelper.UpdateDisruptionAllowedCondition).
import { labelSelectorFromObject, matchesLabels } from '../selectors/labels';
import { setStatusCondition, type Condition } from './conditions';
import type { KubeObject, policy } from './types';

export type PodDisruptionBudget = policy.PodDisruptionBudget & KubeObject;
export type BudgetStatus = policy.PodDisruptionBudgetStatus;

/**
 * Whether a budget guards a pod (policy/v1): same namespace, and its selector matches. A nil selector
 * guards no pod, an empty one every pod of the namespace, an invalid one none.
 */
export function budgetSelectsPod(budget: Pick<PodDisruptionBudget, 'metadata' | 'spec'>, pod: Pick<KubeObject, 'metadata'>): boolean {
  const sel = budget.spec?.selector;
  if (sel == null || pod.metadata.namespace !== budget.metadata.namespace) return false;
  try {
    return matchesLabels(labelSelectorFromObject(sel), pod.metadata.labels ?? {});
  } catch {
    return false;
  }
}

/** UpdateDisruptionAllowedCondition: True (SufficientPods) while disruptionsAllowed > 0, else False (InsufficientPods). */
export function disruptionAllowedConditions(status: Partial<Pick<BudgetStatus, 'disruptionsAllowed' | 'observedGeneration' | 'conditions'>>, now: string): Condition[] {
  const allowed = (status.disruptionsAllowed ?? 0) > 0;
  return setStatusCondition(
    status.conditions,
    { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '', observedGeneration: status.observedGeneration ?? 0 },
    now,
  );
}
