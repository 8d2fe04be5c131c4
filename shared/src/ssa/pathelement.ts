// One step of a field path (structured-merge-diff's fieldpath.PathElement): a field of a map (`f:name`), a
// list item by its key fields (`k:{"name":"nginx"}`), a set item by its value (`v:"a"`), or an item of an
// atomic list by index (`i:0`, read but never written by the server). Their order, their serialized form
// in FieldsV1 (byte for byte as upstream writes it) and their rendering in paths (`.spec`, `[name="x"]`).
import { compareStrings, compareValues, goJSON, goJSONString, valuesEqual, valueString, type Value } from './value';

export type PathElement =
  | { readonly field: string; readonly key?: undefined; readonly value?: undefined; readonly index?: undefined }
  | { readonly key: readonly KeyField[]; readonly field?: undefined; readonly value?: undefined; readonly index?: undefined }
  | { readonly value: Value; readonly field?: undefined; readonly key?: undefined; readonly index?: undefined }
  | { readonly index: number; readonly field?: undefined; readonly key?: undefined; readonly value?: undefined };

/** One key field of a list item; a key's fields are sorted by name. */
export type KeyField = readonly [name: string, value: Value];

export type Path = readonly PathElement[];

const fieldElements = new Map<string, PathElement>();

/** The element of a map field (shared: fields repeat across objects). */
export function fieldElement(name: string): PathElement {
  let pe = fieldElements.get(name);
  if (!pe) {
    pe = { field: name };
    if (fieldElements.size < 50_000) fieldElements.set(name, pe);
  }
  return pe;
}

/** A key element from its fields (any order). */
export function keyElement(fields: readonly KeyField[]): PathElement {
  return { key: [...fields].sort((a, b) => compareStrings(a[0], b[0])) };
}

const kindRank = (pe: PathElement) => (pe.field !== undefined ? 0 : pe.key !== undefined ? 1 : pe.value !== undefined ? 2 : 3);

function compareKeys(a: readonly KeyField[], b: readonly KeyField[]): number {
  for (let i = 0; ; i++) {
    if (i >= a.length) return i >= b.length ? 0 : -1;
    if (i >= b.length) return 1;
    const c = compareStrings(a[i][0], b[i][0]) || compareValues(a[i][1], b[i][1]);
    if (c) return c;
  }
}

/** Fields, then keys, then values, then indexes; each ordered by its content. */
export function comparePE(a: PathElement, b: PathElement): number {
  if (a === b) return 0;
  const ra = kindRank(a);
  const rb = kindRank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return compareStrings(a.field!, b.field!);
    case 1:
      return compareKeys(a.key!, b.key!);
    case 2:
      return compareValues(a.value!, b.value!);
    default:
      return a.index! < b.index! ? -1 : a.index! > b.index! ? 1 : 0;
  }
}

export function equalPE(a: PathElement, b: PathElement): boolean {
  if (a === b) return true;
  if (a.field !== undefined) return a.field === b.field;
  if (a.key !== undefined)
    return (
      b.key !== undefined && a.key.length === b.key.length && a.key.every((f, i) => f[0] === b.key[i][0] && valuesEqual(f[1], b.key[i][1]))
    );
  if (a.value !== undefined) return b.value !== undefined && b.field === undefined && b.key === undefined && valuesEqual(a.value, b.value);
  return a.index === b.index && b.field === undefined && b.key === undefined && b.value === undefined;
}

/** The FieldsV1 form: `f:name`, `k:{"a":1,"b":"x"}`, `v:"x"`, `i:3`. */
export function serializePE(pe: PathElement): string {
  if (pe.field !== undefined) return 'f:' + pe.field;
  if (pe.key !== undefined) return `k:{${pe.key.map(([n, v]) => `${goJSONString(n)}:${goJSON(v)}`).join(',')}}`;
  if (pe.value !== undefined) return 'v:' + goJSON(pe.value);
  return 'i:' + String(pe.index);
}

/** A path element of another type than f, k, v or i: a future format, skipped when read (as upstream). */
export class UnknownPathElementType extends Error {}

/** Parse a FieldsV1 key (upstream's DeserializePathElement); throws on malformed ones. */
export function deserializePE(s: string): PathElement {
  if (s.length < 2) throw new Error(`key must be 2 characters long: ${s}`);
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return fieldElement(body);
    case 'v':
      return { value: parseJSON(body) };
    case 'k': {
      const o = parseJSON(body);
      if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error(`expected a key object in ${s}`);
      return keyElement(Object.entries(o as Record<string, Value>));
    }
    case 'i': {
      if (!/^[+-]?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing ${goJSONString(body)}: invalid syntax`);
      return { index: Number(body) };
    }
    default:
      throw new UnknownPathElementType(`unknown path element type: ${s}`);
  }
}

function parseJSON(text: string): Value {
  try {
    return JSON.parse(text) as Value;
  } catch (e) {
    throw new Error(`malformed path element value ${text}: ${(e as Error).message}`, { cause: e });
  }
}

/** How a path element shows in a path: `.name`, `[a="x",b=1]`, `[=v]`, `[3]`. */
export function peString(pe: PathElement): string {
  if (pe.field !== undefined) return '.' + pe.field;
  if (pe.key !== undefined) return `[${pe.key.map(([n, v]) => `${n}=${valueString(v)}`).join(',')}]`;
  if (pe.value !== undefined) return `[=${valueString(pe.value)}]`;
  return `[${pe.index}]`;
}

export const pathString = (p: Path): string => p.map(peString).join('');
