// fieldValidation=Strict: unknown fields → 400 BadRequest, as upstream's strict decoder. Each kind lists
// the fields it knows (ResourceStrategy.strict); apiVersion, kind and metadata are known for every kind.
/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * The fields known at one level of an object: each maps to the fields known inside its value (an object,
 * or each item of a list), or to `true` when the value is not checked further. A `'*'` entry stands for
 * every field not listed (so a level can be open while one of its fields is checked).
 */
export type KnownFields = { readonly [field: string]: KnownFields | true };

const META: KnownFields = Object.fromEntries(
  ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'].map((f) => [f, true]),
);

/** What a kind without a list of its own knows: spec and status, not checked further. */
export const SPEC_AND_STATUS: KnownFields = { spec: true, status: true };

/** The fields of a whole object of a kind whose own top-level fields are `top`. */
export function objectFields(top: KnownFields = SPEC_AND_STATUS): KnownFields {
  return { apiVersion: true, kind: true, metadata: META, ...top };
}

/** `names` known, none checked further. */
export const fieldsOf = (...names: string[]): KnownFields => Object.fromEntries(names.map((n) => [n, true]));

/**
 * Paths of unknown fields (empty when none): each level's unknown fields first, then those inside its known
 * fields, in the object's key order (as the strict decoder reports them).
 */
export function unknownFields(known: KnownFields, obj: unknown): string[] {
  const out: string[] = [];
  walk(known, obj, '', out);
  return out;
}

function walk(known: KnownFields, value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(known, item, `${path}[${i}]`, out));
    return;
  }
  if (!value || typeof value !== 'object') return;
  const o = value as Record<string, any>;
  const inner: [KnownFields, unknown, string][] = [];
  for (const k of Object.keys(o)) {
    const sub = Object.hasOwn(known, k) ? known[k] : known['*'];
    const p = path ? `${path}.${k}` : k;
    if (sub === undefined) out.push(p);
    else if (sub !== true) inner.push([sub, o[k], p]);
  }
  for (const [sub, v, p] of inner) walk(sub, v, p, out);
}
