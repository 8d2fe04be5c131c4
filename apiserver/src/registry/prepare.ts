// What the generic registry does to every object before it is stored (upstream rest.BeforeCreate /
// BeforeUpdate): server-owned metadata, generateName, the status/spec split, generation, then the kind's
// own preparation and defaults; and validation (ObjectMeta, then the kind's rules).
import { randomUUID } from 'node:crypto';
import type { ServedResource } from './kinds';
import type { ResourceStrategy } from './strategy';
import type { Cause } from './fielderrors';
import { validateMeta, nameRuleOf } from './meta';
import { clone, deepEqual, randomSuffix, rfc3339, type Obj } from './objects';

/** Everything but metadata and status: what bumps generation. */
function specPart(o: Obj): Obj {
  const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
  return rest;
}

/** Only objects with a spec carry generation unless the kind says otherwise (as upstream's workload strategies). */
const tracksGeneration = (s: ResourceStrategy, o: Obj) => (s.tracksGeneration ? s.tracksGeneration(o) : o.spec !== undefined);

/** Server-side fields of a new object (`r` at its storage version). `namespace` comes from the URL. */
export function prepareForCreate(r: ServedResource, obj: Obj, namespace: string | undefined, now = new Date()): void {
  const s = r.strategy;
  obj.apiVersion = r.apiVersion;
  obj.kind = r.kind;
  const m = (obj.metadata ??= {});
  if (!m.name && m.generateName) m.name = `${m.generateName}${randomSuffix()}`;
  if (r.namespaced) m.namespace = namespace;
  else delete m.namespace;
  m.uid = randomUUID();
  m.creationTimestamp = rfc3339(now);
  delete m.resourceVersion;
  delete m.deletionTimestamp;
  delete m.deletionGracePeriodSeconds;
  delete m.selfLink;
  if (tracksGeneration(s, obj)) m.generation = 1;
  else delete m.generation;
  if (s.status && !s.status.keepOnCreate) {
    const st = s.status.initial?.(obj);
    if (st) obj.status = st;
    else delete obj.status;
  }
  s.prepareForCreate?.(obj);
  s.defaults?.(obj);
}

const SERVER_OWNED = ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'];

/**
 * The object to store for an update of the main resource (subresource undefined) or of /status.
 * Server-owned metadata always comes from the old object.
 */
export function prepareForUpdate(r: ServedResource, incoming: Obj, old: Obj, subresource?: 'status'): Obj {
  const s = r.strategy;
  if (subresource === 'status') {
    const next = clone(old);
    if (incoming.status !== undefined) next.status = incoming.status;
    else delete next.status;
    s.status?.prepare?.(next, old);
    return next;
  }
  const next = incoming;
  next.apiVersion = old.apiVersion;
  next.kind = old.kind;
  const m = (next.metadata ??= {});
  const om = old.metadata;
  for (const f of SERVER_OWNED)
    if (om[f] === undefined) delete m[f];
    else m[f] = om[f];
  delete m.resourceVersion;
  delete m.selfLink;
  if (s.status) {
    if (old.status !== undefined) next.status = old.status;
    else delete next.status;
  }
  s.prepareForUpdate?.(next, old);
  s.defaults?.(next);
  const specOf = (o: Obj): unknown => (s.specOf ? s.specOf(o) : specPart(o));
  if (tracksGeneration(s, next) && !deepEqual(specOf(next), specOf(old))) m.generation = (om.generation ?? 0) + 1;
  return next;
}

/** Causes for an object about to be stored (empty = valid): ObjectMeta, then the kind's rules (and on a create those of the version `r` is written at). */
export function validateObject(r: ServedResource, obj: Obj, create = false): Cause[] {
  const errs = validateMeta({ namespaced: r.namespaced, nameRule: nameRuleOf(r.strategy.nameRule) }, obj.metadata);
  const more = r.strategy.validate?.(obj);
  if (more?.length) errs.push(...more);
  if (create) errs.push(...(r.strategy.validateCreate?.(obj) ?? []), ...(r.versionDef.validateCreate?.(obj) ?? []));
  return errs;
}

/** Rules that compare an update with the stored object. */
export function validateObjectUpdate(r: ServedResource, next: Obj, old: Obj): Cause[] {
  return [...(r.strategy.validateUpdate?.(next, old) ?? []), ...(r.versionDef.validateUpdate?.(next, old) ?? [])];
}

/** Causes refusing a /status update. */
export function validateStatusUpdate(r: ServedResource, next: Obj, old: Obj): Cause[] {
  return r.strategy.status?.validate?.(next, old) ?? [];
}
