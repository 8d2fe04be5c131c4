// What ConfigMaps and Secrets share: keys as upstream's IsConfigMapKey, the 1 MiB total of their values,
// base64 for bytes, and immutability.
import { fe, type Cause } from '../../registry/fielderrors';
import { deepEqual } from '../../registry/objects';
import { configMapKeyErrors, each, obj } from '../../registry/validation';
import type { Obj } from '../helpers';

/** upstream MaxSecretSize: the total size of a ConfigMap's or Secret's values. */
export const MAX_DATA_SIZE = 1024 * 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The size of one value: a string's bytes, or (`bytes`) the decoded length of its base64 text. */
function valueSize(errs: Cause[], path: string, v: unknown, bytes: boolean): number {
  if (typeof v !== 'string') {
    errs.push(fe.type(path, v, bytes ? 'string (base64)' : 'string'));
    return 0;
  }
  if (!bytes) return Buffer.byteLength(v);
  if (!BASE64.test(v)) {
    errs.push(fe.invalid(path, '<value omitted>', 'must be base64 encoded bytes'));
    return 0;
  }
  return Math.floor((v.length * 3) / 4) - (v.endsWith('==') ? 2 : v.endsWith('=') ? 1 : 0);
}

/** Each map's keys and values (`bytes`: base64 maps); returns the total size and the keys seen. */
export function dataMaps(errs: Cause[], o: Obj, maps: readonly { field: string; bytes: boolean }[]): { size: number; keys: Map<string, string> } {
  let size = 0;
  const keys = new Map<string, string>();
  for (const { field, bytes } of maps) {
    for (const [k, v] of Object.entries(obj(errs, field, o[field]) ?? {})) {
      const path = `${field}[${k}]`;
      each(errs, path, k, configMapKeyErrors(k));
      if (keys.has(k)) errs.push(fe.invalid(path, k, `duplicate of key present in ${keys.get(k)}`));
      else keys.set(k, field);
      size += valueSize(errs, path, v, bytes);
    }
  }
  return { size, keys };
}

/** `immutable: true` freezes data and itself. */
export function validateImmutable(next: Obj, old: Obj): Cause[] {
  if (old.immutable !== true) return [];
  const errs: Cause[] = [];
  if (!deepEqual(next.data, old.data) || !deepEqual(next.binaryData, old.binaryData)) errs.push(fe.forbidden('data', 'field is immutable when `immutable` is set'));
  if (next.immutable !== true) errs.push(fe.forbidden('immutable', 'field is immutable when `immutable` is set'));
  return errs;
}
