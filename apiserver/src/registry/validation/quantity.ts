// Resource quantities as field causes. The grammar and bounds are shared's; a value that does not parse is
// an Invalid cause here where upstream's decoder answers 400.
import { toQuantity, QuantityError, type Quantity } from '@minik8s/shared';
import { fe } from '../fielderrors';
import type { Errs } from './values';

/** The parsed quantity, or undefined (and a cause) when it is not one. */
export function quantity(errs: Errs, path: string, v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errs.push(fe.type(path, v, 'quantity (string or number)'));
    return undefined;
  }
  try {
    return toQuantity(v);
  } catch (e) {
    if (!(e instanceof QuantityError)) throw e;
    errs.push(fe.invalid(path, v, e.message));
    return undefined;
  }
}

/** ValidateNonnegativeQuantity. */
export function nonNegativeQuantity(errs: Errs, path: string, v: unknown): Quantity | undefined {
  const q = quantity(errs, path, v);
  if (q && q.nano < 0n) errs.push(fe.invalid(path, v, 'must be greater than or equal to 0'));
  return q;
}
