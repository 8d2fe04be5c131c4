// The garbage collector's decision for one dependent (upstream attemptToDeleteItem), pure.
import type { meta } from '@minik8s/shared';

export type OwnerState = 'exists' | 'absent' | 'waiting';

export type DependentAction =
  { kind: 'none' } | { kind: 'removeRefs'; uids: string[] } | { kind: 'delete'; policy: 'Background' | 'Foreground' };

/**
 * solid owners (exist, not deleting in the foreground) keep the object: dangling and waiting refs are
 * removed; with no solid owner it is deleted — in the foreground when an owner waits on its dependents.
 */
export function decideDependent(refs: meta.OwnerReference[], state: (ref: meta.OwnerReference) => OwnerState): DependentAction {
  if (refs.length === 0) return { kind: 'none' };
  const solid: string[] = [],
    dangling: string[] = [],
    waiting: string[] = [];
  for (const r of refs) {
    const s = state(r);
    (s === 'exists' ? solid : s === 'absent' ? dangling : waiting).push(r.uid);
  }
  if (solid.length > 0) {
    const drop = [...dangling, ...waiting];
    return drop.length ? { kind: 'removeRefs', uids: drop } : { kind: 'none' };
  }
  return { kind: 'delete', policy: waiting.length > 0 ? 'Foreground' : 'Background' };
}
