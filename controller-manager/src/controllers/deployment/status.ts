// Deployment status and conditions (upstream sync.go calculateStatus, progress.go, deployment_util.go),
// exactly the fields `kubectl rollout status` reads.
import type { apps } from '@minik8s/shared';
import type { Deployment } from '../../util/types';
import { maxUnavailable, type Strategy } from './rollout';

export type DeploymentCondition = apps.DeploymentCondition;

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

export function strategyOf(d: Deployment): Strategy {
  const s = d.spec?.strategy;
  if (s?.type === 'Recreate') return { type: 'Recreate' };
  return { type: 'RollingUpdate', maxSurge: s?.rollingUpdate?.maxSurge, maxUnavailable: s?.rollingUpdate?.maxUnavailable };
}

export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

export function getCondition(status: apps.DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/** SetDeploymentCondition: replaces the condition; keeps lastTransitionTime when the status did not change. */
export function setCondition(status: apps.DeploymentStatus, cond: DeploymentCondition): void {
  const cur = getCondition(status, cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason) return;
  const next = { ...cond };
  if (cur && cur.status === cond.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== cond.type), next];
}

export function newCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  nowIso: string,
): DeploymentCondition {
  return { type, status, reason, message, lastUpdateTime: nowIso, lastTransitionTime: nowIso };
}

export interface RsStatusView {
  specReplicas: number;
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** calculateStatus: counts over every RS, Available condition from minAvailable. */
export function calculateStatus(
  d: Deployment,
  all: RsStatusView[],
  newRS: RsStatusView | undefined,
  nowIso: string,
): apps.DeploymentStatus {
  const desired = desiredReplicas(d);
  const total = all.reduce((a, r) => a + r.specReplicas, 0);
  const available = all.reduce((a, r) => a + r.availableReplicas, 0);
  const status: apps.DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: all.reduce((a, r) => a + r.replicas, 0),
    updatedReplicas: newRS?.replicas ?? 0,
    readyReplicas: all.reduce((a, r) => a + r.readyReplicas, 0),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: (d.status?.conditions ?? []).map((c) => ({ ...c })),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= desired - maxUnavailable(strategyOf(d), desired)) {
    setCondition(status, newCondition('Available', 'True', REASON.minAvailable, 'Deployment has minimum availability.', nowIso));
  } else {
    setCondition(
      status,
      newCondition('Available', 'False', REASON.minUnavailable, 'Deployment does not have minimum availability.', nowIso),
    );
  }
  return status;
}

/** DeploymentComplete: every replica updated and available, and the spec observed. */
export function isComplete(d: Deployment, s: apps.DeploymentStatus): boolean {
  const desired = desiredReplicas(d);
  return (
    s.updatedReplicas === desired &&
    s.replicas === desired &&
    s.availableReplicas === desired &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: more updated/ready/available pods, or fewer old ones, than last time. */
export function isProgressing(d: Deployment, s: apps.DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** True when progressDeadlineSeconds elapsed since the last progress (DeploymentTimedOut). */
export function hasTimedOut(d: Deployment, s: apps.DeploymentStatus, now: number): boolean {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (deadline === undefined || deadline === 2147483647) return false;
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === REASON.newRSAvailable || c.reason === REASON.timedOut) return false;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  return !Number.isNaN(from) && from + deadline * 1000 < now;
}

/**
 * syncRolloutStatus's Progressing condition update (with a deadline set and not paused);
 * returns the ms until the deadline to recheck, if any.
 */
export function updateProgressing(d: Deployment, s: apps.DeploymentStatus, newRSName: string | undefined, now: number): number | undefined {
  const deadline = d.spec?.progressDeadlineSeconds;
  if (d.spec?.paused || deadline === undefined || deadline === 2147483647) return undefined;
  const nowIso = new Date(now).toISOString();
  const cur = getCondition(s, 'Progressing');
  if (isComplete(d, s)) {
    if (cur?.reason !== REASON.newRSAvailable) {
      setCondition(
        s,
        newCondition('Progressing', 'True', REASON.newRSAvailable, `ReplicaSet "${newRSName}" has successfully progressed.`, nowIso),
      );
    }
    return undefined;
  }
  if (isProgressing(d, s)) {
    const c = newCondition('Progressing', 'True', REASON.rsUpdated, `ReplicaSet "${newRSName}" is progressing.`, nowIso);
    if (cur && cur.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
    s.conditions = [...(s.conditions ?? []).filter((x) => x.type !== 'Progressing'), c];
  } else if (hasTimedOut(d, s, now)) {
    setCondition(s, newCondition('Progressing', 'False', REASON.timedOut, `ReplicaSet "${newRSName}" has timed out progressing.`, nowIso));
  }
  const c = getCondition(s, 'Progressing');
  if (!c || c.reason === REASON.timedOut) return undefined;
  const from = Date.parse(c.lastUpdateTime ?? c.lastTransitionTime ?? '');
  return Number.isNaN(from) ? undefined : Math.max(1000, from + deadline * 1000 - now + 1000);
}
