// The storage-object-in-use protection decisions (upstream pvcprotection / pvprotection), pure.
import { isPodTerminal, podClaimNames, type Claim, type KubeObject, type Pod, type Volume } from '@minik8s/shared';

export type FinalizerStep = 'add' | 'remove' | 'keep';

/**
 * A claim is in use while a scheduled pod that has not terminated names it: the kubelet sees pods only
 * once scheduled, and refuses to start one whose claim is being deleted.
 */
export function claimInUse(claim: Claim, pods: readonly Pod[]): boolean {
  const name = claim.metadata.name!;
  return pods.some((p) => p.metadata.namespace === claim.metadata.namespace && !!p.spec?.nodeName && !isPodTerminal(p) && podClaimNames(p).includes(name));
}

/** A volume is in use while bound (the PV controller moves a released one out of Bound). */
export const volumeInUse = (v: Volume): boolean => v.status?.phase === 'Bound';

/** Add the finalizer to a live object missing it; remove it from an object being deleted once unused. */
export function finalizerStep(obj: KubeObject, finalizer: string, inUse: () => boolean): FinalizerStep {
  const has = (obj.metadata.finalizers ?? []).includes(finalizer);
  if (!obj.metadata.deletionTimestamp) return has ? 'keep' : 'add';
  if (!has) return 'keep';
  return inUse() ? 'keep' : 'remove';
}
