// Pure decisions of the ReplicaSet/ReplicationController controller: which pods to delete first,
// how large each create batch is, what the status says.
import type { Pod } from '../../util/types';
import { isPodAvailable, isPodReady, podCondition } from '@minik8s/shared';



const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(p: Pod): number | undefined {
  const c = podCondition(p, 'Ready');
  return c?.status === 'True' && c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : undefined;
}

function restarts(p: Pod): number {
  return Math.max(0, ...(p.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

function deletionCost(p: Pod): number {
  const v = Number(p.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost']);
  return Number.isFinite(v) ? v : 0;
}

/**
 * controller.ActivePodsWithRanks.Less: negative when `a` should be deleted before `b`.
 * rank = number of related pods on the same node (more doubled-up pods go first).
 */
export function compareForDeletion(a: Pod, b: Pod, rankA = 0, rankB = 0): number {
  const na = a.spec?.nodeName ?? '', nb = b.spec?.nodeName ?? '';
  // 1. unscheduled < scheduled
  if ((na === '') !== (nb === '')) return na === '' ? -1 : 1;
  // 2. Pending < Unknown < Running
  const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0, pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  // 3. not ready < ready
  const ra = isPodReady(a), rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  // 4. lower pod-deletion-cost first
  const ca = deletionCost(a), cb = deletionCost(b);
  if (ca !== cb) return ca - cb;
  // 5. more pods on the same node first
  if (rankA !== rankB) return rankB - rankA;
  // 6. ready for less time first
  if (ra && rb) {
    const ta = readySince(a), tb = readySince(b);
    if (ta !== tb) {
      if (ta === undefined) return -1;
      if (tb === undefined) return 1;
      return tb - ta;
    }
  }
  // 7. more restarts first
  const xa = restarts(a), xb = restarts(b);
  if (xa !== xb) return xb - xa;
  // 8. newer first (no timestamp = newest)
  const cta = a.metadata.creationTimestamp ? Date.parse(a.metadata.creationTimestamp) : Infinity;
  const ctb = b.metadata.creationTimestamp ? Date.parse(b.metadata.creationTimestamp) : Infinity;
  if (cta !== ctb) return cta > ctb ? -1 : 1;
  return 0;
}

/** The `diff` pods to delete: ranked by co-located related pods (getPodsToDelete). */
export function podsToDelete(pods: Pod[], related: Pod[], diff: number): Pod[] {
  if (diff >= pods.length) return pods.slice();
  const perNode = new Map<string, number>();
  for (const p of related) {
    const n = p.spec?.nodeName;
    if (n) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const rank = (p: Pod) => (p.spec?.nodeName ? perNode.get(p.spec.nodeName) ?? 0 : 0);
  const ranked = pods.map((p) => ({ p, r: rank(p) }));
  ranked.sort((x, y) => compareForDeletion(x.p, y.p, x.r, y.r));
  return ranked.slice(0, diff).map((x) => x.p);
}

/** Slow start (slowStartBatch): batch sizes 1, 2, 4, ... summing to `count`. */
export function slowStartBatches(count: number, initial = 1): number[] {
  const out: number[] = [];
  let remaining = count, size = Math.min(initial, count);
  while (size > 0) {
    out.push(size);
    remaining -= size;
    size = Math.min(2 * size, remaining);
  }
  return out;
}

export interface ReplicaStatusCounts {
  replicas: number;
  fullyLabeledReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
}

/** Counts over the active pods the controller owns (calculateStatus). */
export function countReplicas(pods: Pod[], templateLabels: Record<string, string>, minReadySeconds: number, now: number): ReplicaStatusCounts {
  let fully = 0, ready = 0, available = 0;
  for (const p of pods) {
    const labels = p.metadata.labels ?? {};
    if (Object.entries(templateLabels).every(([k, v]) => labels[k] === v)) fully++;
    if (isPodReady(p)) {
      ready++;
      if (isPodAvailable(p, minReadySeconds, now)) available++;
    }
  }
  return { replicas: pods.length, fullyLabeledReplicas: fully, readyReplicas: ready, availableReplicas: available };
}

export interface RsCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * ReplicaFailure condition: set when creating/deleting pods failed, cleared on success
 * (the transition time is kept when the condition does not change).
 */
export function replicaFailureConditions(existing: RsCondition[] | undefined, err: { creating: boolean; message: string } | undefined, nowIso: string): RsCondition[] {
  const others = (existing ?? []).filter((c) => c.type !== 'ReplicaFailure');
  if (!err) return others;
  const reason = err.creating ? 'FailedCreate' : 'FailedDelete';
  const prev = existing?.find((c) => c.type === 'ReplicaFailure');
  const same = prev && prev.status === 'True' && prev.reason === reason && prev.message === err.message;
  return [...others, { type: 'ReplicaFailure', status: 'True', reason, message: err.message, lastTransitionTime: same ? prev!.lastTransitionTime : nowIso }];
}
