// The Deployment controller's arithmetic (upstream pkg/controller/deployment/{rolling,sync}.go,
// util/deployment_util.go) as pure functions over small records.
import { scaledValue } from '../../util/intstr';

export interface RsInfo {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  /** creationTimestamp in ms (ties broken by name) */
  created: number;
}

export interface Strategy {
  type: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
}

/** ResolveFenceposts: surge rounds up, unavailable down; both zero → unavailable 1. */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge, desired, true, '25%');
  let unavailable = scaledValue(maxUnavailable, desired, false, '25%');
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxUnavailable(s: Strategy, desired: number): number {
  if (s.type !== 'RollingUpdate' || desired === 0) return 0;
  const { unavailable } = resolveFenceposts(s.maxSurge, s.maxUnavailable, desired);
  return Math.min(unavailable, desired);
}

export function maxSurge(s: Strategy, desired: number): number {
  if (s.type !== 'RollingUpdate') return 0;
  return resolveFenceposts(s.maxSurge, s.maxUnavailable, desired).surge;
}

const sum = (rs: RsInfo[], f: (r: RsInfo) => number) => rs.reduce((a, r) => a + f(r), 0);
const byAge = (a: RsInfo, b: RsInfo) => a.created - b.created || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** NewRSNewReplicas: the size the new RS may grow to now. */
export function newRSNewReplicas(s: Strategy, desired: number, all: RsInfo[], newRS: RsInfo): number {
  if (s.type === 'Recreate') return desired;
  const surge = maxSurge(s, desired);
  const current = sum(all, (r) => r.replicas);
  const maxTotal = desired + surge;
  if (current >= maxTotal) return newRS.replicas;
  const up = Math.min(maxTotal - current, desired - newRS.replicas);
  return newRS.replicas + Math.max(0, up);
}

/**
 * reconcileOldReplicaSets: new sizes for old RSes (name → replicas) that keep at least
 * desired − maxUnavailable pods available. First removes unhealthy old pods, then healthy ones.
 */
export function scaleDownOld(s: Strategy, desired: number, old: RsInfo[], newRS: RsInfo | undefined): Map<string, number> {
  const result = new Map<string, number>();
  const olds = old.map((r) => ({ ...r })).sort(byAge);
  const oldCount = sum(olds, (r) => r.replicas);
  if (oldCount === 0) return result;
  const all = newRS ? [...olds, newRS] : olds;
  const allCount = sum(all, (r) => r.replicas);
  const minAvailable = desired - maxUnavailable(s, desired);
  const newUnavailable = newRS ? newRS.replicas - newRS.available : 0;
  const maxScaledDown = allCount - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;

  // cleanupUnhealthyReplicas: old RSes whose pods are not available lose them first.
  let cleaned = 0;
  for (const r of olds) {
    if (cleaned >= maxScaledDown) break;
    if (r.replicas === 0 || r.replicas <= r.available) continue; // status may lag a scale-down
    const down = Math.min(maxScaledDown - cleaned, r.replicas - r.available);
    r.replicas -= down;
    cleaned += down;
    result.set(r.name, r.replicas);
  }

  // scaleDownOldReplicaSetsForRollingUpdate: then available pods, as far as minAvailable allows.
  const available = sum(olds, (r) => r.available) + (newRS?.available ?? 0);
  if (available > minAvailable) {
    const total = available - minAvailable;
    let done = 0;
    for (const r of olds) {
      if (done >= total) break;
      if (r.replicas === 0) continue;
      const down = Math.min(r.replicas, total - done);
      r.replicas -= down;
      done += down;
      result.set(r.name, r.replicas);
    }
  }
  return result;
}

/**
 * A scaling event while a rollout is in flight (DeploymentController.scale): spread the change over
 * the active RSes in proportion to their size, the rounding leftover going to the largest (newest on ties).
 * Returns name → new replicas for every RS that changes.
 */
export function proportionalScale(s: Strategy, desired: number, active: RsInfo[], newRS: RsInfo | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const all = active.filter((r) => r.replicas > 0);
  if (newRS && !all.some((r) => r.name === newRS.name)) all.push(newRS);
  if (all.length === 0) return out;
  if (all.filter((r) => r.replicas > 0).length <= 1) {
    const only = all.find((r) => r.replicas > 0) ?? newRS ?? all[all.length - 1];
    if (only.replicas !== desired) out.set(only.name, desired);
    return out;
  }
  const current = sum(all, (r) => r.replicas);
  const allowed = desired > 0 ? desired + maxSurge(s, desired) : 0;
  const toAdd = allowed - current;
  if (toAdd === 0) return out;
  // Larger first, newer first on ties (ReplicaSetsBySizeNewer), so leftovers go to the biggest.
  const order = all.slice().sort((a, b) => b.replicas - a.replicas || b.created - a.created);
  let added = 0;
  const next = new Map(order.map((r) => [r.name, r.replicas]));
  for (const r of order) {
    const share =
      toAdd > 0
        ? Math.min(toAdd - added, Math.round((r.replicas * toAdd) / current))
        : Math.max(toAdd - added, Math.round((r.replicas * toAdd) / current));
    next.set(r.name, r.replicas + share);
    added += share;
  }
  const first = order[0];
  next.set(first.name, Math.max(0, next.get(first.name)! + (toAdd - added)));
  for (const r of order) if (next.get(r.name)! !== r.replicas) out.set(r.name, Math.max(0, next.get(r.name)!));
  return out;
}

/**
 * cleanupDeployment: with more than `limit` old RSes (not being deleted), the oldest surplus ones
 * that are fully scaled down (spec and status) are deleted. `revision` orders them, creation breaks ties.
 */
export function historyToDelete(
  old: (RsInfo & { revision: number; statusReplicas: number; deleting: boolean })[],
  limit: number,
): string[] {
  const alive = old.filter((r) => !r.deleting).sort((a, b) => a.revision - b.revision || byAge(a, b));
  const diff = alive.length - limit;
  if (diff <= 0) return [];
  return alive
    .slice(0, diff)
    .filter((r) => r.replicas === 0 && r.statusReplicas === 0)
    .map((r) => r.name);
}
