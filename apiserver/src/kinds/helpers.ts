// Small helpers several kinds share: defaulting a field, a field selector's string value, the proxy subresource.
import { isObj, type Obj } from '../registry/objects';
import type { SubresourceDef } from '../registry/strategy';

export { isObj, type Obj } from '../registry/objects';

export const setIfAbsent = (o: Obj, k: string, v: unknown) => {
  if (o[k] === undefined || o[k] === null) o[k] = v;
};

/**
 * The object at o[k] for defaulting, set from `init` when absent; undefined when something else is there
 * (defaults run before validation, which reports it).
 */
export function objAt(o: Obj, k: string, init: () => Obj = () => ({})): Obj | undefined {
  if (o[k] === undefined || o[k] === null) o[k] = init();
  return isObj(o[k]) ? o[k] : undefined;
}

/** A string value of an object for a field selector ("" when absent). */
export const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

/** The proxy subresource of pods, services and nodes (served by ../proxy): its options kind and verbs, for discovery. */
export const proxySubresource = (optionsKind: string): SubresourceDef => ({ responseKind: { group: '', version: 'v1', kind: optionsKind }, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
