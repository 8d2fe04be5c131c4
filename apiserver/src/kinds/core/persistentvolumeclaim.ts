// PersistentVolumeClaims (upstream pkg/registry/core/persistentvolumeclaim): created Pending, volume mode
// Filesystem by default; the spec is immutable once created except that the binder sets volumeName
// once, a class may be set on a claim that had none, and a bound claim's storage request may change
// (growing it is for classes that allow expansion: the PersistentVolumeClaimResize admission).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { accessModesString, claimClass, parseQuantity } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import { labelSelector, obj, quantity, str } from '../../registry/validation';
import { clone, type Obj } from '../../registry/objects';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../tables/columns';
import { isObj, setIfAbsent } from '../helpers';
import { canonicalQuantity } from './persistentvolume';
import { specDiff, validateAccessModes, validateClassName, validateStorageSize, validateVolumeMode } from './volumes';

/** ValidatePersistentVolumeClaimSpec, at `path` (also the claim templates of StatefulSets). */
export function validateClaimSpec(path: string, spec: any, errs: Cause[]): void {
  if (!isObj(spec)) {
    errs.push(fe.required(path));
    return;
  }
  validateAccessModes(`${path}.accessModes`, spec.accessModes, errs, 'at least 1 access mode is required');
  labelSelector(errs, `${path}.selector`, spec.selector);
  const resources = obj(errs, `${path}.resources`, spec.resources);
  const requests = obj(errs, `${path}.resources.requests`, resources?.requests);
  const limits = obj(errs, `${path}.resources.limits`, resources?.limits);
  const storage = requests?.storage;
  if (storage === undefined || storage === null) errs.push(fe.required(`${path}.resources[storage]`));
  else validateStorageSize(`${path}.resources[storage]`, storage, errs);
  for (const [k, v] of Object.entries(limits ?? {})) quantity(errs, `${path}.resources.limits[${k}]`, v);
  str(errs, `${path}.volumeName`, spec.volumeName);
  validateClassName(`${path}.storageClassName`, spec.storageClassName, errs);
  validateVolumeMode(`${path}.volumeMode`, spec.volumeMode, errs);
}

const size = (o: Obj, where: 'spec' | 'status'): number => {
  const q = where === 'spec' ? o.spec?.resources?.requests?.storage : o.status?.capacity?.storage;
  try {
    return q === undefined ? NaN : parseQuantity(q);
  } catch {
    return NaN;
  }
};

/** ValidatePersistentVolumeClaimUpdate. */
function validateUpdate(next: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  const a = clone(old.spec ?? {});
  const b = clone(next.spec ?? {});
  // the binder sets volumeName once
  if (!a.volumeName) {
    if (b.volumeName === undefined) delete a.volumeName;
    else a.volumeName = b.volumeName;
  }
  // a class may be set on a claim that had none (the default class, given later)
  const oldBeta = old.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if ((a.storageClassName === undefined || a.storageClassName === null) && b.storageClassName != null && (oldBeta === undefined || oldBeta === b.storageClassName))
    a.storageClassName = b.storageClassName;
  // a bound claim's storage request may change (resize); validated below and by admission
  if (next.status?.phase === 'Bound' && isObj(b.resources?.requests)) b.resources.requests.storage = a.resources?.requests?.storage;
  delete a.volumeAttributesClassName;
  delete b.volumeAttributesClassName;
  if (JSON.stringify(a) !== JSON.stringify(b))
    errs.push(fe.forbidden('spec', `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${specDiff(a, b)}`));
  if (oldBeta !== next.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'])
    errs.push(fe.invalid('metadata.annotations[volume.beta.kubernetes.io/storage-class]', next.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? '', 'field is immutable'));
  const newSize = size(next, 'spec');
  const statusSize = size(old, 'status');
  if (newSize < size(old, 'spec') && newSize <= (Number.isNaN(statusSize) ? 0 : statusSize))
    errs.push(fe.forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  if ((next.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) errs.push(fe.immutable('volumeMode', next.spec?.volumeMode));
  return errs;
}

export const persistentVolumeClaims: ResourceStrategy = {
  group: '',
  kind: 'PersistentVolumeClaim',
  resource: 'persistentvolumeclaims',
  namespaced: true,
  shortNames: ['pvc'],
  versions: [{ name: 'v1' }],
  status: { initial: () => ({ phase: 'Pending' }) },
  defaults(o) {
    if (isObj(o.spec)) setIfAbsent(o.spec, 'volumeMode', 'Filesystem');
  },
  validate: (o) => {
    const errs: Cause[] = [];
    validateClaimSpec('spec', o.spec, errs);
    return errs;
  },
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Status', { description: 'phase represents the current phase of PersistentVolumeClaim.' }),
      col('Volume', { description: 'volumeName is the binding reference to the PersistentVolume backing this claim.' }),
      col('Capacity', { description: 'capacity represents the actual resources of the underlying volume.' }),
      col('Access Modes', { description: 'accessModes contains the actual access modes the volume backing the PVC has. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1' }),
      col('StorageClass', { description: 'StorageClass of the pvc' }),
      col('VolumeAttributesClass', { description: 'VolumeAttributesClass of the pvc' }),
      AGE,
      wide('VolumeMode', 'volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when not included in claim spec.'),
    ],
    cells(o: any, now) {
      const bound = !!o.spec?.volumeName;
      return [
        nameOf(o),
        o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''),
        o.spec?.volumeName ?? '',
        bound ? canonicalQuantity(o.status?.capacity?.storage) : '',
        bound ? accessModesString(o.status?.accessModes) : '',
        claimClass(o),
        o.spec?.volumeAttributesClassName ?? '<unset>',
        ageOf(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
};
