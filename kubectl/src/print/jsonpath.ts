// The JSONPath template subset kubectl users type: `{.a.b}`, `{.items[*].metadata.name}`, `[N]`, `[a:b]`,
// `['key']`, escaped dots (`{.metadata.labels.app\.kubernetes\.io/name}`), filters `[?(@.type=="Ready")]`,
// `{range .items[*]}...{end}` and string literals `{"\n"}`. Missing keys print nothing (kubectl get sets
// AllowMissingKeys); several results of one expression are joined by a space.

type Segment =
  | { kind: 'field'; name: string }
  | { kind: 'wildcard' }
  | { kind: 'index'; index: number }
  | { kind: 'slice'; start?: number; end?: number }
  | { kind: 'filter'; path: Segment[]; op: '==' | '!=' | 'exists'; value?: unknown };

type Node = { kind: 'text'; text: string } | { kind: 'expr'; path: Segment[] } | { kind: 'range'; path: Segment[]; body: Node[] };

export class JsonPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonPathError';
  }
}

/** Parse a template once; the result can be executed on many objects. */
export function parseTemplate(template: string): Node[] {
  const tokens: ({ kind: 'text'; text: string } | { kind: 'action'; body: string })[] = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      tokens.push({ kind: 'text', text: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ kind: 'text', text: template.slice(i, open) });
    let j = open + 1;
    let quote: string | undefined;
    for (; j < template.length; j++) {
      const c = template[j];
      if (quote) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'") quote = c;
      else if (c === '}') break;
    }
    if (j >= template.length) throw new JsonPathError(`unclosed action in template ${JSON.stringify(template)}`);
    tokens.push({ kind: 'action', body: template.slice(open + 1, j).trim() });
    i = j + 1;
  }
  const root: Node[] = [];
  const stack: Node[][] = [root];
  for (const t of tokens) {
    const cur = stack[stack.length - 1];
    if (t.kind === 'text') cur.push(t);
    else if (t.body === 'end') {
      if (stack.length === 1) throw new JsonPathError('unexpected {end}');
      stack.pop();
    } else if (t.body.startsWith('range ')) {
      const node: Node = { kind: 'range', path: parsePath(t.body.slice(6).trim()), body: [] };
      cur.push(node);
      stack.push(node.body);
    } else if (/^".*"$/s.test(t.body) || /^'.*'$/s.test(t.body)) {
      cur.push({ kind: 'text', text: unquote(t.body) });
    } else cur.push({ kind: 'expr', path: parsePath(t.body) });
  }
  if (stack.length !== 1) throw new JsonPathError('{range} without {end}');
  return root;
}

function unquote(s: string): string {
  const inner = s.slice(1, -1);
  return inner.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c] ?? c);
}

/** A path such as `.items[*].metadata.name`, `$.spec`, `@.type` (leading `$`/`@` optional). */
export function parsePath(src: string): Segment[] {
  let s = src.trim();
  if (s.startsWith('$') || s.startsWith('@')) s = s.slice(1);
  const segs: Segment[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '.') {
      i++;
      if (s[i] === '*') {
        segs.push({ kind: 'wildcard' });
        i++;
        continue;
      }
      let name = '';
      while (i < s.length && s[i] !== '.' && s[i] !== '[') {
        if (s[i] === '\\' && i + 1 < s.length) {
          name += s[i + 1];
          i += 2;
        } else name += s[i++];
      }
      if (name) segs.push({ kind: 'field', name });
    } else if (c === '[') {
      const close = findClose(s, i);
      segs.push(parseBracket(s.slice(i + 1, close).trim()));
      i = close + 1;
    } else if (segs.length === 0) {
      // kubectl also accepts a bare first field ("metadata.name" in --sort-by).
      s = '.' + s.slice(i);
      i = 0;
    } else throw new JsonPathError(`unrecognized character in action: ${c} (in ${JSON.stringify(src)})`);
  }
  return segs;
}

function findClose(s: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let j = open; j < s.length; j++) {
    const c = s[j];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return j;
  }
  throw new JsonPathError(`unterminated array in ${JSON.stringify(s)}`);
}

function parseBracket(b: string): Segment {
  if (b === '*') return { kind: 'wildcard' };
  if (/^'.*'$/.test(b) || /^".*"$/.test(b)) return { kind: 'field', name: b.slice(1, -1) };
  if (/^-?\d+$/.test(b)) return { kind: 'index', index: Number(b) };
  const slice = /^(-?\d*):(-?\d*)$/.exec(b);
  if (slice) return { kind: 'slice', start: slice[1] ? Number(slice[1]) : undefined, end: slice[2] ? Number(slice[2]) : undefined };
  const filter = /^\?\((.*)\)$/s.exec(b);
  if (filter) {
    const m = /^(@[^=!<>\s]*)\s*(==|!=)\s*(.+)$/s.exec(filter[1].trim());
    if (m) return { kind: 'filter', path: parsePath(m[1]), op: m[2] as '==' | '!=', value: literal(m[3].trim()) };
    return { kind: 'filter', path: parsePath(filter[1].trim()), op: 'exists' };
  }
  throw new JsonPathError(`unsupported subscript [${b}]`);
}

function literal(v: string): unknown {
  if (/^'.*'$/.test(v) || /^".*"$/.test(v)) return v.slice(1, -1);
  if (v === 'true' || v === 'false') return v === 'true';
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/** Evaluate a path against a value; missing fields yield no results. */
export function evaluate(path: Segment[], value: unknown): unknown[] {
  let cur: unknown[] = [value];
  for (const seg of path) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (v === undefined || v === null) continue;
      switch (seg.kind) {
        case 'field':
          if (typeof v === 'object' && !Array.isArray(v) && seg.name in v) next.push((v as Record<string, unknown>)[seg.name]);
          break;
        case 'wildcard':
          if (Array.isArray(v)) next.push(...v);
          else if (typeof v === 'object') next.push(...Object.values(v));
          break;
        case 'index':
          if (Array.isArray(v)) {
            const i = seg.index < 0 ? v.length + seg.index : seg.index;
            if (i >= 0 && i < v.length) next.push(v[i]);
          }
          break;
        case 'slice':
          if (Array.isArray(v)) next.push(...v.slice(seg.start, seg.end));
          break;
        case 'filter':
          if (Array.isArray(v)) {
            for (const item of v) {
              const got = evaluate(seg.path, item);
              if (
                seg.op === 'exists'
                  ? got.length > 0
                  : seg.op === '=='
                    ? got.some((g) => g === seg.value)
                    : !got.some((g) => g === seg.value)
              )
                next.push(item);
            }
          }
          break;
      }
    }
    cur = next;
  }
  return cur;
}

export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function run(nodes: Node[], value: unknown): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') out += n.text;
    else if (n.kind === 'expr') out += evaluate(n.path, value).map(formatValue).join(' ');
    else for (const item of evaluate(n.path, value)) out += run(n.body, item);
  }
  return out;
}

/** Execute a template (`{.metadata.name}` ...) against an object. */
export function executeTemplate(template: string, value: unknown): string {
  return run(parseTemplate(template), value);
}
