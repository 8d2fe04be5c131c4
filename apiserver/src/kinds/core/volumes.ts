// What PersistentVolumes, PersistentVolumeClaims (and StatefulSet claim templates) validate alike, after
// upstream's pkg/apis/core/validation: access modes, volume modes, storage quantities, class names,
// host paths and volume node affinity.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { isQuantity, parseQuantity } from '@minik8s/shared';
import { dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import { isObj } from '../helpers';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** Each mode known; ReadWriteOncePod alone. `required` is the message of an empty list ('' for none). */
export function validateAccessModes(field: string, modes: unknown, errs: Cause[], required: string): void {
  if (!Array.isArray(modes) || modes.length === 0) {
    errs.push(fe.required(field, required));
    return;
  }
  let rwop = false;
  let other = false;
  for (const m of modes) {
    if (!ACCESS_MODES.includes(m)) errs.push(fe.notSupported(field, m, ACCESS_MODES));
    else if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(fe.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
}

export function validateVolumeMode(field: string, mode: unknown, errs: Cause[]): void {
  if (mode !== undefined && mode !== null && !VOLUME_MODES.includes(mode as string)) errs.push(fe.notSupported(field, mode, VOLUME_MODES));
}

/** A storage size: a quantity (validateBasicResource) greater than zero (ValidatePositiveQuantityValue). */
export function validateStorageSize(field: string, q: unknown, errs: Cause[]): void {
  if ((typeof q !== 'string' && typeof q !== 'number') || (typeof q === 'string' && !isQuantity(q))) {
    errs.push(fe.invalid(field, q, "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"));
    return;
  }
  if (!(parseQuantity(q) > 0)) errs.push(fe.invalid(field, q, 'must be greater than zero'));
}

/** ValidateClassName: a DNS-1123 subdomain (storage classes and claims/volumes naming one). */
export function validateClassName(field: string, name: unknown, errs: Cause[]): void {
  if (name === undefined || name === null || name === '') return;
  if (typeof name !== 'string') errs.push(fe.invalid(field, name, 'must be a string'));
  else for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(field, name, m));
}

/** A host path a volume mounts: required, absolute, no ".." (validatePathNoBacksteps). */
export function validateHostPath(field: string, path: unknown, errs: Cause[]): void {
  if (typeof path !== 'string' || path === '') {
    errs.push(fe.required(field));
    return;
  }
  if (!path.startsWith('/')) errs.push(fe.invalid(field, path, 'must be an absolute path'));
  if (path.split('/').includes('..')) errs.push(fe.invalid(field, path, "must not contain '..'"));
  if (path.includes('\0')) errs.push(fe.invalid(field, path, 'must not contain a NUL character'));
}

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

export function validateHostPathSource(field: string, src: any, errs: Cause[]): void {
  if (!isObj(src)) {
    errs.push(fe.invalid(field, src, 'must be an object'));
    return;
  }
  validateHostPath(`${field}.path`, src.path, errs);
  if (src.type !== undefined && src.type !== null && !HOST_PATH_TYPES.includes(src.type)) errs.push(fe.notSupported(`${field}.type`, src.type, HOST_PATH_TYPES));
}

const SELECTOR_OPERATORS = ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'];

/** validateVolumeNodeAffinity: required node constraints with at least one well-formed term. */
export function validateVolumeNodeAffinity(field: string, na: any, errs: Cause[]): void {
  if (!isObj(na) || !isObj(na.required)) {
    errs.push(fe.required(`${field}.required`, 'must specify required node constraints'));
    return;
  }
  const terms = na.required.nodeSelectorTerms;
  const tpath = `${field}.required.nodeSelectorTerms`;
  if (!Array.isArray(terms) || terms.length === 0) {
    errs.push(fe.required(tpath, 'must have at least one node selector term'));
    return;
  }
  terms.forEach((t: any, i: number) => {
    for (const kind of ['matchExpressions', 'matchFields'] as const) {
      const list = t?.[kind];
      if (list === undefined || list === null) continue;
      if (!Array.isArray(list)) {
        errs.push(fe.invalid(`${tpath}[${i}].${kind}`, list, 'must be a list'));
        continue;
      }
      list.forEach((e: any, j: number) => {
        const p = `${tpath}[${i}].${kind}[${j}]`;
        if (typeof e?.key !== 'string' || !e.key) errs.push(fe.required(`${p}.key`));
        if (!SELECTOR_OPERATORS.includes(e?.operator)) {
          errs.push(fe.notSupported(`${p}.operator`, e?.operator, SELECTOR_OPERATORS));
          return;
        }
        const values = Array.isArray(e.values) ? e.values : [];
        if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) errs.push(fe.required(`${p}.values`, 'must be specified when `operator` is \'In\' or \'NotIn\''));
        if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) errs.push(fe.forbidden(`${p}.values`, 'may not be specified when `operator` is \'Exists\' or \'DoesNotExist\''));
        if ((e.operator === 'Gt' || e.operator === 'Lt') && values.length !== 1) errs.push(fe.required(`${p}.values`, 'must be specified single value when `operator` is \'Lt\' or \'Gt\''));
      });
    }
  });
}

/** A short account of what changed between two specs, for "is immutable" messages. */
export function specDiff(old: any, next: any): string {
  const keys = [...new Set([...Object.keys(old ?? {}), ...Object.keys(next ?? {})])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    const a = JSON.stringify(old?.[k]);
    const b = JSON.stringify(next?.[k]);
    if (a === b) continue;
    if (a !== undefined) lines.push(`-  ${k}: ${a}`);
    if (b !== undefined) lines.push(`+  ${k}: ${b}`);
  }
  return lines.join('\n');
}
