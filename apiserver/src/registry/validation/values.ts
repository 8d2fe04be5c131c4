// Reading JSON values with the types the Go structs give them: each accessor returns the value when it has
// the right type and adds a cause when it does not (Go's decoder would refuse the body). null reads as
// absent, as for Go's pointers, slices and maps; "" and 0 read as absent where `required` asks, as Go's
// zero values do.
import { fe, type Cause } from '../fielderrors';
import { isObj, type Obj } from '../objects';

export type Errs = Cause[];

const absent = (v: unknown) => v === undefined || v === null;

export function str(errs: Errs, path: string, v: unknown, required = false): string | undefined {
  if (absent(v) || v === '') {
    if (required) errs.push(fe.required(path));
    return absent(v) ? undefined : '';
  }
  if (typeof v !== 'string') {
    errs.push(fe.type(path, v, 'string'));
    return undefined;
  }
  return v;
}

const INT32 = 2 ** 31;

function int(errs: Errs, path: string, v: unknown, bits: 32 | 64, required: boolean): number | undefined {
  if (absent(v)) {
    if (required) errs.push(fe.required(path));
    return undefined;
  }
  const ok = typeof v === 'number' && Number.isInteger(v) && (bits === 32 ? v >= -INT32 && v < INT32 : Number.isSafeInteger(v));
  if (!ok) {
    errs.push(fe.type(path, v, `int${bits}`));
    return undefined;
  }
  return v as number;
}

export const int32 = (errs: Errs, path: string, v: unknown, required = false) => int(errs, path, v, 32, required);
export const int64 = (errs: Errs, path: string, v: unknown, required = false) => int(errs, path, v, 64, required);

export function bool(errs: Errs, path: string, v: unknown): boolean | undefined {
  if (absent(v)) return undefined;
  if (typeof v !== 'boolean') {
    errs.push(fe.type(path, v, 'boolean'));
    return undefined;
  }
  return v;
}

/** A list (absent: []). */
export function list(errs: Errs, path: string, v: unknown): unknown[] {
  if (absent(v)) return [];
  if (!Array.isArray(v)) {
    errs.push(fe.type(path, v, 'array'));
    return [];
  }
  return v;
}

/** A list of objects; a non-object item is a cause and is skipped (absent: []). */
export function objects(errs: Errs, path: string, v: unknown): [Obj, string][] {
  const out: [Obj, string][] = [];
  list(errs, path, v).forEach((x, i) => {
    const p = `${path}[${i}]`;
    if (isObj(x)) out.push([x, p]);
    else errs.push(fe.type(p, x, 'object'));
  });
  return out;
}

/** A list of strings; a non-string item is a cause and is skipped (absent: []). */
export function strings(errs: Errs, path: string, v: unknown): [string, string][] {
  const out: [string, string][] = [];
  list(errs, path, v).forEach((x, i) => {
    const p = `${path}[${i}]`;
    if (typeof x === 'string') out.push([x, p]);
    else errs.push(fe.type(p, x, 'string'));
  });
  return out;
}

/** An object (absent: undefined). */
export function obj(errs: Errs, path: string, v: unknown, required = false): Obj | undefined {
  if (absent(v)) {
    if (required) errs.push(fe.required(path));
    return undefined;
  }
  if (!isObj(v)) {
    errs.push(fe.type(path, v, 'object'));
    return undefined;
  }
  return v;
}

/** A map of strings (absent: {}); non-string values are causes and are left out. */
export function stringMap(errs: Errs, path: string, v: unknown): Record<string, string> {
  const m = obj(errs, path, v);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(m ?? {})) {
    if (typeof x === 'string') out[k] = x;
    else errs.push(fe.type(`${path}[${k}]`, x, 'string'));
  }
  return out;
}

/** One of `valid` (an absent or empty value is Required when `required`). */
export function oneOf<T extends string>(errs: Errs, path: string, v: unknown, valid: readonly T[], required = false): T | undefined {
  const s = str(errs, path, v, required);
  if (!s) return undefined;
  if (!(valid as readonly string[]).includes(s)) {
    errs.push(fe.notSupported(path, s, [...valid]));
    return undefined;
  }
  return s as T;
}

/** ValidateNonnegativeField. */
export function nonNegative(errs: Errs, path: string, v: number | undefined): void {
  if (v !== undefined && v < 0) errs.push(fe.invalid(path, v, 'must be greater than or equal to 0'));
}

/** An int32 that must be ≥ 0 (absent is fine). */
export function nonNegativeInt32(errs: Errs, path: string, v: unknown): number | undefined {
  const n = int32(errs, path, v);
  nonNegative(errs, path, n);
  return n;
}
