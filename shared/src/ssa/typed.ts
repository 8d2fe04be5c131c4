// Operations on a JSON value of a known type (structured-merge-diff's typed package): validation against
// the type, the value's field set, the comparison of two values (added, modified, removed paths), the merge
// of an apply configuration into a live object, removal of a set of paths, and the adjustment of a field
// set to the type. `undefined` is an absent value (Go's nil), `null` an explicit null.
import { FieldSet } from './fieldset';
import { equalPE, fieldElement, keyElement, peString, serializePE, type KeyField, type PathElement } from './pathelement';
import { mapKeyType, type Atom, type ListType, type MapType } from './schema';
import { goValueString, goTypeName, isMapValue, valuesEqual, type Value } from './value';

/** A problem with a value against its type, at a path (`.spec.replicas`). */
export interface TypedProblem {
  readonly path: string;
  readonly message: string;
}

/** The errors of a typed operation, worded as upstream's ValidationErrors. */
export class TypedError extends Error {
  constructor(readonly problems: readonly TypedProblem[]) {
    super(problemsText(problems));
    this.name = 'TypedError';
  }
}

function problemsText(ps: readonly TypedProblem[]): string {
  const one = (p: TypedProblem) => (p.path ? `${p.path}: ${p.message}` : p.message);
  return ps.length === 1 ? one(ps[0]) : ['errors:', ...ps.map((p) => '  ' + one(p))].join('\n');
}

const fail = (path: readonly PathElement[], message: string): never => {
  throw new TypedError([{ path: path.map(peString).join(''), message }]);
};

type Obj = { [k: string]: unknown };
const isObj = isMapValue as (v: unknown) => v is Obj;

/** Which of an atom's shapes a value takes (upstream's deduceAtom): undefined keeps them all. */
function deduce(a: Atom, v: unknown): 'map' | 'list' | 'scalar' | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return a.list ? 'list' : undefined;
  if (typeof v === 'object') return a.map ? 'map' : undefined;
  return a.scalar ? 'scalar' : undefined;
}

/** The shape handled for a value: the deduced one, else map, scalar, list in upstream's order. */
function shapeOf(a: Atom, v: unknown): 'map' | 'list' | 'scalar' {
  const d = deduce(a, v);
  if (d) return d;
  if (a.map) return 'map';
  if (a.scalar) return 'scalar';
  if (a.list) return 'list';
  return 'scalar';
}

function scalarProblem(a: Atom, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  switch (a.scalar) {
    case 'numeric':
      return typeof v === 'number' ? undefined : `expected numeric (int or float), got ${goTypeName(v)}`;
    case 'string':
      return typeof v === 'string' ? undefined : `expected string, got ${goValueString(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `expected boolean, got ${goValueString(v)}`;
    case 'untyped':
      return typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean'
        ? undefined
        : `expected any scalar, got ${goValueString(v)}`;
    default:
      return 'schema error: invalid atom: inlined';
  }
}

/** The path element of a list item (an associative list's key, or a set item's value). */
export function itemElement(t: ListType, item: unknown): PathElement {
  if (!t.associative) throw new Error('invalid indexing of non-associative list');
  if (t.keys.length) {
    if (item === null) throw new Error('associative list with keys may not have a null element');
    if (!isObj(item)) throw new Error('associative list with keys may not have non-map elements');
    const fields: KeyField[] = [];
    for (const k of t.keys) {
      if (item[k] !== undefined) fields.push([k, item[k] as Value]);
      else {
        if (!t.elem.map) throw new Error(`couldn't find default value for ${k}: associative list may not have non-map types`);
        const def = t.keyDefault(k);
        if (def === undefined || def === null)
          throw new Error(`associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`);
        fields.push([k, def as Value]);
      }
    }
    return fields.length === 1 ? { key: fields } : keyElement(fields);
  }
  if (isObj(item)) throw new Error("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new Error('not supported: associative list with lists as elements');
  if (item === null) throw new Error("associative list without keys has an element that's an explicit null");
  return { value: item as Value };
}

function elementAt(path: PathElement[], t: ListType, item: unknown, i: number): PathElement {
  try {
    return itemElement(t, item);
  } catch (e) {
    return fail(path, `element ${i}: ${(e as Error).message}`);
  }
}

// --- validation ---

/** Throws a TypedError for a value that does not fit its type (duplicate list keys allowed on request). */
export function validate(v: unknown, a: Atom, allowDuplicates = false): void {
  const problems: TypedProblem[] = [];
  validateAt(v, a, [], allowDuplicates, problems);
  if (problems.length) throw new TypedError(problems);
}

function validateAt(v: unknown, a: Atom, path: PathElement[], dups: boolean, out: TypedProblem[]): void {
  const at = () => path.map(peString).join('');
  switch (shapeOf(a, v)) {
    case 'scalar': {
      const p = scalarProblem(a, v);
      if (p) out.push({ path: at(), message: p });
      return;
    }
    case 'list': {
      if (v === null || v === undefined) return;
      if (!Array.isArray(v)) return void out.push({ path: at(), message: `expected list, got ${goValueString(v)}` });
      const t = a.list!;
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        let pe: PathElement;
        if (!t.associative) pe = { index: i };
        else {
          try {
            pe = itemElement(t, v[i]);
          } catch (e) {
            return void out.push({ path: at(), message: `element ${i}: ${(e as Error).message}` });
          }
          const k = serializePE(pe);
          if (seen.has(k) && !dups) out.push({ path: at(), message: `duplicate entries for key ${peString(pe)}` });
          seen.add(k);
        }
        path.push(pe);
        validateAt(v[i], t.elem, path, dups, out);
        path.pop();
      }
      return;
    }
    case 'map': {
      if (v === null || v === undefined) return;
      if (!isObj(v)) return void out.push({ path: at(), message: `expected map, got ${goValueString(v)}` });
      const t = a.map!;
      for (const k in v) {
        if (v[k] === undefined) continue;
        const ft = mapKeyType(t, k);
        path.push(fieldElement(k));
        if (!ft) {
          out.push({ path: at(), message: 'field not declared in schema' });
          path.pop();
          return;
        }
        validateAt(v[k], ft, path, dups, out);
        path.pop();
      }
    }
  }
}

// --- field sets ---

/** The paths a value sets (upstream's ToFieldSet): its leaves, list items, and empty or undeclared containers. */
export function toFieldSet(v: unknown, a: Atom): FieldSet {
  const set = new FieldSet();
  fieldSetAt(v, a, [], set);
  return set;
}

function fieldSetAt(v: unknown, a: Atom, path: PathElement[], set: FieldSet): void {
  switch (shapeOf(a, v)) {
    case 'scalar':
      set.insert(path);
      return;
    case 'list': {
      const t = a.list!;
      if (!t.associative) return void set.insert(path);
      if (!Array.isArray(v)) return;
      const pes = v.map((item, i) => elementAt(path, t, item, i));
      const count = new Map<string, number>();
      for (const pe of pes) count.set(serializePE(pe), (count.get(serializePE(pe)) ?? 0) + 1);
      for (let i = 0; i < v.length; i++) {
        const pe = pes[i];
        path.push(pe);
        if (count.get(serializePE(pe))! > 1) set.insert(path);
        else {
          fieldSetAt(v[i], t.elem, path, set);
          set.insert(path);
        }
        path.pop();
      }
      return;
    }
    case 'map': {
      const t = a.map!;
      if (t.atomic) return void set.insert(path);
      if (!isObj(v)) return;
      for (const k in v) {
        const val = v[k];
        if (val === undefined) continue;
        const ft = mapKeyType(t, k);
        path.push(fieldElement(k));
        if (!ft) fail(path, 'schema error: invalid atom: inlined');
        fieldSetAt(val, ft!, path, set);
        if (val === null || (isObj(val) && Object.keys(val).length === 0) || !t.field(k)) set.insert(path);
        path.pop();
      }
    }
  }
}

// --- comparison ---

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

export const isSame = (c: Comparison) => c.added.empty() && c.modified.empty() && c.removed.empty();

/** What changed from `lhs` to `rhs` (upstream's TypedValue.Compare). */
export function compare(lhs: unknown, rhs: unknown, a: Atom): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(lhs, rhs, a, [], c);
  return c;
}

function compareAt(lhs: unknown, rhs: unknown, a: Atom, path: PathElement[], c: Comparison): void {
  const shape = shapeOf(a, rhs === undefined ? lhs : rhs);
  // two values of different shapes (an untyped place): the old one is replaced
  if (lhs !== undefined && rhs !== undefined && deduce(a, lhs) && deduce(a, rhs) && deduce(a, lhs) !== deduce(a, rhs))
    c.modified.insert(path);
  let leaf = false;
  const doLeaf = () => {
    leaf = true;
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!valuesEqual(lhs, rhs)) c.modified.insert(path);
  };
  if (shape === 'scalar') {
    const pl = scalarProblem(a, lhs);
    const pr = scalarProblem(a, rhs);
    if (pl && pr) fail(path, `lhs: ${pl}`);
    doLeaf();
  } else if (shape === 'list') {
    const t = a.list!;
    const l = Array.isArray(lhs) ? lhs : undefined;
    const r = Array.isArray(rhs) ? rhs : undefined;
    if (!t.associative || (!l?.length && !r?.length)) doLeaf();
    else compareList(t, l, r, path, c);
  } else {
    const t = a.map!;
    const l = isObj(lhs) ? lhs : undefined;
    const r = isObj(rhs) ? rhs : undefined;
    if (t.atomic || (!hasKeys(l) && !hasKeys(r))) doLeaf();
    else compareMap(t, l, r, path, c);
  }
  if (!leaf) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }
}

const hasKeys = (o: Obj | undefined) => {
  if (!o) return false;
  for (const k in o) if (o[k] !== undefined) return true;
  return false;
};

function compareMap(t: MapType, l: Obj | undefined, r: Obj | undefined, path: PathElement[], c: Comparison): void {
  const visit = (k: string) => {
    const ft = mapKeyType(t, k);
    path.push(fieldElement(k));
    if (!ft) fail(path, 'schema error: invalid atom: inlined');
    compareAt(l?.[k], r?.[k], ft!, path, c);
    path.pop();
  };
  if (l) for (const k in l) if (l[k] !== undefined) visit(k);
  if (r) for (const k in r) if (r[k] !== undefined && (!l || l[k] === undefined)) visit(k);
}

function compareList(
  t: ListType,
  l: readonly unknown[] | undefined,
  r: readonly unknown[] | undefined,
  path: PathElement[],
  c: Comparison,
): void {
  const order: PathElement[] = [];
  const lv = new Map<string, unknown[]>();
  const rv = new Map<string, unknown[]>();
  const index = (list: readonly unknown[] | undefined, into: Map<string, unknown[]>, other?: Map<string, unknown[]>) => {
    list?.forEach((item, i) => {
      const pe = elementAt(path, t, item, i);
      const k = serializePE(pe);
      const got = into.get(k);
      if (got) got.push(item);
      else {
        into.set(k, [item]);
        if (!other?.has(k)) order.push(pe);
      }
    });
  };
  index(l, lv);
  index(r, rv, lv);
  for (const pe of order) {
    const k = serializePE(pe);
    const ls = lv.get(k) ?? [];
    const rs = rv.get(k) ?? [];
    path.push(pe);
    if (ls.length <= 1 && rs.length <= 1) compareAt(ls[0], rs[0], t.elem, path, c);
    else if (ls.length >= 2 && rs.length >= 2) {
      if (!(ls.length === rs.length && ls.every((x, i) => valuesEqual(x, rs[i])))) c.modified.insert(path);
    } else if (ls.length >= 2) {
      if (rs.length) compareAt(undefined, rs[0], t.elem, path, c);
      c.removed.insert(path);
    } else {
      if (ls.length) compareAt(ls[0], undefined, t.elem, path, c);
      c.added.insert(path);
    }
    path.pop();
  }
}

// --- merge ---

/** An apply configuration merged into a live object (upstream's TypedValue.Merge, keeping the config's values). */
export function merge(lhs: unknown, rhs: unknown, a: Atom): unknown {
  return mergeAt(lhs, rhs, a, []);
}

function mergeAt(lhs: unknown, rhs: unknown, a: Atom, path: PathElement[]): unknown {
  if (lhs === undefined && rhs === undefined) return fail(path, 'at least one of lhs and rhs must be provided');
  const leaf = () => (rhs !== undefined ? rhs : lhs);
  const shape = shapeOf(a, rhs === undefined ? lhs : rhs);
  if (shape === 'scalar') {
    const pl = scalarProblem(a, lhs);
    const pr = scalarProblem(a, rhs);
    if (pl && pr) fail(path, `lhs: ${pl}`);
    return leaf();
  }
  if (shape === 'list') {
    const t = a.list!;
    const l = Array.isArray(lhs) ? lhs : undefined;
    const r = Array.isArray(rhs) ? rhs : undefined;
    if (!t.associative || (!l?.length && !r?.length)) return leaf();
    if (!l && !r) return undefined;
    return mergeList(t, l, r, path);
  }
  const t = a.map!;
  const l = isObj(lhs) ? lhs : undefined;
  const r = isObj(rhs) ? rhs : undefined;
  if (t.atomic || (!hasKeys(l) && !hasKeys(r))) return leaf();
  if (!l && !r) return undefined;
  const out: Obj = {};
  const visit = (k: string) => {
    const ft = mapKeyType(t, k);
    path.push(fieldElement(k));
    if (!ft) fail(path, 'schema error: invalid atom: inlined');
    const v = mergeAt(l?.[k], r?.[k], ft!, path);
    path.pop();
    if (v !== undefined) out[k] = v;
  };
  if (l) for (const k in l) if (l[k] !== undefined) visit(k);
  if (r) for (const k in r) if (r[k] !== undefined && (!l || l[k] === undefined)) visit(k);
  return Object.keys(out).length ? out : undefined;
}

function indexList(
  t: ListType,
  list: readonly unknown[] | undefined,
  path: PathElement[],
  allowDuplicates: boolean,
): { pes: PathElement[]; seen: Map<string, unknown> } {
  const pes: PathElement[] = [];
  const seen = new Map<string, unknown>();
  list?.forEach((item, i) => {
    const pe = elementAt(path, t, item, i);
    const k = serializePE(pe);
    if (seen.has(k)) {
      if (!allowDuplicates) fail(path, `duplicate entries for key ${peString(pe)}`);
      // duplicated items are not merged with the new value
      seen.set(k, null);
    } else seen.set(k, item);
    pes.push(pe);
  });
  return { pes, seen };
}

function mergeList(t: ListType, lhs: readonly unknown[] | undefined, rhs: readonly unknown[] | undefined, path: PathElement[]): unknown {
  const R = indexList(t, rhs, path, false);
  const L = indexList(t, lhs, path, true);
  const key = serializePE;
  const shared = R.pes.filter((pe) => L.seen.has(key(pe)));
  let nextShared = shared.shift();
  const mergedR = new Set<string>();
  const out: unknown[] = [];
  const item = (pe: PathElement, l: unknown, r: unknown) => {
    path.push(pe);
    const v = mergeAt(l, r, t.elem, path);
    path.pop();
    if (v !== undefined) out.push(v);
  };
  let li = 0;
  let ri = 0;
  while (li < L.pes.length || ri < R.pes.length) {
    if (li < L.pes.length && ri < R.pes.length) {
      const pe = L.pes[li];
      if (equalPE(pe, R.pes[ri])) {
        mergedR.add(key(pe));
        item(pe, L.seen.get(key(pe)), R.seen.get(key(pe)));
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (R.seen.has(key(pe)) && nextShared && !equalPE(nextShared, pe)) {
        // an item both have, but not the one the configuration wants next
        li++;
        continue;
      }
    }
    if (li < L.pes.length) {
      const pe = L.pes[li];
      if (!R.seen.has(key(pe))) {
        item(pe, lhs![li], undefined);
        li++;
        continue;
      } else if (mergedR.has(key(pe))) li++;
    }
    if (ri < R.pes.length) {
      const pe = R.pes[ri];
      mergedR.add(key(pe));
      const l = L.seen.get(key(pe));
      item(pe, l, R.seen.get(key(pe)));
      ri++;
      if (nextShared && equalPE(nextShared, pe)) nextShared = shared.shift();
    }
  }
  return out.length ? out : undefined;
}

// --- removal ---

/** The value without the paths of `set` (upstream's RemoveItems: emptied containers become absent). */
export function removeItems(v: unknown, set: FieldSet, a: Atom): unknown {
  if (set.empty()) return v;
  return removeAt(v, set, a);
}

function removeAt(v: unknown, set: FieldSet, a: Atom): unknown {
  switch (shapeOf(a, v)) {
    case 'scalar':
      return v;
    case 'list': {
      if (!Array.isArray(v) || !v.length) return null;
      const t = a.list!;
      if (!t.associative) return null;
      const out: unknown[] = [];
      for (const item of v) {
        let pe: PathElement;
        try {
          pe = itemElement(t, item);
        } catch {
          // kept as it is: an item without a key cannot be named by a path
          out.push(item);
          continue;
        }
        if (set.hasMember(pe)) continue;
        const sub = set.child(pe);
        out.push(sub && !sub.empty() ? removeAt(item, sub, t.elem) : item);
      }
      return out.length ? out : null;
    }
    case 'map': {
      if (!isObj(v)) return null;
      const t = a.map!;
      if (!hasKeys(v) || t.atomic) return null;
      const out: Obj = {};
      for (const k in v) {
        if (v[k] === undefined) continue;
        const pe = fieldElement(k);
        if (set.hasMember(pe)) continue;
        const sub = set.child(pe);
        const ft = mapKeyType(t, k);
        out[k] = sub && !sub.empty() && ft ? removeAt(v[k], sub, ft) : v[k];
      }
      return hasKeys(out) ? out : null;
    }
  }
}

// --- field sets against the type ---

/** Marks every struct field that has children as a member too (upstream's EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, a: Atom | undefined): FieldSet {
  const m = a?.map;
  const members = [...set.members];
  const out = new FieldSet(members, []);
  for (const c of set.children) {
    if (c.pe.field !== undefined && m?.field(c.pe.field)) out.addMember(c.pe);
    let sub: Atom | undefined;
    if (c.pe.field !== undefined && m) sub = m.field(c.pe.field) ?? m.elem;
    else if (c.pe.key !== undefined && a?.list) sub = a.list.elem;
    out.children.push({ pe: c.pe, set: ensureNamedFieldsAreMembers(c.set, sub) });
  }
  return out;
}

/**
 * A manager's field set adjusted to the type after the schema changed (a list or map turned atomic owns its
 * root only); undefined when nothing changes (upstream's ReconcileFieldSetWithSchema).
 */
export function reconcileWithSchema(set: FieldSet, a: Atom): FieldSet | undefined {
  const toRemove = new FieldSet();
  const toAdd = new FieldSet();
  reconcileAt(set, a, [], false, toRemove, toAdd);
  if (toRemove.empty() && toAdd.empty()) return undefined;
  return set.recursiveDifference(toRemove).union(toAdd);
}

function reconcileAt(
  set: FieldSet | undefined,
  a: Atom,
  path: PathElement[],
  isAtomic: boolean,
  toRemove: FieldSet,
  toAdd: FieldSet,
): void {
  // handled in upstream's order: map, scalar, list
  if (a.map) {
    const t = a.map;
    if (t.deduced) return;
    if (!isAtomic && t.atomic) {
      if (set && set.size() > 0) {
        toRemove.insert(path);
        toAdd.insert(path);
      }
      return;
    }
    if (set) visitItems(set, path, (pe) => (pe.field !== undefined ? mapKeyType(t, pe.field) : t.elem), toRemove, toAdd);
    return;
  }
  if (a.scalar) return;
  if (a.list) {
    const t = a.list;
    if (!isAtomic && !t.associative) {
      toRemove.insert(path);
      toAdd.insert(path);
      return;
    }
    if (set) visitItems(set, path, () => t.elem, toRemove, toAdd);
  }
}

function visitItems(
  set: FieldSet,
  path: PathElement[],
  typeOf: (pe: PathElement) => Atom | undefined,
  toRemove: FieldSet,
  toAdd: FieldSet,
): void {
  const handle = (pe: PathElement, isMember: boolean) => {
    const t = typeOf(pe);
    if (!t) return;
    const sub = set.child(pe);
    path.push(pe);
    reconcileAt(sub, t, path, isMember && !sub, toRemove, toAdd);
    path.pop();
  };
  for (const c of set.children) if (!set.hasMember(c.pe)) handle(c.pe, false);
  for (const pe of set.members) handle(pe, true);
}
