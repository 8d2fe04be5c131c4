// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch), with the patch metadata of the
// kind's OpenAPI schema: applying one (the apiserver's PATCH with application/strategic-merge-patch+json)
// and computing one as kubectl's client-side apply does (two-way and three-way), so mkctl sends what
// kubectl sends.
import type { SchemaNode } from '../openapi/nodes';
import { fieldMeta, schemaFor, type FieldMeta } from './schema';


type JsonMap = Record<string, unknown>;

export interface GroupVersionKind {
  apiVersion?: string;
  kind?: string;
}

/** A malformed patch (bad directive, wrong shape); the apiserver answers it with 400/422. */
export class StrategicMergePatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategicMergePatchError';
  }
}

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE = '$deleteFromPrimitiveList/';

const isMap = (v: unknown): v is JsonMap => v !== null && typeof v === 'object' && !Array.isArray(v);

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}

const clone = <T>(v: T): T => (v === undefined ? v : structuredClone(v));

function typeOf(obj: GroupVersionKind | undefined, schema?: SchemaNode): SchemaNode | undefined {
  return schema ?? (obj ? schemaFor(obj.apiVersion, obj.kind) : undefined);
}

// ---------------------------------------------------------------------------------------------
// Apply

/**
 * Apply a strategic merge patch to `original` (not modified). The merge keys come from `schema`, else from
 * upstream's schema of `gvk` (default: original's apiVersion/kind); for kinds without one every list is
 * replaced, as in a JSON merge patch.
 */
export function applyStrategicMergePatch<T extends object>(original: T, patch: unknown, gvk?: GroupVersionKind, schema?: SchemaNode): T {
  if (!isMap(patch)) throw new StrategicMergePatchError('a strategic merge patch must be a JSON object');
  return applyMap(original as JsonMap, patch, typeOf(gvk ?? (original as GroupVersionKind), schema)) as T;
}

function applyMap(original: JsonMap, patch: JsonMap, type: SchemaNode | undefined): JsonMap {
  const directive = patch[PATCH];
  if (directive !== undefined) {
    if (directive === 'replace') {
      const rest = { ...patch };
      delete rest[PATCH];
      return applyMap({}, rest, type);
    }
    if (directive === 'delete') return {};
    if (directive !== 'merge') throw new StrategicMergePatchError(`unknown patch type: ${String(directive)}`);
  }
  const out: JsonMap = { ...original };
  if (RETAIN_KEYS in patch) {
    const keep = patch[RETAIN_KEYS];
    if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) throw new StrategicMergePatchError('$retainKeys must be a list of strings');
    for (const k of Object.keys(patch)) {
      if (!k.startsWith('$') && patch[k] !== null && !keep.includes(k)) throw new StrategicMergePatchError(`$retainKeys does not list the patched field "${k}"`);
    }
    for (const k of Object.keys(out)) if (!keep.includes(k)) delete out[k];
  }
  for (const [k, pv] of Object.entries(patch)) {
    if (k === PATCH || k === RETAIN_KEYS || k.startsWith(SET_ORDER)) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE)) {
      const field = k.slice(DELETE_FROM_PRIMITIVE.length);
      if (!Array.isArray(pv)) throw new StrategicMergePatchError(`${k} must be a list`);
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !pv.some((d) => deepEqual(d, x)));
      continue;
    }
    if (k.startsWith('$')) throw new StrategicMergePatchError(`unknown patch directive: ${k}`);
    if (pv === null) {
      delete out[k];
      continue;
    }
    out[k] = mergeValue(out[k], pv, fieldMeta(type, k));
  }
  for (const [k, order] of Object.entries(patch)) {
    if (!k.startsWith(SET_ORDER)) continue;
    const field = k.slice(SET_ORDER.length);
    if (!Array.isArray(order)) throw new StrategicMergePatchError(`${k} must be a list`);
    const cur = out[field];
    const live = original[field];
    if (Array.isArray(cur)) out[field] = normalizeOrder(cur, order, Array.isArray(live) ? live : [], fieldMeta(type, field)?.mergeKey);
  }
  return out;
}

function mergeValue(ov: unknown, pv: unknown, fm: FieldMeta | undefined): unknown {
  if (isMap(pv)) return applyMap(isMap(ov) ? ov : {}, pv, fm?.type);
  if (Array.isArray(pv)) return mergeList(Array.isArray(ov) ? ov : [], pv, fm);
  return pv;
}

const isReplaceMarker = (x: unknown) => isMap(x) && x[PATCH] === 'replace';

function mergeList(orig: unknown[], patch: unknown[], fm: FieldMeta | undefined): unknown[] {
  const key = fm?.mergeKey;
  if (key && patch.every(isMap)) {
    if (patch.some(isReplaceMarker)) return patch.filter((x) => !isReplaceMarker(x)).map((x) => applyMap({}, x as JsonMap, fm.type));
    let out = orig.slice();
    const items: JsonMap[] = [];
    for (const item of patch as JsonMap[]) {
      if (!(key in item)) throw new StrategicMergePatchError(`map in a list is missing its merge key "${key}"`);
      const same = (o: unknown) => isMap(o) && deepEqual(o[key], item[key]);
      if (item[PATCH] === 'delete') {
        out = out.filter((o) => !same(o));
        continue;
      }
      items.push(item);
      const i = out.findIndex(same);
      if (i >= 0) out[i] = applyMap(out[i] as JsonMap, item, fm.type);
      else out.push(applyMap({}, item, fm.type));
    }
    return normalizeOrder(out, items, orig, key);
  }
  if (fm?.setMerge) {
    if (patch.some(isReplaceMarker)) return patch.filter((x) => !isReplaceMarker(x));
    const out = orig.slice();
    for (const v of patch) if (!out.some((o) => deepEqual(o, v))) out.push(clone(v));
    return normalizeOrder(out, patch, orig, undefined);
  }
  return clone(patch);
}

/**
 * Upstream's order for a merged list (normalizeElementOrder): the items named in `order` (the
 * $setElementOrder list, else the patch list) take that order; the other (server-only) items keep
 * their live order; the two runs are interleaved by their positions in the live list `live`.
 */
function normalizeOrder(merged: unknown[], order: unknown[], live: unknown[], mergeKey: string | undefined): unknown[] {
  const keyOf = (x: unknown) => (mergeKey && isMap(x) ? x[mergeKey] : x);
  const indexIn = (list: unknown[], x: unknown) => list.findIndex((e) => deepEqual(keyOf(e), keyOf(x)));
  const byIndexIn = (list: unknown[]) => (a: unknown, b: unknown) => {
    const ia = indexIn(list, a);
    const ib = indexIn(list, b);
    return ia >= 0 && ib >= 0 ? ia - ib : 0;
  };
  const named = merged.filter((x) => indexIn(order, x) >= 0).sort(byIndexIn(order));
  const serverOnly = merged.filter((x) => indexIn(order, x) < 0).sort(byIndexIn(live));
  // mergeSortedSlice: a server-only item goes first only when both are in the live list and it comes earlier there.
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(named[j++]);
    else {
      const li = indexIn(live, serverOnly[i]);
      const ri = indexIn(live, named[j]);
      if (li >= 0 && ri >= 0 && li < ri) out.push(serverOnly[i++]);
      else out.push(named[j++]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Create

interface DiffOptions {
  ignoreDeletions?: boolean;
  ignoreChangesAndAdditions?: boolean;
  buildRetainKeys?: boolean;
}

/** The patch that turns `original` into `modified` (CreateTwoWayMergePatch). */
export function createTwoWayMergePatch(original: object, modified: object, gvk?: GroupVersionKind): JsonMap {
  return diffMaps(original as JsonMap, modified as JsonMap, typeOf(gvk ?? (modified as GroupVersionKind)), {});
}

/**
 * kubectl apply's patch (CreateThreeWayMergePatch): changes and additions from `current` (live) to
 * `modified` (the new manifest), plus deletions of fields that `original` (last-applied) had and
 * `modified` dropped. An empty object means "unchanged".
 */
export function createThreeWayMergePatch(original: object | undefined, modified: object, current: object, gvk?: GroupVersionKind): JsonMap {
  const type = typeOf(gvk ?? (modified as GroupVersionKind));
  const delta = diffMaps(current as JsonMap, modified as JsonMap, type, { ignoreDeletions: true });
  const deletions = diffMaps((original ?? {}) as JsonMap, modified as JsonMap, type, { ignoreChangesAndAdditions: true });
  return mergePatches(deletions, delta, type);
}

function diffMaps(from: JsonMap, to: JsonMap, type: SchemaNode | undefined, opts: DiffOptions): JsonMap {
  const patch: JsonMap = {};
  const retainKeys: string[] = [];
  for (const [k, tv] of Object.entries(to)) {
    if (opts.buildRetainKeys && tv !== null && tv !== undefined) retainKeys.push(k);
    if (!(k in from)) {
      if (!opts.ignoreChangesAndAdditions) patch[k] = clone(tv);
      continue;
    }
    const fv = from[k];
    const fm = fieldMeta(type, k);
    if (isMap(fv) && isMap(tv)) {
      const sub = diffMaps(fv, tv, fm?.type, { ...opts, buildRetainKeys: !!fm?.retainKeys });
      if (Object.keys(sub).length) patch[k] = sub;
    } else if (Array.isArray(fv) && Array.isArray(tv)) {
      diffLists(k, fv, tv, fm, opts, patch);
    } else if (!deepEqual(fv, tv) && !opts.ignoreChangesAndAdditions) {
      patch[k] = clone(tv);
    }
  }
  if (!opts.ignoreDeletions) for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  const newField = Object.keys(to).some((k) => !(k in from) && to[k] !== null);
  if (retainKeys.length && (Object.keys(patch).length || newField)) patch[RETAIN_KEYS] = retainKeys.sort();
  return patch;
}

function diffLists(k: string, from: unknown[], to: unknown[], fm: FieldMeta | undefined, opts: DiffOptions, patch: JsonMap): void {
  const key = fm?.mergeKey;
  if (key && [...from, ...to].every((x) => isMap(x) && key in x)) {
    const changes: JsonMap[] = [];
    const deletions: JsonMap[] = [];
    const find = (list: unknown[], v: unknown) => list.find((x) => deepEqual((x as JsonMap)[key], v)) as JsonMap | undefined;
    for (const m of to as JsonMap[]) {
      const o = find(from, m[key]);
      if (o) {
        const sub = diffMaps(o, m, fm.type, { ...opts, buildRetainKeys: !!fm.retainKeys });
        if (Object.keys(sub).length) changes.push({ ...sub, [key]: m[key] });
      } else if (!opts.ignoreChangesAndAdditions) {
        changes.push(clone(m));
      }
    }
    if (!opts.ignoreDeletions) {
      for (const o of from as JsonMap[]) if (!find(to, o[key])) deletions.push({ [key]: o[key], [PATCH]: 'delete' });
    }
    if (changes.length || deletions.length) patch[k] = [...changes, ...deletions];
    // Upstream sends the final order whenever this diff changed the list in a way it reports.
    if (deletions.length || (changes.length && !opts.ignoreChangesAndAdditions)) {
      patch[SET_ORDER + k] = (to as JsonMap[]).map((m) => ({ [key]: m[key] }));
    }
    return;
  }
  if (fm?.setMerge) {
    const added = opts.ignoreChangesAndAdditions ? [] : to.filter((v) => !from.some((f) => deepEqual(f, v)));
    const removed = opts.ignoreDeletions ? [] : from.filter((v) => !to.some((m) => deepEqual(m, v)));
    if (added.length) patch[k] = clone(added);
    if (removed.length) patch[DELETE_FROM_PRIMITIVE + k] = clone(removed);
    if (added.length || removed.length) patch[SET_ORDER + k] = clone(to);
    return;
  }
  if (!deepEqual(from, to) && !opts.ignoreChangesAndAdditions) patch[k] = clone(to);
}

/** Merge two patches computed against the same schema (the deletions and the delta of a three-way patch). */
function mergePatches(a: JsonMap, b: JsonMap, type: SchemaNode | undefined): JsonMap {
  const out: JsonMap = { ...a };
  for (const [k, bv] of Object.entries(b)) {
    const av = out[k];
    const fm = fieldMeta(type, k);
    if (k.startsWith(DELETE_FROM_PRIMITIVE) && Array.isArray(av) && Array.isArray(bv)) {
      out[k] = [...av, ...bv.filter((v) => !av.some((x) => deepEqual(x, v)))];
    } else if (isMap(av) && isMap(bv)) {
      out[k] = mergePatches(av, bv, fm?.type);
    } else if (Array.isArray(av) && Array.isArray(bv) && fm?.mergeKey) {
      const key = fm.mergeKey;
      const same = (x: unknown, y: unknown) => isMap(x) && isMap(y) && deepEqual(x[key], y[key]);
      const merged = bv.map((bi) => {
        const ai = av.find((x) => same(x, bi));
        return ai && isMap(ai) && isMap(bi) ? mergePatches(ai, bi, fm.type) : bi;
      });
      out[k] = [...merged, ...av.filter((ai) => !bv.some((bi) => same(ai, bi)))];
    } else if (Array.isArray(av) && Array.isArray(bv) && fm?.setMerge) {
      out[k] = [...av, ...bv.filter((v) => !av.some((x) => deepEqual(x, v)))];
    } else {
      out[k] = bv;
    }
  }
  return out;
}
