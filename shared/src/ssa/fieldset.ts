// A set of field paths (structured-merge-diff's fieldpath.Set): what a manager owns, what an apply
// configuration sets, what changed between two objects. A trie: the path elements that are members at this
// level, and the children under path elements, both kept sorted (upstream's order, which is also the order
// of FieldsV1). FieldsV1 in and out as upstream reads and writes it: `{"f:spec":{"f:replicas":{}}}`, with
// `".": {}` marking a member that also has children.
import {
  comparePE,
  deserializePE,
  equalPE,
  pathString,
  serializePE,
  UnknownPathElementType,
  type Path,
  type PathElement,
} from './pathelement';

interface Child {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** Index of `pe` in `arr` (sorted by key(x)), or -(insertion point) - 1. */
function search<T>(arr: readonly T[], pe: PathElement, key: (x: T) => PathElement): number {
  let lo = 0;
  let hi = arr.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = comparePE(key(arr[mid]), pe);
    if (c < 0) lo = mid + 1;
    else if (c > 0) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

const self = (pe: PathElement) => pe;
const childPE = (c: Child) => c.pe;

export class FieldSet {
  /** Sorted; do not mutate from outside. */
  readonly members: PathElement[];
  /** Sorted by path element; do not mutate from outside. */
  readonly children: Child[];

  constructor(members: PathElement[] = [], children: Child[] = []) {
    this.members = members;
    this.children = children;
  }

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Add a path (mutates). */
  insert(path: Path): void {
    if (!path.length) return;
    const parent = path.slice(0, -1).reduce<FieldSet>((s, pe) => s.descend(pe), this);
    parent.addMember(path[path.length - 1]);
  }

  addMember(pe: PathElement): void {
    const i = search(this.members, pe, self);
    if (i < 0) this.members.splice(-i - 1, 0, pe);
  }

  /** The child set under `pe`, created when missing (mutates). */
  descend(pe: PathElement): FieldSet {
    const i = search(this.children, pe, childPE);
    if (i >= 0) return this.children[i].set;
    const set = new FieldSet();
    this.children.splice(-i - 1, 0, { pe, set });
    return set;
  }

  hasMember(pe: PathElement): boolean {
    return search(this.members, pe, self) >= 0;
  }

  child(pe: PathElement): FieldSet | undefined {
    const i = search(this.children, pe, childPE);
    return i >= 0 ? this.children[i].set : undefined;
  }

  has(path: Path): boolean {
    if (!path.length) return false;
    const parent = path.slice(0, -1).reduce<FieldSet | undefined>((s, pe) => s?.child(pe), this);
    return !!parent && parent.hasMember(path[path.length - 1]);
  }

  /** The paths under `pe` (an empty set when none). */
  withPrefix(pe: PathElement): FieldSet {
    return this.child(pe) ?? EMPTY;
  }

  empty(): boolean {
    return !this.members.length && this.children.every((c) => c.set.empty());
  }

  size(): number {
    let n = this.members.length;
    for (const c of this.children) n += c.set.size();
    return n;
  }

  equals(o: FieldSet): boolean {
    if (this === o) return true;
    if (this.members.length !== o.members.length || this.children.length !== o.children.length) return false;
    for (let i = 0; i < this.members.length; i++) if (!equalPE(this.members[i], o.members[i])) return false;
    for (let i = 0; i < this.children.length; i++)
      if (!equalPE(this.children[i].pe, o.children[i].pe) || !this.children[i].set.equals(o.children[i].set)) return false;
    return true;
  }

  union(o: FieldSet): FieldSet {
    if (o.members.length === 0 && o.children.length === 0) return this;
    if (this.members.length === 0 && this.children.length === 0) return o;
    return new FieldSet(
      mergeSorted(this.members, o.members, self, (a) => a),
      mergeSorted(this.children, o.children, childPE, (a, b) => ({ pe: a.pe, set: a.set.union(b.set) })),
    );
  }

  intersection(o: FieldSet): FieldSet {
    const members = this.members.filter((pe) => o.hasMember(pe));
    const children: Child[] = [];
    for (const c of this.children) {
      const oc = o.child(c.pe);
      if (!oc) continue;
      const set = c.set.intersection(oc);
      if (!set.empty()) children.push({ pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /** The paths of this set that are not in `o` (a member of `o` removes that member only). */
  difference(o: FieldSet): FieldSet {
    if (o.members.length === 0 && o.children.length === 0) return this;
    const members = this.members.filter((pe) => !o.hasMember(pe));
    const children: Child[] = [];
    for (const c of this.children) {
      const oc = o.child(c.pe);
      if (!oc) {
        children.push(c);
        continue;
      }
      const set = c.set.difference(oc);
      if (!set.empty()) children.push({ pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /** As difference, but a member of `o` also removes everything under it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const members = this.members.filter((pe) => !o.hasMember(pe));
    const children: Child[] = [];
    for (const c of this.children) {
      if (o.hasMember(c.pe)) continue;
      const oc = o.child(c.pe);
      if (!oc) {
        children.push(c);
        continue;
      }
      const set = c.set.recursiveDifference(oc);
      if (!set.empty()) children.push({ pe: c.pe, set });
    }
    return new FieldSet(members, children);
  }

  /** Every path, in order: members before children at each level. */
  forEach(fn: (path: Path) => void, prefix: PathElement[] = []): void {
    for (const pe of this.members) fn([...prefix, pe]);
    for (const c of this.children) c.set.forEach(fn, [...prefix, c.pe]);
  }

  paths(): Path[] {
    const out: Path[] = [];
    this.forEach((p) => out.push(p));
    return out;
  }

  /** One path per line, as upstream's Set.String. */
  toString(): string {
    return this.paths().map(pathString).join('\n');
  }

  /** The FieldsV1 object (keys in upstream's order). */
  toFieldsV1(): Record<string, unknown> {
    return emit(this, false);
  }

  /** Read a FieldsV1 object; throws on a malformed one (unknown element types are skipped, as upstream). */
  static fromFieldsV1(v: unknown): FieldSet {
    if (v === null || v === undefined) return new FieldSet();
    return read(v, '').children ?? new FieldSet();
  }
}

const EMPTY = new FieldSet();
Object.freeze(EMPTY.members);
Object.freeze(EMPTY.children);

function mergeSorted<T>(a: readonly T[], b: readonly T[], key: (x: T) => PathElement, both: (x: T, y: T) => T): T[] {
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = comparePE(key(a[i]), key(b[j]));
    if (c < 0) out.push(a[i++]);
    else if (c > 0) out.push(b[j++]);
    else out.push(both(a[i++], b[j++]));
  }
  while (i < a.length) out.push(a[i++]);
  while (j < b.length) out.push(b[j++]);
  return out;
}

const EMPTY_OBJECT = () => ({});

function emit(s: FieldSet, includeSelf: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (includeSelf && (s.members.length || s.children.length)) out['.'] = {};
  let mi = 0;
  let ci = 0;
  const { members, children } = s;
  while (mi < members.length || ci < children.length) {
    const c = mi >= members.length ? 1 : ci >= children.length ? -1 : comparePE(members[mi], children[ci].pe);
    if (c < 0) out[serializePE(members[mi++])] = EMPTY_OBJECT();
    else if (c > 0) {
      const ch = children[ci++];
      out[serializePE(ch.pe)] = emit(ch.set, false);
    } else {
      const ch = children[ci++];
      mi++;
      out[serializePE(ch.pe)] = emit(ch.set, true);
    }
  }
  return out;
}

/** The children of a FieldsV1 node, and whether the node is a member of its parent. */
function read(v: unknown, at: string): { children?: FieldSet; member: boolean } {
  if (v === null) return { member: true };
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${at || 'fieldsV1'}: expected a JSON object, got ${JSON.stringify(v)}`);
  let children: FieldSet | undefined;
  let member = false;
  for (const [k, sub] of Object.entries(v as Record<string, unknown>)) {
    if (k === '.') {
      member = true;
      continue;
    }
    let pe: PathElement;
    try {
      pe = deserializePE(k);
    } catch (e) {
      if (e instanceof UnknownPathElementType) continue;
      throw new Error(`parsing key as path element: ${(e as Error).message}`, { cause: e });
    }
    const r = read(sub, k);
    if (r.member) (children ??= new FieldSet()).addMember(pe);
    if (r.children) {
      children ??= new FieldSet();
      const i = search(children.children, pe, childPE);
      if (i >= 0) children.children[i] = { pe, set: children.children[i].set.union(r.children) };
      else children.children.splice(-i - 1, 0, { pe, set: r.children });
    }
  }
  if (!children) member = true;
  return { children, member };
}
