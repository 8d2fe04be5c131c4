// Plain JSON values as structured-merge-diff's value package sees them: the order it sorts them in (numbers,
// then strings, booleans, lists, maps, null), equality, Go's %q / %v renderings used in paths and errors, and
// the JSON text its path elements embed (written as Go's jsoniter writes it, so `k:{...}` / `v:...` keys
// match upstream byte for byte).

export type Value = null | boolean | number | string | readonly Value[] | { readonly [k: string]: Value };
export type MapValue = { readonly [k: string]: Value };

export const isMapValue = (v: unknown): v is MapValue => v !== null && typeof v === 'object' && !Array.isArray(v);
export const isScalar = (v: unknown): v is number | string | boolean =>
  typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';

/** Go's strings.Compare: byte order of UTF-8, i.e. code point order (JS compares UTF-16 units). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // surrogates (astral code points) sort above every BMP code point in UTF-8
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : 1;
}

const rank = (v: Value): number =>
  typeof v === 'number' ? 0 : typeof v === 'string' ? 1 : typeof v === 'boolean' ? 2 : Array.isArray(v) ? 3 : v === null ? 5 : 4;

/** structured-merge-diff's total order of values (value.Compare). */
export function compareValues(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const x = a as readonly Value[];
      const y = b as readonly Value[];
      for (let i = 0; ; i++) {
        if (i >= x.length) return i >= y.length ? 0 : -1;
        if (i >= y.length) return 1;
        const c = compareValues(x[i], y[i]);
        if (c) return c;
      }
    }
    case 4: {
      const x = a as MapValue;
      const y = b as MapValue;
      const kx = Object.keys(x);
      const ky = Object.keys(y);
      if (!kx.length && !ky.length) return 0;
      const keys = [...new Set([...kx, ...ky])].sort(compareStrings);
      for (let i = 0; i < keys.length; i++) {
        if (i === kx.length) return -1;
        if (i === ky.length) return 1;
        const k = keys[i];
        if (!Object.hasOwn(x, k)) return 1;
        if (!Object.hasOwn(y, k)) return -1;
        const c = compareValues(x[k], y[k]);
        if (c) return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

/** Deep equality of JSON values (value.Equals). */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!valuesEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!Object.hasOwn(y, k) || !valuesEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

const HEX = '0123456789abcdef';

/** A JSON string as jsoniter's standard-library-compatible stream writes it (HTML-safe). */
export function goJSONString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | undefined;
    if (c === 0x22) esc = '\\"';
    else if (c === 0x5c) esc = '\\\\';
    else if (c === 0x0a) esc = '\\n';
    else if (c === 0x0d) esc = '\\r';
    else if (c === 0x09) esc = '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) esc = `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
    else if (c === 0x2028 || c === 0x2029) esc = `\\u${c.toString(16)}`;
    else if (c >= 0xd800 && c <= 0xdfff) {
      // a lone surrogate is not valid UTF-8: Go writes U+FFFD
      const pair = c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      if (pair) {
        i++;
        continue;
      }
      esc = '\\ufffd';
    }
    if (esc === undefined) continue;
    out += s.slice(start, i) + esc;
    start = i + 1;
  }
  return out + s.slice(start) + '"';
}

/**
 * A number as Go's encoding/json writes a float64: the shortest form, exponents below 1e-6 and from 1e21
 * on, written as `1e-7` / `1e+21` — the same text as JavaScript's.
 */
export function goJSONNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`unsupported value: ${n}`);
  return String(n);
}

/** A value as JSON, Go's way (map keys sorted, as Go writes its maps). */
export function goJSON(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJSONString(v);
  if (typeof v === 'number') return goJSONNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(goJSON).join(',')}]`;
  const m = v as MapValue;
  return `{${Object.keys(m)
    .sort(compareStrings)
    .map((k) => `${goJSONString(k)}:${goJSON(m[k])}`)
    .join(',')}}`;
}

/** Go's %q of a string (strconv.Quote). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (c === 0x07) out += '\\a';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x0b) out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
    else out += ch;
  }
  return out + '"';
}

/** value.ToString: how a value shows in a path (`[name="a"]`, `[=80]`). */
export function valueString(v: Value): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(valueString).join(',')}]`;
  const m = v as MapValue;
  return Object.keys(m)
    .map((k) => `${k}=${valueString(m[k])}`)
    .join('');
}

/** Go's %v of a JSON value decoded into interface{} (errors quote what they got this way). */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort(compareStrings)
      .map((k) => `${k}:${goValueString(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

/** Go's %T of a JSON value decoded into interface{}. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return Array.isArray(v) ? '[]interface {}' : 'map[string]interface {}';
}
