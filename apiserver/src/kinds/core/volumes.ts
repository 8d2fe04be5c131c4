// What PersistentVolumes, PersistentVolumeClaims (and StatefulSet claim templates) validate alike, after
// upstream's pkg/apis/core/validation: access modes, volume modes, storage quantities, class names,
// host paths and volume node affinity (the typed readers, quantities, node paths and node selectors are
// the ones pods use).
import { fe, type Cause } from '../../registry/fielderrors';
import type { Obj } from '../../registry/objects';
import { dnsSubdomain, obj, oneOf, quantity, str, strings } from '../../registry/validation';
import { nodePath } from './podspec/paths';
import { hostPathSource } from './podspec/volumes';
import { nodeSelector } from './podspec/scheduling';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'] as const;

/** Each mode known; ReadWriteOncePod alone. `required` is the message of an empty list ('' for none). */
export function validateAccessModes(field: string, modes: unknown, errs: Cause[], required: string): void {
  if (modes === undefined || modes === null || (Array.isArray(modes) && modes.length === 0)) {
    errs.push(fe.required(field, required));
    return;
  }
  let rwop = false;
  let other = false;
  for (const [m] of strings(errs, field, modes)) {
    if (!ACCESS_MODES.includes(m)) errs.push(fe.notSupported(field, m, ACCESS_MODES));
    else if (m === 'ReadWriteOncePod') rwop = true;
    else other = true;
  }
  if (rwop && other) errs.push(fe.forbidden(field, 'may not use ReadWriteOncePod with other access modes'));
}

export function validateVolumeMode(field: string, mode: unknown, errs: Cause[]): void {
  oneOf(errs, field, mode, VOLUME_MODES);
}

/** A storage size: a quantity (validateBasicResource) greater than zero (ValidatePositiveQuantityValue). */
export function validateStorageSize(field: string, v: unknown, errs: Cause[]): void {
  const q = quantity(errs, field, v);
  if (q && q.nano <= 0n) errs.push(fe.invalid(field, v, 'must be greater than zero'));
}

/** ValidateClassName: a DNS-1123 subdomain (storage classes and claims/volumes naming one). */
export function validateClassName(field: string, name: unknown, errs: Cause[]): void {
  const s = str(errs, field, name);
  if (s) dnsSubdomain(errs, field, s);
}

/** validateLocalVolumeSource: its path required, absolute, no "..". */
export function validateLocalSource(field: string, src: unknown, errs: Cause[]): void {
  const o = obj(errs, field, src);
  if (o) nodePath(errs, `${field}.path`, o.path);
}

/** validateHostPathVolumeSource. */
export function validateHostPathSource(field: string, src: unknown, errs: Cause[]): void {
  const o = obj(errs, field, src);
  if (o) hostPathSource(errs, field, o);
}

/** validateVolumeNodeAffinity: required node constraints (ValidateNodeSelector). */
export function validateVolumeNodeAffinity(field: string, na: unknown, errs: Cause[]): void {
  const required = obj(errs, `${field}.required`, obj(errs, field, na)?.required);
  if (required) nodeSelector(errs, `${field}.required`, required);
  else errs.push(fe.required(`${field}.required`, 'must specify required node constraints'));
}

/** A short account of what changed between two specs, for "is immutable" messages. */
export function specDiff(old: Obj | undefined, next: Obj | undefined): string {
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
