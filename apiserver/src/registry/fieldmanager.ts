// The registry's side of managedFields (`@minik8s/shared/ssa` holds the rules): the field manager of a kind
// at the request's version and (sub)resource — its types at each served version (the kind's OpenAPI schema,
// "deduced" without one), conversions between its versions, and the fields each write may not own (status
// on the main resource of a kind with a status subresource, everything but status on /status). Objects come
// and go at the storage version; the field manager works at the request's, as upstream's.
import { upstreamKindSchema } from '@minik8s/shared/openapi';
import {
  FieldSet,
  SCALE_API_VERSION,
  applyConfiguration,
  atomOf,
  fieldElement,
  parentManagedFields,
  scaleManagedFields,
  updateManagedFields,
  type Atom,
  type FieldManagerScope,
} from '@minik8s/shared/ssa';
import type { KindRegistry, ServedResource } from './kinds';
import { kindSchema } from './schemas';
import { toServed, toStorage } from './convert';
import { clone, type Obj } from './objects';

export type Subresource = '' | 'status' | 'scale';

const STATUS = fieldElement('status');
const STATUS_SET = FieldSet.of([STATUS]);

/** Main-resource writes of a kind with a status subresource do not own status. */
const withoutStatus = (s: FieldSet) => s.recursiveDifference(STATUS_SET);

/** /status writes own status only. */
function statusOnly(s: FieldSet): FieldSet {
  const sub = s.child(STATUS);
  return new FieldSet(s.hasMember(STATUS) ? [STATUS] : [], sub ? [{ pe: STATUS, set: sub }] : []);
}

/**
 * An object at the storage version as `r` serves it, converted afresh (toServed keeps one copy per stored
 * object, which objects still being written must not get).
 */
function served(r: ServedResource, obj: Obj): Obj {
  if (!r.conversion) return obj;
  const { apiVersion: _a, kind: _k, ...rest } = r.conversion.fromStorage(clone(obj));
  return { apiVersion: r.apiVersion, kind: r.kind, ...rest };
}

const types = new WeakMap<ServedResource, Atom>();

function typeOf(r: ServedResource): Atom {
  let t = types.get(r);
  if (!t) types.set(r, (t = atomOf(kindSchema(r))));
  return t;
}

const scopes = new WeakMap<ServedResource, Map<Subresource, FieldManagerScope>>();

/** The field manager's view of kind `r` (the request's version) for writes of `subresource`. */
export function fieldManagerScope(kinds: KindRegistry, r: ServedResource, subresource: Subresource): FieldManagerScope {
  let byKind = scopes.get(r);
  if (!byKind) scopes.set(r, (byKind = new Map()));
  let scope = byKind.get(subresource);
  if (scope) return scope;
  const at = (apiVersion: string) => {
    const v = kinds.forKind(apiVersion, r.kind);
    return v && v.group === r.group && v.resource === r.resource ? v : undefined;
  };
  const hasStatus = !!r.strategy.status;
  const filter = subresource === 'status' ? statusOnly : hasStatus && subresource === '' ? withoutStatus : undefined;
  scope = {
    apiVersion: r.apiVersion,
    kind: r.kind,
    subresource,
    typeAt: (apiVersion) => {
      const v = at(apiVersion);
      return v && typeOf(v);
    },
    convert: (obj, apiVersion) => {
      if (obj.apiVersion === apiVersion) return obj;
      const from = typeof obj.apiVersion === 'string' ? at(obj.apiVersion) : undefined;
      const to = at(apiVersion);
      if (!from || !to) return undefined;
      return served(to, toStorage(from, obj));
    },
    resetFields: filter ? () => filter : undefined,
  };
  byKind.set(subresource, scope);
  return scope;
}

/**
 * Records a write of `manager` in `next.metadata.managedFields` (`live` undefined for a create). Both are at
 * the storage version; the field manager compares them at `r`'s.
 */
export function recordWrite(
  kinds: KindRegistry,
  r: ServedResource,
  subresource: Subresource,
  live: Obj | undefined,
  next: Obj,
  manager: string,
): void {
  const scope = fieldManagerScope(kinds, r, subresource);
  if (!r.conversion) return updateManagedFields(scope, live, next, manager);
  const copy = served(r, next);
  updateManagedFields(scope, live && toServed(r, live as never), copy, manager);
  if (copy.metadata.managedFields) next.metadata.managedFields = copy.metadata.managedFields;
  else delete next.metadata.managedFields;
}

/**
 * `config` (at `r`'s version) applied by `manager` to `live` (at the storage version; undefined: the object
 * does not exist yet): the merged object at the storage version, with its managedFields.
 */
export function applyWrite(
  kinds: KindRegistry,
  r: ServedResource,
  subresource: Subresource,
  live: Obj | undefined,
  config: Obj,
  manager: string,
  force: boolean,
): Obj {
  const scope = fieldManagerScope(kinds, r, subresource);
  const liveServed = live ? (toServed(r, live as never) as Obj) : { apiVersion: r.apiVersion, kind: r.kind };
  return toStorage(r, applyConfiguration(scope, liveServed, config, manager, force));
}

const SCALE: FieldManagerScope = {
  apiVersion: SCALE_API_VERSION,
  kind: 'Scale',
  subresource: 'scale',
  typeAt: (apiVersion) =>
    apiVersion === SCALE_API_VERSION ? (scaleType ??= atomOf(upstreamKindSchema('autoscaling', 'v1', 'Scale'))) : undefined,
  convert: (obj, apiVersion) => (apiVersion === SCALE_API_VERSION ? obj : undefined),
};
let scaleType: Atom | undefined;

/** A write of the scale subresource of `cur`. */
export type ScaleWrite = { next: Obj } | { config: Obj; force: boolean };

/**
 * The Scale after `write` by `manager`, and the parent's managedFields after it (upstream's ScaleHandler
 * around the Scale's own field manager). `old` is the Scale of `cur` (the parent at the storage version);
 * `replicas` the field names of the parent's desired replicas, the same at each of its versions.
 */
export function scaleWrite(
  kinds: KindRegistry,
  r: ServedResource,
  cur: Obj,
  old: Obj,
  write: ScaleWrite,
  manager: string,
  replicas: readonly string[],
): { scale: Obj; managedFields: unknown } {
  const path = replicas.map(fieldElement);
  const replicasAt = (apiVersion: string) => {
    const v = kinds.forKind(apiVersion, r.kind);
    return v && v.group === r.group && v.resource === r.resource ? path : undefined;
  };
  const live = { ...old, metadata: { ...old.metadata, managedFields: scaleManagedFields(cur.metadata?.managedFields, replicasAt) } };
  let scale: Obj;
  if ('config' in write) scale = applyConfiguration(SCALE, live, write.config, manager, write.force);
  else {
    scale = { ...write.next, metadata: { ...write.next.metadata, managedFields: live.metadata.managedFields } };
    updateManagedFields(SCALE, live, scale, manager);
  }
  return {
    scale,
    managedFields: parentManagedFields(cur.metadata?.managedFields, scale.metadata?.managedFields, r.apiVersion, replicasAt),
  };
}
