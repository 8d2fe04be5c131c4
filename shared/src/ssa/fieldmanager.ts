// The field manager of one kind at one version and (sub)resource, as upstream's chain of managers
// (apimachinery's managedfields internals): every write records who changed what in metadata.managedFields,
// and an apply merges a configuration under its manager's ownership. In upstream's order:
//   - which managedFields count: the request's when it sends valid ones (clients may rewrite them, as
//     kubectl's client-side-apply upgrade does), `[]` or `[{}]` to reset them, else the live object's;
//   - an existing object nobody tracks stays untracked on update; before its first apply, a
//     "before-first-apply" manager takes what it holds;
//   - an update's manager owns what it changed, merged into its earlier entry, stamped with the time;
//   - apiVersion, kind and server-owned metadata are never owned; at most 10 Update managers, the oldest
//     folded into an "ancient-changes" one per version;
//   - an apply by "kubectl" may take fields whose value still matches its last-applied-configuration
//     annotation (client-side apply's record) and keeps that annotation up to date.
import { ApiError, failure, statusFor } from '../api/status';
import { FieldSet } from './fieldset';
import { fieldElement } from './pathelement';
import {
  conflictStatus,
  decodeManagedFields,
  emptyManaged,
  encodeManagedFields,
  isResetManagedFields,
  managerIdentifier,
  type Managed,
} from './managedfields';
import { DEDUCED, UNTYPED_ATOMIC, mapKeyType, type Atom } from './schema';
import { compare, toFieldSet, validate, TypedError } from './typed';
import { Conflicts, MergeError, Updater, type FieldFilter, type TypedValue } from './updater';
import { goJSON, isMapValue, valuesEqual } from './value';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** kubectl's default manager for `apply --server-side`: the one the last-applied annotation follows. */
const KUBECTL = 'kubectl';
const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';
const BEFORE_FIRST_APPLY = 'before-first-apply';
const CURRENT_OPERATION = 'current-operation';
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** What the field manager of one kind, version and (sub)resource needs to know. */
export interface FieldManagerScope {
  /** The request's apiVersion ("apps/v1") and kind. */
  readonly apiVersion: string;
  readonly kind: string;
  /** "" for the main resource, "status", "scale". */
  readonly subresource: string;
  /** The type of the kind's objects at a version; undefined when that version is not served. */
  typeAt(apiVersion: string): Atom | undefined;
  /** An object at another version of the kind (undefined: not served). */
  convert(obj: Obj, apiVersion: string): Obj | undefined;
  /** The paths writes at a version may not own (upstream's reset fields). */
  resetFields?(apiVersion: string): FieldFilter | undefined;
}

/** The server-owned metadata no manager owns (upstream's stripMeta). */
const STRIP = FieldSet.of(
  ['apiVersion'].map(fieldElement),
  ['kind'].map(fieldElement),
  ['metadata'].map(fieldElement),
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => [fieldElement('metadata'), fieldElement(f)],
  ),
);

function strip(m: Managed, id: string): void {
  const vs = m.fields.get(id);
  if (!vs) return;
  const set = vs.set.difference(STRIP);
  if (set.empty()) m.fields.delete(id);
  else m.fields.set(id, { ...vs, set });
}

function typed(scope: FieldManagerScope, value: unknown): TypedValue {
  return { value, type: scope.typeAt(scope.apiVersion) ?? DEDUCED, version: scope.apiVersion };
}

function updaterOf(scope: FieldManagerScope): Updater {
  return new Updater(
    (tv, version) => {
      const type = scope.typeAt(version);
      if (!type) return undefined;
      const value = isMapValue(tv.value) ? scope.convert(tv.value, version) : tv.value;
      return value === undefined ? undefined : { value, type, version };
    },
    (version) => scope.resetFields?.(version),
  );
}

const nowRFC3339 = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Folds the oldest Update managers into "ancient-changes" past ten (upstream's capManagers). */
function capUpdateManagers(m: Managed): void {
  const updaters = [...m.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  const secs = (id: string) => {
    const t = m.times.get(id);
    return t ? Math.floor(Date.parse(t) / 1000) || 0 : 0;
  };
  updaters.sort((a, b) => secs(a) - secs(b) || (a < b ? -1 : a > b ? 1 : 0));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const id = updaters[i];
    const vs = m.fields.get(id)!;
    const time = m.times.get(id);
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: vs.apiVersion });
    const first = firstOfVersion.get(vs.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(vs.apiVersion, id);
      continue;
    }
    if (!m.fields.has(bucket)) {
      m.fields.set(bucket, m.fields.get(first)!);
      m.fields.delete(first);
    }
    m.fields.set(bucket, { set: vs.set.union(m.fields.get(bucket)!.set), apiVersion: vs.apiVersion, applied: vs.applied });
    m.fields.delete(id);
    length--;
    m.times.set(bucket, time);
  }
}

function liveManaged(live: Obj | undefined): Managed {
  try {
    return decodeManagedFields(live?.metadata?.managedFields, true);
  } catch {
    return emptyManaged();
  }
}

/** Which managedFields an update starts from (upstream's decodeLiveOrNew). */
function managedOfUpdate(scope: FieldManagerScope, live: Obj | undefined, next: Obj): Managed {
  const sent = next.metadata?.managedFields;
  if (scope.subresource) return liveManaged(live);
  if (isResetManagedFields(sent)) return emptyManaged();
  const stored = live?.metadata?.managedFields;
  // the usual read-modify-write sends back what it read
  if (sent === undefined || valuesEqual(sent, stored)) return liveManaged(live);
  try {
    const m = decodeManagedFields(sent);
    return m.fields.size ? m : liveManaged(live);
  } catch {
    return liveManaged(live);
  }
}

function setManagedFields(obj: Obj, m: Managed): void {
  const entries = encodeManagedFields(m);
  obj.metadata ??= {};
  if (entries) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

/** Runs an Update operation of `manager` (inner part of the chain); throws on a typing error. */
function runUpdate(scope: FieldManagerScope, live: Obj | undefined, next: Obj, m: Managed, manager: string, now: string): void {
  const id = managerIdentifier({
    manager: manager || 'unknown',
    operation: 'Update',
    apiVersion: scope.apiVersion,
    subresource: scope.subresource,
  });
  const fields = updaterOf(scope).update(typed(scope, live), typed(scope, next), scope.apiVersion, m.fields, CURRENT_OPERATION);
  m.fields.clear();
  for (const [k, v] of fields) m.fields.set(k, v);
  strip(m, CURRENT_OPERATION);
  const vs = m.fields.get(CURRENT_OPERATION);
  if (vs) {
    m.fields.delete(CURRENT_OPERATION);
    const prev = m.fields.get(id);
    m.fields.set(id, prev ? { ...vs, set: vs.set.union(prev.set) } : vs);
    m.times.set(id, now);
  }
  capUpdateManagers(m);
}

/**
 * Records a create (`live` undefined), update or non-apply patch by `manager` in `next.metadata.managedFields`.
 * Never fails the write: an object the schema does not type keeps the managedFields it had.
 */
export function updateManagedFields(scope: FieldManagerScope, live: Obj | undefined, next: Obj, manager: string, now = nowRFC3339()): void {
  const m = managedOfUpdate(scope, live, next);
  if (next.metadata) delete next.metadata.managedFields;
  // an existing object nobody tracks stays untracked until it is applied to
  if (!m.fields.size && live?.metadata?.uid) return;
  try {
    runUpdate(scope, live, next, m, manager, now);
  } catch {
    setManagedFields(next, liveManaged(live));
    return;
  }
  setManagedFields(next, m);
}

const gvkString = (apiVersion: unknown, kind: unknown) => {
  const v = typeof apiVersion === 'string' ? apiVersion : '';
  const slash = v.indexOf('/');
  return `${slash < 0 ? '' : v.slice(0, slash)}/${slash < 0 ? v : v.slice(slash + 1)}, Kind=${typeof kind === 'string' ? kind : ''}`;
};

const objectGVKNN = (o: Obj) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}; ${gvkString(o.apiVersion, o.kind)}`;

const badRequest = (message: string) => new ApiError(statusFor.badRequest(message));
const internal = (message: string) => new ApiError(failure(500, 'InternalError', message));

/** The object with `config` applied by `manager`, and its managers (upstream's structuredMergeManager.Apply and its wrappers). */
function runApply(
  scope: FieldManagerScope,
  live: Obj,
  config: Obj,
  before: Managed,
  manager: string,
  force: boolean,
  now: string,
): { obj: Obj; managed: Managed } {
  const m: Managed = { fields: new Map(before.fields), times: new Map(before.times) };
  if (config.metadata?.managedFields !== undefined && config.metadata?.managedFields !== null)
    throw badRequest('metadata.managedFields must be nil');
  const type = scope.typeAt(scope.apiVersion) ?? DEDUCED;
  try {
    validate(live, type, true);
  } catch (e) {
    throw internal(`failed to create typed live object (${objectGVKNN(live)}): ${(e as Error).message}`);
  }
  try {
    validate(config, type);
  } catch (e) {
    throw badRequest(`failed to create typed patch object (${objectGVKNN(config)}): ${(e as Error).message}`);
  }
  const id = managerIdentifier({ manager: manager || 'unknown', operation: 'Apply', subresource: scope.subresource });
  let out: ReturnType<Updater['apply']>;
  try {
    out = updaterOf(scope).apply(typed(scope, live), typed(scope, config), scope.apiVersion, m.fields, id, force);
  } catch (e) {
    if (e instanceof Conflicts) throw e;
    if (e instanceof MergeError || e instanceof TypedError) throw internal(e.message);
    throw e;
  }
  m.fields.clear();
  for (const [k, v] of out.managers) m.fields.set(k, v);
  strip(m, id);
  let obj: Obj;
  if (out.object) {
    m.times.set(id, now);
    obj = dropNulls(out.object.value, type) as Obj;
  } else {
    obj = { ...live, metadata: { ...live.metadata } };
    delete obj.metadata.managedFields;
  }
  return { obj, managed: m };
}

/**
 * `config` applied by `manager` to `live` (an object of the kind, or `{apiVersion, kind}` when it does not
 * exist yet): the merged object with its managedFields. Throws ApiErrors as upstream answers them: 400 for a
 * configuration of another kind or version, one that sets managedFields or does not fit the schema; 409
 * for conflicts (unless `force`).
 */
export function applyConfiguration(
  scope: FieldManagerScope,
  live: Obj,
  config: Obj,
  manager: string,
  force: boolean,
  now = nowRFC3339(),
): Obj {
  let m: Managed;
  try {
    m = decodeManagedFields(live.metadata?.managedFields, true);
  } catch (e) {
    throw internal(`failed to decode managed fields: ${(e as Error).message}`);
  }
  if (config.apiVersion !== scope.apiVersion || config.kind !== scope.kind)
    throw badRequest(`invalid object type: ${gvkString(config.apiVersion, config.kind)}`);
  // before the first apply, what the object holds belongs to "before-first-apply"
  if (!m.fields.size) {
    const empty = { apiVersion: scope.apiVersion, kind: scope.kind };
    try {
      runUpdate(scope, empty, live, m, BEFORE_FIRST_APPLY, now);
    } catch (e) {
      throw internal(`failed to create manager for existing fields: ${(e as Error).message}`);
    }
  }
  let res: { obj: Obj; managed: Managed };
  try {
    res = runApply(scope, live, config, m, manager, force, now);
  } catch (e) {
    if (!(e instanceof Conflicts)) throw e;
    // "kubectl" may take what its client-side apply set and nobody changed since
    const allowed = manager === KUBECTL ? allowedConflicts(scope, live) : undefined;
    const remaining = allowed ? e.conflicts.filter((c) => !allowed.has(c.path)) : e.conflicts;
    if (remaining.length) throw new ApiError(conflictStatus(remaining));
    res = runApply(scope, live, config, m, manager, true, now);
  }
  if (manager === KUBECTL) keepLastApplied(res.obj, config);
  setManagedFields(res.obj, res.managed);
  return res.obj;
}

/** The fields of the last-applied annotation whose values the live object still has (upstream's lastAppliedManager). */
function allowedConflicts(scope: FieldManagerScope, live: Obj): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string' || !text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isMapValue(last) || last.apiVersion !== scope.apiVersion) return undefined;
  const type = scope.typeAt(scope.apiVersion) ?? DEDUCED;
  try {
    validate(last, type);
    const c = compare(last, live, type);
    return toFieldSet(last, type).difference(c.modified).difference(c.added).difference(c.removed);
  } catch {
    return undefined;
  }
}

/** After an apply by "kubectl", the last-applied annotation (when the object has one) records this configuration. */
function keepLastApplied(obj: Obj, config: Obj): void {
  const annotations = obj.metadata?.annotations;
  if (!annotations?.[LAST_APPLIED_ANNOTATION]) return;
  const copy = structuredClone(config);
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
    if (!Object.keys(copy.metadata.annotations).length) delete copy.metadata.annotations;
  }
  const next = { ...annotations, [LAST_APPLIED_ANNOTATION]: goJSON(copy) + '\n' };
  let size = 0;
  for (const [k, v] of Object.entries(next)) size += k.length + String(v).length;
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete next[LAST_APPLIED_ANNOTATION];
  obj.metadata = { ...obj.metadata, annotations: next };
}

/** Nulls in typed places are what decoding into upstream's Go types drops (untyped places keep theirs). */
function dropNulls(v: unknown, a: Atom | undefined): unknown {
  if (!a || a === DEDUCED || a === UNTYPED_ATOMIC) return v;
  if (Array.isArray(v)) {
    const elem = a.list?.elem;
    return elem ? v.map((x) => dropNulls(x, elem)) : v;
  }
  if (!isMapValue(v) || !a.map) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const t = mapKeyType(a.map, k);
    if (x === null && t !== DEDUCED && t !== UNTYPED_ATOMIC) continue;
    out[k] = dropNulls(x, t);
  }
  return out;
}
