// ResourceLists as upstream's pkg/apis/core/validation checks them in quotas and limit ranges: each key a
// qualified resource name (standard unless it has a "/"), each value a quantity.
import { isQuantity, milliValue, qualifiedNameErrors, type ResourceList } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import { isObj } from '../helpers';

const QUANTITY_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/**
 * The entries of a ResourceList at `path` with a valid quantity (the others get a cause), each key checked by
 * `name` (its causes at `path[key]`).
 */
export function resourceList(path: string, list: unknown, errs: Cause[], name: (key: string, field: string) => Cause[]): ResourceList {
  const out: ResourceList = {};
  if (list === undefined || list === null) return out;
  if (!isObj(list)) {
    errs.push(fe.invalid(path, list, 'must be a map of resource names to quantities'));
    return out;
  }
  for (const [k, v] of Object.entries(list)) {
    const field = `${path}[${k}]`;
    for (const msg of qualifiedNameErrors(k)) errs.push(fe.invalid(field, k, msg));
    errs.push(...name(k, field));
    if ((typeof v !== 'string' && typeof v !== 'number') || (typeof v === 'string' && !isQuantity(v))) errs.push(fe.invalid(field, v, QUANTITY_MSG));
    else out[k] = String(v);
  }
  return out;
}

/** Upstream ValidateResourceQuantityValue: not negative; whole for integer resources. */
export function validateQuantityValue(field: string, value: string, integer: boolean, errs: Cause[]): void {
  const m = milliValue(value);
  if (m < 0) errs.push(fe.invalid(field, value, 'must be greater than or equal to 0'));
  if (integer && m % 1000 !== 0) errs.push(fe.invalid(field, value, 'must be an integer'));
}
