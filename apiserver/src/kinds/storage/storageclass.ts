// StorageClasses (upstream pkg/registry/storage/storageclass): cluster-scoped; reclaim policy Delete and
// volume binding mode Immediate by default; provisioner, parameters, reclaim policy and binding mode are
// fixed once created. `kubectl get sc` marks the default class "(default)".
/* eslint-disable @typescript-eslint/no-explicit-any */
import { isDefaultClass, labelValueErrors, qualifiedNameErrors, type StorageClass } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import type { Obj } from '../../registry/objects';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { isObj, setIfAbsent } from '../helpers';

const RECLAIM = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_SIZE = 256 * 1024;

/** ValidateTopologySelectorTerm for each allowed topology, and no two terms alike. */
function validateAllowedTopologies(terms: unknown, errs: Cause[]): void {
  if (terms === undefined || terms === null) return;
  if (!Array.isArray(terms)) {
    errs.push(fe.invalid('allowedTopologies', terms, 'must be a list'));
    return;
  }
  const seen: string[] = [];
  terms.forEach((t: any, i: number) => {
    const path = `allowedTopologies[${i}]`;
    const exprs = Array.isArray(t?.matchLabelExpressions) ? t.matchLabelExpressions : [];
    const keys = new Set<string>();
    const canonical: Record<string, string[]> = {};
    exprs.forEach((e: any, j: number) => {
      const p = `${path}.matchLabelExpressions[${j}]`;
      const key = typeof e?.key === 'string' ? e.key : '';
      for (const m of qualifiedNameErrors(key)) errs.push(fe.invalid(`${p}.key`, key, m));
      if (keys.has(key)) errs.push(fe.duplicate(`${p}.key`, key));
      keys.add(key);
      const values = Array.isArray(e?.values) ? e.values : [];
      if (values.length === 0) errs.push(fe.required(`${p}.values`, 'must specify as least one value'));
      values.forEach((v: unknown, k: number) => {
        if (typeof v !== 'string') errs.push(fe.invalid(`${p}.values[${k}]`, v, 'must be a string'));
        else for (const m of labelValueErrors(v)) errs.push(fe.invalid(`${p}.values[${k}]`, v, m));
      });
      canonical[key] = [...values].map(String).sort();
    });
    const c = JSON.stringify(Object.keys(canonical).sort().map((k) => [k, canonical[k]]));
    if (seen.includes(c)) errs.push(fe.duplicate(`${path}.matchLabelExpressions`, ''));
    seen.push(c);
  });
}

function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  if (typeof o.provisioner !== 'string' || !o.provisioner) errs.push(fe.required('provisioner'));
  else for (const m of qualifiedNameErrors(o.provisioner.toLowerCase())) errs.push(fe.invalid('provisioner', o.provisioner, m));
  if (o.parameters !== undefined && o.parameters !== null) {
    if (!isObj(o.parameters)) errs.push(fe.invalid('parameters', o.parameters, 'must be a map of strings'));
    else {
      const entries = Object.entries(o.parameters);
      if (entries.length > MAX_PARAMETERS) errs.push({ field: 'parameters', reason: 'FieldValueTooLong', message: `Too long: may have at most ${MAX_PARAMETERS} items` });
      let total = 0;
      for (const [k, v] of entries) {
        if (!k) errs.push(fe.invalid('parameters', k, 'field can not be empty.'));
        if (typeof v !== 'string') errs.push(fe.invalid(`parameters[${k}]`, v, 'must be a string'));
        total += k.length + String(v).length;
      }
      if (total > MAX_PARAMETERS_SIZE) errs.push({ field: 'parameters', reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_PARAMETERS_SIZE} bytes` });
    }
  }
  if (o.reclaimPolicy && !RECLAIM.includes(o.reclaimPolicy)) errs.push(fe.notSupported('reclaimPolicy', o.reclaimPolicy, RECLAIM));
  if (o.volumeBindingMode === undefined || o.volumeBindingMode === null) errs.push(fe.required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(o.volumeBindingMode)) errs.push(fe.notSupported('volumeBindingMode', o.volumeBindingMode, BINDING_MODES));
  if (o.allowVolumeExpansion !== undefined && o.allowVolumeExpansion !== null && typeof o.allowVolumeExpansion !== 'boolean')
    errs.push(fe.invalid('allowVolumeExpansion', o.allowVolumeExpansion, 'must be a boolean'));
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
