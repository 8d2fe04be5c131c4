// The pods that use a claim, by "namespace/claim" (upstream's PodPVCIndex), for the PV binder and the
// pvc-protection controller.
import { isPodTerminal, podClaimNames, type Informer } from '@minik8s/shared';
import type { Pod } from './types';

export const POD_CLAIM_INDEX = 'pvc';

export function indexPodsByClaim(pods: Informer<Pod>): void {
  pods.addIndexer(POD_CLAIM_INDEX, (p) => podClaimNames(p).map((c) => `${p.metadata.namespace}/${c}`));
}

/** The pods of the index that use the claim and have not terminated. */
export function activePodsOfClaim(pods: Informer<Pod>, claimKey: string): Pod[] {
  return pods.store.byIndex(POD_CLAIM_INDEX, claimKey).filter((p) => !isPodTerminal(p));
}
