// Field selectors as k8s.io/apimachinery/pkg/fields parses them: `field=value`, `field==value`,
// `field!=value`, comma = AND; `\,`, `\=` and `\\` escape those characters in values.
import { SelectorError } from './labels';

export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

export interface FieldSelector {
  /** All must match (AND). Empty = matches everything. */
  requirements: FieldRequirement[];
}

/** fields.UnescapeValue: only `\\`, `\,` and `\=` are escapes; bare `,` or `=` in a value is an error. */
export function unescapeFieldValue(s: string): string {
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new SelectorError(`invalid field selector: unescaped character ${c}`);
    else out += c;
  }
  if (inSlash) throw new SelectorError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** fields.EscapeValue. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Split on commas not preceded by an escaping backslash (fields.splitTerms). */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** The first `!=`, `==` or `=` in the term splits it (fields.splitTerm). */
function splitTerm(term: string): [string, '!=' | '==' | '=', string] | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** Parse a field selector ("" matches everything). Throws SelectorError on bad input. */
export function parseFieldSelector(selector: string): FieldSelector {
  const reqs: FieldRequirement[] = [];
  for (const part of splitTerms(selector)) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [field, op, raw] = t;
    // the field is taken as written, as upstream's splitTerm does: " spec.nodeName" is no known field
    reqs.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeFieldValue(raw) });
  }
  reqs.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
  return { requirements: reqs };
}

/**
 * Match against an object's fields; `getField(path)` returns the field's value, undefined when absent
 * (an absent field compares as "", as upstream fields.Set does).
 */
export function matchesFields(sel: FieldSelector, getField: (path: string) => string | undefined): boolean {
  return sel.requirements.every((r) => {
    const v = getField(r.field) ?? '';
    return r.operator === '=' ? v === r.value : v !== r.value;
  });
}

/** Field paths a selector uses (servers check them against the fields they support). */
export function fieldSelectorFields(sel: FieldSelector): string[] {
  return [...new Set(sel.requirements.map((r) => r.field))];
}

export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements.map((r) => `${r.field}${r.operator}${escapeFieldValue(r.value)}`).join(',');
}

/** The value a selector requires for `field` with `=`, if any (e.g. spec.nodeName for a kubelet's watch). */
export function requiresExactField(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((r) => r.field === field && r.operator === '=')?.value;
}
