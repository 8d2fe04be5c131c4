// Upstream's StorageObjectInUseProtection admission: every new claim carries the kubernetes.io/pvc-protection
// finalizer and every new volume kubernetes.io/pv-protection, so neither disappears while in use; the
// controller-manager's pvc-protection and pv-protection controllers remove them once it is safe.
import { PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER } from '@minik8s/shared';
import type { AdmissionPlugin } from '../../registry/admission';

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: 'StorageObjectInUseProtection',
  operations: ['CREATE'],
  admit: async (_registry, { r, obj }) => {
    if (r.group !== '') return;
    const finalizer =
      r.resource === 'persistentvolumeclaims'
        ? PVC_PROTECTION_FINALIZER
        : r.resource === 'persistentvolumes'
          ? PV_PROTECTION_FINALIZER
          : undefined;
    if (!finalizer) return;
    const list: unknown = obj.metadata.finalizers;
    const finalizers = Array.isArray(list) ? list : [];
    if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
  },
};
