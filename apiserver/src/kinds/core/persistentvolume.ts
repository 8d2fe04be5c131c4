// PersistentVolumes (upstream pkg/registry/core/persistentvolume): cluster-scoped, created Pending (the PV
// controller moves the phase on), each phase change stamped in status.lastPhaseTransitionTime; reclaim
// policy Retain and volume mode Filesystem by default; the volume source is immutable.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { accessModesString, formatQuantity, parseQuantity, volumeClass } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import { rfc3339, type Obj } from '../../registry/objects';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../tables/columns';
import { obj, oneOf, str, strings } from '../../registry/validation';
import { isObj, setIfAbsent } from '../helpers';
import { specDiff, validateAccessModes, validateClassName, validateHostPathSource, validateLocalSource, validateStorageSize, validateVolumeMode, validateVolumeNodeAffinity } from './volumes';

/** Every volume source a PersistentVolumeSpec may carry (one at most); minik8s nodes mount hostPath and local. */
const SOURCES = [
  'hostPath', 'local', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'scaleIO', 'storageos', 'csi',
];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'] as const;

/** The claim a volume is (pre-)bound to: an object reference whose strings are strings (the binder reads them). */
function validateClaimRef(ref: unknown, errs: Cause[]): void {
  const r = obj(errs, 'spec.claimRef', ref);
  if (!r) return;
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) str(errs, `spec.claimRef.${k}`, r[k]);
}

/** A stored quantity as upstream prints it (canonical form in the format it was written in). */
export function canonicalQuantity(q: unknown): string {
  if (typeof q !== 'string' && typeof q !== 'number') return '';
  try {
    return formatQuantity(parseQuantity(q), typeof q === 'string' && /[KMGTPE]i$/.test(q) ? 'BinarySI' : 'DecimalSI');
  } catch {
    return String(q);
  }
}

function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  validateAccessModes('spec.accessModes', spec.accessModes, errs, '');
  const cap = obj(errs, 'spec.capacity', spec.capacity);
  if (!cap || Object.keys(cap).length === 0) errs.push(fe.required('spec.capacity'));
  if (!cap || cap.storage === undefined || Object.keys(cap).length > 1) errs.push(fe.notSupported('spec.capacity', cap ?? {}, ['storage']));
  for (const [k, v] of Object.entries(cap ?? {})) validateStorageSize(`spec.capacity[${k}]`, v, errs);
  const reclaim = oneOf(errs, 'spec.persistentVolumeReclaimPolicy', spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES);
  if (spec.nodeAffinity !== undefined && spec.nodeAffinity !== null) validateVolumeNodeAffinity('spec.nodeAffinity', spec.nodeAffinity, errs);
  const sources = SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(fe.required('spec', 'must specify a volume type'));
  for (const extra of sources.slice(1)) errs.push(fe.forbidden(`spec.${extra}`, 'may not specify more than 1 volume type'));
  if (sources[0] === 'hostPath') validateHostPathSource('spec.hostPath', spec.hostPath, errs);
  if (sources[0] === 'local') {
    validateLocalSource('spec.local', spec.local, errs);
    if (!isObj(spec.nodeAffinity)) errs.push(fe.required('spec.nodeAffinity', 'Local volume requires node affinity'));
  }
  if (reclaim === 'Recycle' && sources[0] === 'hostPath' && typeof spec.hostPath?.path === 'string' && /^\/+$/.test(spec.hostPath.path))
    errs.push(fe.forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  validateClassName('spec.storageClassName', spec.storageClassName, errs);
  validateVolumeMode('spec.volumeMode', spec.volumeMode, errs);
  strings(errs, 'spec.mountOptions', spec.mountOptions);
  validateClaimRef(spec.claimRef, errs);
  return errs;
}

/** ValidatePersistentVolumeUpdate: the volume source and mode are fixed; node affinity may only be set once. */
function validateUpdate(next: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  const source = (o: Obj) => Object.fromEntries(SOURCES.filter((s) => o.spec?.[s] !== undefined).map((s) => [s, o.spec[s]]));
  const a = source(old);
  const b = source(next);
  if (JSON.stringify(a) !== JSON.stringify(b)) errs.push(fe.forbidden('spec.persistentvolumesource', `spec.persistentvolumesource is immutable after creation\n${specDiff(a, b)}`));
  if ((next.spec?.volumeMode ?? null) !== (old.spec?.volumeMode ?? null)) errs.push(fe.immutable('volumeMode', next.spec?.volumeMode));
  if (old.spec?.nodeAffinity && JSON.stringify(old.spec.nodeAffinity) !== JSON.stringify(next.spec?.nodeAffinity))
    errs.push(fe.invalid('nodeAffinity', next.spec?.nodeAffinity ?? null, 'field is immutable'));
  return errs;
}

export const persistentVolumes: ResourceStrategy = {
  group: '',
  kind: 'PersistentVolume',
  resource: 'persistentvolumes',
  namespaced: false,
  shortNames: ['pv'],
  versions: [{ name: 'v1' }],
  status: {
    initial: () => ({ phase: 'Pending', lastPhaseTransitionTime: rfc3339(new Date()) }),
    prepare(next, old) {
      if (next.status?.phase !== old.status?.phase) next.status = { ...(next.status ?? {}), lastPhaseTransitionTime: rfc3339(new Date()) };
    },
  },
  defaults(o) {
    if (!isObj(o.spec)) return;
    setIfAbsent(o.spec, 'persistentVolumeReclaimPolicy', 'Retain');
    setIfAbsent(o.spec, 'volumeMode', 'Filesystem');
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Capacity', { description: "capacity is the description of the persistent volume's resources and capacity. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity" }),
      col('Access Modes', { description: 'accessModes contains all ways the volume can be mounted. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes' }),
      col('Reclaim Policy', { description: 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported by the volume plugin underlying this PersistentVolume. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming' }),
      col('Status', { description: 'phase indicates if a volume is available, bound to a claim, or released by a claim. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase' }),
      col('Claim', { description: 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding' }),
      col('StorageClass', { description: 'StorageClass of the pv' }),
      col('VolumeAttributesClass', { description: 'VolumeAttributesClass of the pv' }),
      col('Reason', { description: 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.' }),
      AGE,
      wide('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state. Value of Filesystem is implied when not included in spec.'),
    ],
    cells(o: any, now) {
      const ref = o.spec?.claimRef;
      return [
        nameOf(o),
        canonicalQuantity(o.spec?.capacity?.storage),
        accessModesString(o.spec?.accessModes),
        o.spec?.persistentVolumeReclaimPolicy ?? '',
        o.metadata?.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''),
        ref ? `${ref.namespace ?? ''}/${ref.name ?? ''}` : '',
        volumeClass(o),
        o.spec?.volumeAttributesClassName ?? '<unset>',
        o.status?.reason ?? '',
        ageOf(o, now),
        o.spec?.volumeMode ?? '<unset>',
      ];
    },
  },
};
