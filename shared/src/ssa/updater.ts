// Who owns what after a write (structured-merge-diff's merge.Updater): an update gives its manager the
// fields it changed and takes them from the others; an apply merges the configuration into the live object,
// removes what this manager applied last time and no longer does (unless another manager owns it), gives
// the manager exactly the configuration's fields, and refuses to change fields other managers own unless
// forced (conflicts). Managers working at other versions compare the objects converted to theirs.
import { FieldSet } from './fieldset';
import type { Path } from './pathelement';
import type { Atom } from './schema';
import { compare, ensureNamedFieldsAreMembers, merge, reconcileWithSchema, removeItems, toFieldSet, type Comparison } from './typed';
import { valuesEqual } from './value';

/** What one manager owns, at the version it wrote, and whether it applied it (else it updated). */
export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/** Managers (their identifiers) and what they own. */
export type ManagedFields = Map<string, VersionedSet>;

/** A value with its type and the version it is at. */
export interface TypedValue {
  readonly value: unknown;
  readonly type: Atom;
  readonly version: string;
}

/** Objects to another version; undefined when that version is not served any more (its managers are dropped). */
export type Converter = (v: TypedValue, version: string) => TypedValue | undefined;

/** Paths a version's writes may not own (upstream's reset fields: status on the main resource, ...). */
export type FieldFilter = (s: FieldSet) => FieldSet;

export interface Conflict {
  readonly manager: string;
  readonly path: Path;
}

/** An apply changing fields other managers own. */
export class Conflicts extends Error {
  constructor(readonly conflicts: readonly Conflict[]) {
    super(`${conflicts.length} conflict(s)`);
    this.name = 'Conflicts';
  }
}

/** A step of the merge that failed (worded as upstream's wraps). */
export class MergeError extends Error {}

const reconciled = new WeakMap<FieldSet, WeakMap<Atom, FieldSet | null>>();

/** A manager's set adjusted to a changed schema (cached: sets decoded from stored objects repeat). */
function reconcileCached(set: FieldSet, type: Atom): FieldSet | undefined {
  let byType = reconciled.get(set);
  if (!byType) reconciled.set(set, (byType = new WeakMap()));
  let r = byType.get(type);
  if (r === undefined) {
    r = reconcileWithSchema(set, type) ?? null;
    byType.set(type, r);
  }
  return r ?? undefined;
}

export class Updater {
  constructor(
    private readonly convert: Converter,
    private readonly ignore: (version: string) => FieldFilter | undefined = () => undefined,
  ) {}

  private to(v: TypedValue, version: string): TypedValue | undefined {
    return v.version === version ? v : this.convert(v, version);
  }

  private compareAt(lhs: TypedValue, rhs: TypedValue, version: string): Comparison {
    const c = compare(lhs.value, rhs.value, lhs.type);
    const f = this.ignore(version);
    return f ? { added: f(c.added), modified: f(c.modified), removed: f(c.removed) } : c;
  }

  private reconcile(live: TypedValue, managers: ManagedFields): ManagedFields {
    const out: ManagedFields = new Map();
    for (const [m, vs] of managers) {
      const tv = this.to(live, vs.apiVersion);
      if (!tv) continue; // a version no longer served: its managers go
      const set = reconcileCached(vs.set, tv.type);
      out.set(m, set ? { ...vs, set } : vs);
    }
    return out;
  }

  private updateOthers(
    oldObj: TypedValue,
    newObj: TypedValue,
    version: string,
    managers: ManagedFields,
    workflow: string,
    force: boolean,
  ): Comparison {
    const conflicts = new Map<string, FieldSet>();
    const removed = new Map<string, FieldSet>();
    const first = this.compareAt(oldObj, newObj, version);
    const byVersion = new Map<string, Comparison>([[version, first]]);
    for (const [m, vs] of [...managers]) {
      if (m === workflow) continue;
      let c = byVersion.get(vs.apiVersion);
      if (!c) {
        const o = this.to(oldObj, vs.apiVersion);
        const n = o && this.to(newObj, vs.apiVersion);
        if (!o || !n) {
          managers.delete(m);
          continue;
        }
        c = this.compareAt(o, n, vs.apiVersion);
        byVersion.set(vs.apiVersion, c);
      }
      const conflict = vs.set.intersection(c.modified.union(c.added));
      if (!conflict.empty()) conflicts.set(m, conflict);
      if (!c.removed.empty()) removed.set(m, c.removed);
    }
    if (!force && conflicts.size) {
      const list: Conflict[] = [];
      for (const [manager, set] of conflicts) set.forEach((path) => list.push({ manager, path }));
      throw new Conflicts(list);
    }
    for (const [m, set] of conflicts) {
      const vs = managers.get(m)!;
      managers.set(m, { ...vs, set: vs.set.difference(set) });
    }
    for (const [m, set] of removed) {
      const vs = managers.get(m)!;
      managers.set(m, { ...vs, set: vs.set.difference(set) });
    }
    for (const [m, vs] of [...managers]) if (vs.set.empty()) managers.delete(m);
    return first;
  }

  /** After a create, update or non-apply patch: `manager` owns what it changed. */
  update(live: TypedValue, next: TypedValue, version: string, managers: ManagedFields, manager: string): ManagedFields {
    const ms = this.reconcile(live, managers);
    const c = this.updateOthers(live, next, version, ms, manager, true);
    const prev = ms.get(manager)?.set ?? new FieldSet();
    let set = prev.difference(c.removed).union(c.modified).union(c.added);
    const f = this.ignore(version);
    if (f) set = f(set);
    if (set.empty()) ms.delete(manager);
    else ms.set(manager, { set, apiVersion: version, applied: false });
    return ms;
  }

  /** An apply of `config`: the merged object (undefined when it equals the live one) and the new owners. */
  apply(
    live: TypedValue,
    config: TypedValue,
    version: string,
    managers: ManagedFields,
    manager: string,
    force: boolean,
  ): { object?: TypedValue; managers: ManagedFields } {
    const ms = this.reconcile(live, managers);
    let merged: TypedValue;
    try {
      merged = { ...live, value: merge(live.value, config.value, live.type) };
    } catch (e) {
      throw new MergeError(`failed to merge config: ${(e as Error).message}`, { cause: e });
    }
    const last = ms.get(manager);
    let set: FieldSet;
    try {
      set = toFieldSet(config.value, config.type);
    } catch (e) {
      throw new MergeError(`failed to get field set: ${(e as Error).message}`, { cause: e });
    }
    const f = this.ignore(version);
    if (f) set = f(set);
    ms.set(manager, { set, apiVersion: version, applied: true });
    try {
      merged = this.prune(merged, ms, manager, last);
    } catch (e) {
      throw new MergeError(`failed to prune fields: ${(e as Error).message}`, { cause: e });
    }
    this.updateOthers(live, merged, version, ms, manager, force);
    return { object: valuesEqual(live.value, merged.value) ? undefined : merged, managers: ms };
  }

  /** Removes what `applier` applied last time and no longer applies, unless someone still owns it. */
  private prune(merged: TypedValue, ms: ManagedFields, applier: string, last: VersionedSet | undefined): TypedValue {
    if (!last || last.set.empty()) return merged;
    const at = this.to(merged, last.apiVersion);
    if (!at) return merged;
    const ensure = (s: FieldSet) => ensureNamedFieldsAreMembers(s, at.type);
    let pruned: TypedValue = { ...at, value: removeItems(at.value, ensure(last.set), at.type) };
    pruned = this.addBackOwned(at, pruned, last.apiVersion, ms);
    pruned = this.addBackDangling(at, pruned, last);
    return this.to(pruned, ms.get(applier)!.apiVersion) ?? pruned;
  }

  /** Puts back what prune removed that another manager (or this configuration) owns. */
  private addBackOwned(merged: TypedValue, pruned: TypedValue, prunedVersion: string, ms: ManagedFields): TypedValue {
    const byVersion = new Map<string, FieldSet>();
    for (const vs of ms.values()) byVersion.set(vs.apiVersion, (byVersion.get(vs.apiVersion) ?? new FieldSet()).union(vs.set));
    const versions = [...byVersion.keys()].sort((a, b) => (a === prunedVersion ? -1 : b === prunedVersion ? 1 : 0));
    for (const version of versions) {
      const m = this.to(merged, version);
      const p = m && this.to(pruned, version);
      if (!m || !p) continue;
      const ensure = (s: FieldSet) => ensureNamedFieldsAreMembers(s, m.type);
      const mergedSet = ensure(toFieldSet(m.value, m.type));
      const keep = ensure(toFieldSet(p.value, p.type)).union(ensure(byVersion.get(version)!));
      merged = m;
      pruned = { ...m, value: removeItems(m.value, mergedSet.difference(keep), m.type) };
    }
    return pruned;
  }

  /** Removes only what the applier owned last time: what nobody owned, or updaters own, comes back. */
  private addBackDangling(merged: TypedValue, pruned: TypedValue, last: VersionedSet): TypedValue {
    const p = this.to(pruned, last.apiVersion);
    if (!p) return merged;
    const ensure = (s: FieldSet) => ensureNamedFieldsAreMembers(s, merged.type);
    const prunedSet = ensure(toFieldSet(p.value, p.type));
    const mergedSet = ensure(toFieldSet(merged.value, merged.type));
    return { ...merged, value: removeItems(merged.value, mergedSet.difference(prunedSet).intersection(ensure(last.set)), merged.type) };
  }
}
