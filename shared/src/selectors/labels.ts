// Label selectors as k8s.io/apimachinery/pkg/labels parses and matches them:
// equality (`=`, `==`, `!=`), set-based (`in`, `notin`), existence (`key`, `!key`), `>`/`<` on integers;
// comma means AND. Keys and values are validated like upstream.
import type { LabelSelector as MetaLabelSelector } from 'kubernetes-types/meta/v1';

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'DoubleEquals' | 'NotEquals' | 'GreaterThan' | 'LessThan';

export interface Requirement {
  key: string;
  operator: Operator;
  /** Sorted and de-duplicated (In/NotIn); exactly one for the equality and Gt/Lt operators; empty for Exists/DoesNotExist. */
  values: string[];
}

export interface LabelSelector {
  /** All must match (AND). Empty = matches everything. */
  requirements: Requirement[];
  /** A nil metav1.LabelSelector selects nothing (upstream labels.Nothing()). */
  nothing?: boolean;
}

export type Labels = Record<string, string> | undefined | null;

// ---- validation (k8s.io/apimachinery/pkg/util/validation) ----

const NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const NAME_RE = new RegExp(`^${NAME_FMT}$`);
const LABEL_VALUE_RE = new RegExp(`^(${NAME_FMT})?$`);
const DNS1123_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** upstream RegexError: the message, its examples and the regex. */
export function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (!examples.length) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const SUBDOMAIN_MSG = regexError(
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
  '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*',
  'example.com',
);
const QNAME_MSG = regexError(NAME_MSG, NAME_FMT, 'MyName', 'my.name', '123-abc');

/** Errors for a qualified name (`[prefix/]name`), as validation.IsQualifiedName; empty when valid. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name: string;
  const errs: string[] = [];
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else {
      if (prefix.length > 253) errs.push('prefix part must be no more than 253 characters');
      if (!DNS1123_SUBDOMAIN_RE.test(prefix)) errs.push(`prefix part ${SUBDOMAIN_MSG}`);
    }
  } else {
    return [`a qualified name ${QNAME_MSG} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  if (!NAME_RE.test(name)) errs.push(`name part ${QNAME_MSG}`);
  return errs;
}

/** Errors for a label value, as validation.IsValidLabelValue; empty when valid. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (value.length > 63) errs.push('must be no more than 63 characters');
  if (!LABEL_VALUE_RE.test(value))
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", `(${NAME_FMT})?`, 'MyValue', 'my_value', '12345'));
  return errs;
}

function validateKey(key: string): void {
  const errs = qualifiedNameErrors(key);
  if (errs.length) throw new SelectorError(`invalid label key "${key}": ${errs.join('; ')}`);
}

function validateValue(value: string): void {
  const errs = labelValueErrors(value);
  if (errs.length) throw new SelectorError(`invalid label value: "${value}": ${errs.join('; ')}`);
}

/** strconv.ParseInt(s, 10, 64): an optional sign and decimal digits within int64, else undefined. */
export function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(1n << 63n) && n < 1n << 63n ? n : undefined;
}

/** Build and validate one requirement (labels.NewRequirement). */
export function newRequirement(key: string, operator: Operator, values: string[]): Requirement {
  validateKey(key);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new SelectorError(`for 'in', 'notin' operators, values set can't be empty (key "${key}")`);
      break;
    case 'Equals':
    case 'DoubleEquals':
    case 'NotEquals':
      if (values.length !== 1) throw new SelectorError(`exact-match compatibility requires one single value (key "${key}")`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) throw new SelectorError(`values set must be empty for exists and does not exist (key "${key}")`);
      break;
    case 'GreaterThan':
    case 'LessThan':
      if (values.length !== 1) throw new SelectorError(`for 'Gt', 'Lt' operators, exactly one value is required (key "${key}")`);
      if (parseInt64(values[0]) === undefined) throw new SelectorError(`for 'Gt', 'Lt' operators, the value must be an integer (key "${key}", value "${values[0]}")`);
      break;
    default:
      throw new SelectorError(`operator '${String(operator)}' is not recognized`);
  }
  values.forEach(validateValue);
  return { key, operator, values: [...new Set(values)].sort() };
}

// ---- lexer/parser (labels/selector.go) ----

type Tok =
  | { t: 'id'; v: string }
  | { t: 'in' | 'notin' | '!' | '!=' | '=' | '==' | '>' | '<' | '(' | ')' | ',' | 'eof'; v: string };

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (SPECIAL.has(c)) {
      const two = s.slice(i, i + 2);
      if (two === '!=' || two === '==') {
        out.push({ t: two, v: two });
        i += 2;
      } else {
        out.push({ t: c as '=' | '!' | '(' | ')' | ',' | '>' | '<', v: c });
        i++;
      }
      continue;
    }
    let j = i;
    while (j < s.length && !SPECIAL.has(s[j]) && !/\s/.test(s[j])) j++;
    const word = s.slice(i, j);
    out.push(word === 'in' || word === 'notin' ? { t: word, v: word } : { t: 'id', v: word });
    i = j;
  }
  out.push({ t: 'eof', v: 'EOF' });
  return out;
}

/** Parse a label selector string ("" matches everything). Throws SelectorError naming what is wrong. */
export function parseLabelSelector(selector: string): LabelSelector {
  const toks = lex(selector);
  let p = 0;
  const peek = () => toks[p];
  const next = () => toks[p++];
  const fail = (msg: string): never => {
    throw new SelectorError(`unable to parse requirement: ${msg} in selector "${selector}"`);
  };
  const reqs: Requirement[] = [];

  if (peek().t === 'eof') return { requirements: [] };
  for (;;) {
    // key, with a leading "!" for DoesNotExist
    let negate = false;
    if (peek().t === '!') {
      negate = true;
      next();
    }
    const keyTok = next();
    if (keyTok.t !== 'id') fail(`found '${keyTok.v}', expected: identifier`);
    const key = keyTok.v;
    const after = peek();
    if (negate) {
      if (after.t !== ',' && after.t !== 'eof') fail(`found '${after.v}', expected: ',' or end of string after '!${key}'`);
      reqs.push(newRequirement(key, 'DoesNotExist', []));
    } else if (after.t === ',' || after.t === 'eof') {
      reqs.push(newRequirement(key, 'Exists', []));
    } else {
      const op = next();
      let operator: Operator;
      switch (op.t) {
        case 'in': operator = 'In'; break;
        case 'notin': operator = 'NotIn'; break;
        case '=': operator = 'Equals'; break;
        case '==': operator = 'DoubleEquals'; break;
        case '!=': operator = 'NotEquals'; break;
        case '>': operator = 'GreaterThan'; break;
        case '<': operator = 'LessThan'; break;
        default: return fail(`found '${op.v}', expected: in, notin, =, ==, !=, gt, lt`);
      }
      let values: string[];
      if (operator === 'In' || operator === 'NotIn') {
        const open = next();
        if (open.t !== '(') fail(`found '${open.v}', expected: '('`);
        values = [];
        let expectValue = true;
        for (;;) {
          const t = next();
          if (t.t === ')') {
            if (expectValue && values.length > 0) values.push(''); // "(a,)"
            break;
          }
          if (t.t === ',') {
            if (expectValue) values.push(''); // "(,a)" or "(a,,b)"
            expectValue = true;
            continue;
          }
          if (!expectValue) fail(`found '${t.v}', expected: ',' or ')'`);
          // Inside parentheses keywords are plain values.
          if (t.t !== 'id' && t.t !== 'in' && t.t !== 'notin') fail(`found '${t.v}', expected: ',', ')' or identifier`);
          values.push(t.v);
          expectValue = false;
        }
      } else {
        const t = peek();
        if (t.t === ',' || t.t === 'eof') values = [''];
        else if (t.t === 'id' || t.t === 'in' || t.t === 'notin') values = [next().v];
        else return fail(`found '${t.v}', expected: identifier`);
      }
      reqs.push(newRequirement(key, operator, values));
    }
    const sep = next();
    if (sep.t === 'eof') break;
    if (sep.t !== ',') fail(`found '${sep.v}', expected: ','`);
    if (peek().t === 'eof') fail(`found 'EOF', expected: identifier after ','`);
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements: reqs };
}

/**
 * metav1.LabelSelectorAsSelector: matchLabels + matchExpressions (In/NotIn/Exists/DoesNotExist).
 * null/undefined selects nothing; {} selects everything.
 */
export function labelSelectorFromObject(sel: MetaLabelSelector | null | undefined): LabelSelector {
  if (sel == null) return { requirements: [], nothing: true };
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push(newRequirement(k, 'Equals', [v]));
  for (const e of sel.matchExpressions ?? []) {
    let op: Operator;
    switch (e.operator) {
      case 'In': op = 'In'; break;
      case 'NotIn': op = 'NotIn'; break;
      case 'Exists': op = 'Exists'; break;
      case 'DoesNotExist': op = 'DoesNotExist'; break;
      default: throw new SelectorError(`"${e.operator}" is not a valid label selector operator`);
    }
    reqs.push(newRequirement(e.key, op, e.values ?? []));
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { requirements: reqs };
}

/** A selector matching exactly these labels (labels.SelectorFromSet). */
export function labelSelectorFromSet(set: Record<string, string>): LabelSelector {
  return labelSelectorFromObject({ matchLabels: set });
}

export function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = labels != null && Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels![r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case 'Equals':
    case 'DoubleEquals':
      return has && r.values.includes(v!);
    case 'NotIn':
    case 'NotEquals':
      return !has || !r.values.includes(v!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      const l = has ? parseInt64(v!) : undefined;
      const rv = parseInt64(r.values[0]);
      if (l === undefined || rv === undefined) return false;
      return r.operator === 'GreaterThan' ? l > rv : l < rv;
    }
  }
}

export function matchesLabels(sel: LabelSelector, labels: Labels): boolean {
  if (sel.nothing) return false;
  return sel.requirements.every((r) => requirementMatches(r, labels));
}

/** True when the selector matches every object (no requirements). */
export function labelSelectorIsEmpty(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

function requirementToString(r: Requirement): string {
  switch (r.operator) {
    case 'Exists': return r.key;
    case 'DoesNotExist': return `!${r.key}`;
    case 'Equals': return `${r.key}=${r.values[0]}`;
    case 'DoubleEquals': return `${r.key}==${r.values[0]}`;
    case 'NotEquals': return `${r.key}!=${r.values[0]}`;
    case 'GreaterThan': return `${r.key}>${r.values[0]}`;
    case 'LessThan': return `${r.key}<${r.values[0]}`;
    case 'In': return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn': return `${r.key} notin (${r.values.join(',')})`;
  }
}

/** The canonical string form (parseLabelSelector(labelSelectorToString(s)) equals s). */
export function labelSelectorToString(sel: LabelSelector): string {
  return sel.requirements.map(requirementToString).join(',');
}
