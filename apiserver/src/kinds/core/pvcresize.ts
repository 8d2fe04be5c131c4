// Upstream's PersistentVolumeClaimResize admission: a claim's storage request may only grow when the claim
// is bound and its StorageClass allows volume expansion (403 otherwise, worded as upstream).
import { ApiError, claimClass, parseQuantity, statusFor, type Claim } from '@minik8s/shared';
import type { AdmissionPlugin } from '../../registry/admission';
import type { Obj } from '../../registry/objects';
import { storageClasses } from '../storage/storageclass';

const requested = (o: Obj): number => {
  try {
    return parseQuantity(o.spec?.resources?.requests?.storage ?? 0);
  } catch {
    return 0;
  }
};

export const persistentVolumeClaimResize: AdmissionPlugin = {
  name: 'PersistentVolumeClaimResize',
  operations: ['UPDATE'],
  validate: async (registry, { r, name, obj, old }) => {
    if (r.group !== '' || r.resource !== 'persistentvolumeclaims' || !old) return;
    if (!(requested(obj) > requested(old))) return;
    const forbidden = (why: string) => new ApiError(statusFor.forbidden(`persistentvolumeclaims "${name}" is forbidden: ${why}`));
    if (old.status?.phase !== 'Bound') throw forbidden('Only bound persistent volume claims can be expanded');
    const className = claimClass(old as Claim);
    const sc = className ? await registry.peek(registry.resource(storageClasses), className) : undefined;
    if (sc?.allowVolumeExpansion !== true)
      throw forbidden('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  },
};
