// Taints and tolerations as the scheduler, the DaemonSet controller and the taint manager all read them
// (k8s.io/api/core/v1 toleration.go, component-helpers/scheduling/corev1 helpers).
import type { core } from '../api/types';

/** The taints the node lifecycle controller manages (v1.TaintNode*). */
export const TAINT_NODE_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_NODE_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_NODE_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_NODE_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_NODE_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NODE_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';

/**
 * Toleration.ToleratesTaint: an empty effect matches every effect, an empty key every key; the
 * operator Exists matches any value, Equal (or none) the same value; any other operator nothing.
 */
export function toleratesTaint(t: core.Toleration, taint: core.Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** TolerationsTolerateTaint: any of them tolerates it. */
export function tolerationsTolerateTaint(tolerations: readonly core.Toleration[] | undefined, taint: core.Taint): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The effects that keep pods off a node (the scheduler's filter, DaemonSet placement). */
export const isScheduleTaint = (t: core.Taint): boolean => t.effect === 'NoSchedule' || t.effect === 'NoExecute';
export const isNoExecuteTaint = (t: core.Taint): boolean => t.effect === 'NoExecute';

/** FindMatchingUntoleratedTaint: the first taint passing `filter` that no toleration tolerates. */
export function findUntoleratedTaint(taints: readonly core.Taint[] | undefined, tolerations: readonly core.Toleration[] | undefined, filter: (t: core.Taint) => boolean = () => true): core.Taint | undefined {
  return (taints ?? []).find((taint) => filter(taint) && !tolerationsTolerateTaint(tolerations, taint));
}

/**
 * AddOrUpdateTolerationInPodSpec: tolerations are unique by key, effect, operator and value. The ones
 * with the same four as `t` are replaced by it (unless one already equals it), else `t` is appended.
 */
export function addOrUpdateToleration(tolerations: readonly core.Toleration[] | undefined, t: core.Toleration): core.Toleration[] {
  const list = tolerations ?? [];
  const same = (o: core.Toleration) => (o.key ?? '') === (t.key ?? '') && (o.effect ?? '') === (t.effect ?? '') && (o.operator ?? '') === (t.operator ?? '') && (o.value ?? '') === (t.value ?? '');
  const matching = list.filter(same);
  if (matching.some((o) => (o.tolerationSeconds ?? null) === (t.tolerationSeconds ?? null))) return [...list];
  return matching.length ? list.map((o) => (same(o) ? t : o)) : [...list, t];
}
