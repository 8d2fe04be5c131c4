// Small helpers several kinds share: defaulting a field, a field selector's string value.
import type { Obj } from '../registry/objects';

export { isObj, type Obj } from '../registry/objects';

export const setIfAbsent = (o: Obj, k: string, v: unknown) => {
  if (o[k] === undefined || o[k] === null) o[k] = v;
};

/** A string value of an object for a field selector ("" when absent). */
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
