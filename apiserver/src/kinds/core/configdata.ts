// What ConfigMaps and Secrets share: the key rule of their data maps and immutability.
import { fe, type Cause } from '../../registry/fielderrors';
import { deepEqual } from '../../registry/objects';
import { isObj, type Obj } from '../helpers';

export function validateDataKeys(o: Obj, fields: readonly string[]): Cause[] {
  const errs: Cause[] = [];
  for (const f of fields) {
    const d = o[f];
    if (d === undefined || d === null) continue;
    if (!isObj(d)) {
      errs.push(fe.invalid(f, d, 'must be a map'));
      continue;
    }
    for (const k of Object.keys(d))
      if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253)
        errs.push(fe.invalid(`${f}[${k}]`, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
  }
  return errs;
}

/** `immutable: true` freezes data and itself. */
export function validateImmutable(next: Obj, old: Obj): Cause[] {
  if (old.immutable !== true) return [];
  const errs: Cause[] = [];
  if (!deepEqual(next.data, old.data)) errs.push(fe.forbidden('data', 'field is immutable when `immutable` is set'));
  if (next.immutable !== true) errs.push(fe.forbidden('immutable', 'field is immutable when `immutable` is set'));
  return errs;
}
