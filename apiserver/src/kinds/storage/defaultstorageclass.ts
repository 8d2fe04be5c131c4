// Upstream's DefaultStorageClass admission: a claim created without a class (no storageClassName, no beta
// annotation) gets the default StorageClass — the newest one marked default, as upstream picks among
// several. A claim that names the empty class "" keeps asking for no class. A mutating plugin, creates only.
import { claimHasClass, defaultClass, type Claim, type StorageClass } from '@minik8s/shared';
import type { AdmissionPlugin } from '../../registry/admission';
import { storageClasses } from './storageclass';

export const defaultStorageClass: AdmissionPlugin = {
  name: 'DefaultStorageClass',
  operations: ['CREATE'],
  admit: async (registry, { r, obj }) => {
    if (r.group !== '' || r.resource !== 'persistentvolumeclaims') return;
    if (claimHasClass(obj as Claim)) return;
    const classes = await registry.list(registry.resource(storageClasses), { resourceVersion: '0' });
    const def = defaultClass(classes.items as StorageClass[]);
    if (!def) return;
    obj.spec = { ...(obj.spec ?? {}), storageClassName: def.metadata.name };
  },
};
