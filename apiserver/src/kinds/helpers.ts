// Small rules several kinds share: defaulting a field, ports, protocols, counts, int-or-percent values, the proxy subresource.
import { fe, type Cause } from '../registry/fielderrors';
import type { Obj } from '../registry/objects';
import type { ResourceStrategy, SubresourceDef } from '../registry/strategy';

export { isObj, type Obj } from '../registry/objects';

export const setIfAbsent = (o: Obj, k: string, v: unknown) => {
  if (o[k] === undefined || o[k] === null) o[k] = v;
};

export function validatePort(field: string, v: unknown, errs: Cause[], required = true): void {
  if (v === undefined || v === null) {
    if (required) errs.push(fe.required(field));
    return;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) errs.push(fe.invalid(field, v, 'must be between 1 and 65535, inclusive'));
}

export function validateProtocol(field: string, v: unknown, errs: Cause[]): void {
  if (v !== undefined && !['TCP', 'UDP', 'SCTP'].includes(v as string)) errs.push(fe.notSupported(field, v, ['SCTP', 'TCP', 'UDP']));
}

export function nonNegative(field: string, v: unknown, errs: Cause[]): void {
  if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 0))
    errs.push(fe.invalid(field, v, 'must be greater than or equal to 0'));
}

/** An int ≥ 0 or a percent string "N%" with N ≤ 100 (upstream ValidatePositiveIntOrPercent + IsNotMoreThan100Percent). */
export function intOrPercent(field: string, v: unknown, errs: Cause[]): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) errs.push(fe.invalid(field, v, 'must be greater than or equal to 0'));
  } else if (typeof v !== 'string' || !/^[0-9]+%$/.test(v)) {
    errs.push(fe.invalid(field, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  } else if (parseInt(v, 10) > 100) {
    errs.push(fe.invalid(field, v, 'must not be greater than 100%'));
  }
}

/** A string value of an object for a field selector ("" when absent). */
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The identity of a cluster-scoped v1 kind that is only created, answered and never stored (the reviews). */
export const reviewKind = (group: string, kind: string, resource: string): ResourceStrategy => ({ group, kind, resource, namespaced: false, verbs: ['create'], versions: [{ name: 'v1' }] });

/** The proxy subresource of pods, services and nodes (served by ../proxy): its options kind and verbs, for discovery. */
export const proxySubresource = (optionsKind: string): SubresourceDef => ({ responseKind: { group: '', version: 'v1', kind: optionsKind }, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
