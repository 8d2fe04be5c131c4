// What every component means by a pod being ready, available, active or finished
// (k8s.io/kubernetes/pkg/api/v1/pod and the controller utilities).
import type { core, KubeObject, ObjectMeta } from './types';

/** A stored Pod: the upstream shape with metadata always present. */
export type Pod = core.Pod & KubeObject;

/** The parts of a pod these rules read; looser shapes (a table row, a CLI's view) fit too. */
export interface PodLike {
  metadata?: Pick<ObjectMeta, 'deletionTimestamp'>;
  status?: Pick<core.PodStatus, 'phase' | 'conditions'>;
}

export function podCondition(pod: PodLike, type: string): core.PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** podutil.IsPodReady: the Ready condition is True. */
export function isPodReady(pod: PodLike): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** podutil.IsPodAvailable: ready for at least minReadySeconds at `now` (epoch ms). */
export function isPodAvailable(pod: PodLike, minReadySeconds: number, now: number): boolean {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True') return false;
  if (minReadySeconds <= 0) return true;
  const since = c.lastTransitionTime ? Date.parse(c.lastTransitionTime) : NaN;
  return !Number.isNaN(since) && since + minReadySeconds * 1000 <= now;
}

/** Seconds until a ready pod becomes available, or undefined when it never will without a change. */
export function secondsUntilAvailable(pod: PodLike, minReadySeconds: number, now: number): number | undefined {
  const c = podCondition(pod, 'Ready');
  if (c?.status !== 'True' || minReadySeconds <= 0 || !c.lastTransitionTime) return undefined;
  const left = Date.parse(c.lastTransitionTime) + minReadySeconds * 1000 - now;
  return left > 0 ? Math.ceil(left / 1000) : undefined;
}

/** podutil.IsPodPhaseTerminal: Succeeded or Failed. */
export function isPodPhaseTerminal(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** podutil.IsPodTerminal. */
export function isPodTerminal(pod: PodLike): boolean {
  return isPodPhaseTerminal(pod.status?.phase);
}

/** controller.IsPodActive: not finished and not being deleted. */
export function isPodActive(pod: PodLike): boolean {
  return !isPodTerminal(pod) && !pod.metadata?.deletionTimestamp;
}
