// A CustomResourceDefinition's status conditions (NamesAccepted, Established, Terminating), set as
// upstream's apihelpers.SetCRDCondition sets them: lastTransitionTime moves only when the status does.
import { rfc3339, type Obj } from '../../registry/objects';

export interface CrdCondition {
  type: 'NamesAccepted' | 'Established' | 'Terminating' | 'NonStructuralSchema' | 'KubernetesAPIApprovalPolicyConformant';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export const conditionsOf = (crd: Obj): CrdCondition[] => (Array.isArray(crd.status?.conditions) ? crd.status.conditions : []);

export const findCondition = (crd: Obj, type: CrdCondition['type']) => conditionsOf(crd).find((c) => c.type === type);

export const isConditionTrue = (crd: Obj, type: CrdCondition['type']) => findCondition(crd, type)?.status === 'True';

/** `status` with `c` set (a new object; the old status is left as it was). */
export function withCondition(status: Obj | undefined, c: CrdCondition, now = new Date()): Obj {
  const conditions: CrdCondition[] = Array.isArray(status?.conditions) ? status!.conditions : [];
  const old = conditions.find((x) => x.type === c.type);
  const next: CrdCondition = { type: c.type, status: c.status, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now), reason: c.reason, message: c.message };
  return { ...(status ?? {}), conditions: old ? conditions.map((x) => (x === old ? next : x)) : [...conditions, next] };
}

/** Same status, reason and message (upstream IsCRDConditionEquivalent). */
export const equivalent = (a: CrdCondition | undefined, b: CrdCondition | undefined) => !!a && !!b && a.status === b.status && a.reason === b.reason && a.message === b.message;
