// ownerReferences helpers (metav1.GetControllerOf, NewControllerRef) and the adopt/orphan decision.
import type { KubeObject, meta } from '@minik8s/shared';

export function controllerOf(obj: KubeObject): meta.OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): meta.OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

export type ClaimAction = 'keep' | 'adopt' | 'release' | 'ignore';

/**
 * What a controller does with an object it sees (ControllerRefManager.ClaimObject):
 * owned + matching → keep; owned + not matching → release (orphan it); unowned + matching → adopt
 * (unless either side is being deleted); otherwise ignore.
 */
export function claimAction(ownerUid: string, ownerDeleting: boolean, obj: KubeObject, matches: boolean): ClaimAction {
  const ref = controllerOf(obj);
  if (ref) {
    if (ref.uid !== ownerUid) return 'ignore';
    if (matches) return 'keep';
    return ownerDeleting || obj.metadata.deletionTimestamp ? 'ignore' : 'release';
  }
  if (!matches || ownerDeleting || obj.metadata.deletionTimestamp) return 'ignore';
  return 'adopt';
}

/** Merge patch adopting obj: appends a controller ref, with the uid as precondition against races. */
export function adoptPatch(obj: KubeObject, ref: meta.OwnerReference): Record<string, unknown> {
  return { metadata: { ownerReferences: [...(obj.metadata.ownerReferences ?? []), ref], uid: obj.metadata.uid } };
}

/** Merge patch dropping the owner's reference from obj. */
export function releasePatch(obj: KubeObject, ownerUid: string): Record<string, unknown> {
  return { metadata: { ownerReferences: (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid), uid: obj.metadata.uid } };
}
