// StorageClasses (upstream pkg/registry/storage/storageclass): cluster-scoped; reclaim policy Delete and
// volume binding mode Immediate by default; provisioner, parameters, reclaim policy and binding mode are
// fixed once created. `kubectl get sc` marks the default class "(default)".
/* eslint-disable @typescript-eslint/no-explicit-any */
import { isDefaultClass, qualifiedNameErrors, type StorageClass } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import { bool, each, labelValue, objects, oneOf, qualifiedName, str, stringMap, strings } from '../../registry/validation';
import type { Obj } from '../../registry/objects';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { isObj, setIfAbsent } from '../helpers';

const RECLAIM = ['Delete', 'Retain'] as const;
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'] as const;
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** ValidateTopologySelectorTerm for each allowed topology, and no two terms alike. */
function validateAllowedTopologies(terms: unknown, errs: Cause[]): void {
  const seen: string[] = [];
  for (const [t, path] of objects(errs, 'allowedTopologies', terms)) {
    const keys = new Set<string>();
    const canonical: Record<string, string[]> = {};
    for (const [e, p] of objects(errs, `${path}.matchLabelExpressions`, t.matchLabelExpressions)) {
      const key = str(errs, `${p}.key`, e.key) ?? '';
      qualifiedName(errs, `${p}.key`, key);
      if (keys.has(key)) errs.push(fe.duplicate(`${p}.key`, key));
      keys.add(key);
      const values = strings(errs, `${p}.values`, e.values);
      if (!Array.isArray(e.values) || e.values.length === 0) errs.push(fe.required(`${p}.values`, 'must specify as least one value'));
      for (const [v, vp] of values) labelValue(errs, vp, v);
      canonical[key] = values.map(([v]) => v).sort();
    }
    const c = JSON.stringify(Object.keys(canonical).sort().map((k) => [k, canonical[k]]));
    if (seen.includes(c)) errs.push(fe.duplicate(`${path}.matchLabelExpressions`, ''));
    seen.push(c);
  }
}

function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const provisioner = str(errs, 'provisioner', o.provisioner, true);
  if (provisioner) each(errs, 'provisioner', provisioner, qualifiedNameErrors(provisioner.toLowerCase()));
  const parameters = Object.entries(stringMap(errs, 'parameters', o.parameters));
  if (parameters.length > MAX_PARAMETERS) errs.push({ field: 'parameters', reason: 'FieldValueTooLong', message: `Too long: may have at most ${MAX_PARAMETERS} items` });
  let total = 0;
  for (const [k, v] of parameters) {
    if (!k) errs.push(fe.invalid('parameters', k, 'field can not be empty.'));
    total += k.length + v.length;
  }
  if (total > MAX_PARAMETERS_SIZE) errs.push({ field: 'parameters', reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_PARAMETERS_SIZE} bytes` });
  oneOf(errs, 'reclaimPolicy', o.reclaimPolicy, RECLAIM);
  oneOf(errs, 'volumeBindingMode', o.volumeBindingMode, BINDING_MODES, true);
  bool(errs, 'allowVolumeExpansion', o.allowVolumeExpansion);
  strings(errs, 'mountOptions', o.mountOptions);
  validateAllowedTopologies(o.allowedTopologies, errs);
  return errs;
}

/** ValidateStorageClassUpdate. */
function validateUpdate(next: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  if (JSON.stringify(next.parameters ?? {}) !== JSON.stringify(old.parameters ?? {})) errs.push(fe.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (next.provisioner !== old.provisioner) errs.push(fe.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (next.reclaimPolicy !== old.reclaimPolicy) errs.push(fe.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (next.volumeBindingMode !== old.volumeBindingMode) errs.push(fe.immutable('volumeBindingMode', next.volumeBindingMode));
  return errs;
}

export const storageClasses: ResourceStrategy = {
  group: 'storage.k8s.io',
  kind: 'StorageClass',
  resource: 'storageclasses',
  namespaced: false,
  shortNames: ['sc'],
  versions: [{ name: 'v1' }],
  defaults(o) {
    setIfAbsent(o, 'reclaimPolicy', 'Delete');
    setIfAbsent(o, 'volumeBindingMode', 'Immediate');
  },
  validate,
  validateUpdate,
  table: {
    columns: [
      NAME,
      col('Provisioner', { description: 'provisioner indicates the type of the provisioner.' }),
      col('ReclaimPolicy', { description: 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete.' }),
      col('VolumeBindingMode', { description: 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature.' }),
      col('AllowVolumeExpansion', { description: 'allowVolumeExpansion shows whether the storage class allow volume expand.' }),
      AGE,
    ],
    cells: (o: any, now) => [
      isDefaultClass(o as StorageClass) ? `${nameOf(o)} (default)` : nameOf(o),
      o.provisioner ?? '',
      o.reclaimPolicy ?? 'Delete',
      o.volumeBindingMode ?? 'Immediate',
      o.allowVolumeExpansion === true,
      ageOf(o, now),
    ],
  },
};
