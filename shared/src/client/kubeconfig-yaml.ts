// A strict reader for the YAML subset kubeconfig files are written in (what `kubectl config` and our own
// tools write): block mappings and sequences, `key: value` lines, plain scalars from a small character set,
// quoted strings without escapes, `{}`, `[]`, booleans and null. It exists for start-up time: the `yaml`
// library is ~70 modules, which a CLI would load on every run just to read its config.
//
// Correctness rule: for any input, the result is either `undefined` (not in the subset: the caller then
// uses the `yaml` library) or exactly what `YAML.parse` returns. Anything unusual — tabs, CR, flow
// collections other than `{}`/`[]`, anchors, tags, block scalars, multi-line or escaped strings,
// comments after a value, numbers, duplicate keys, documents markers — is outside the subset.

type Value = string | boolean | null | Value[] | { [k: string]: Value };

interface Line {
  indent: number;
  text: string;
}

class NotInSubset extends Error {}

const KEY = /^([A-Za-z][A-Za-z0-9_.-]*):(?: +(.*))?$/;
// A plain scalar that YAML 1.2's core schema reads as a string: starts with a letter, '/', '-x' or '--', no spaces,
// no indicator characters; a trailing ':' would make it a key.
const PLAIN = /^(?:[A-Za-z/]|-[A-Za-z-])[A-Za-z0-9_./:@=+-]*$/;
const NULLS = new Set(['null', 'Null', 'NULL']);
const BOOLS = new Map([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);

function scalar(raw: string): Value {
  const s = raw.trim();
  if (s === '{}') return {};
  if (s === '[]') return [];
  if (s.length >= 2 && s[0] === '"' && s.endsWith('"')) {
    const inner = s.slice(1, -1);
    if (inner.includes('"') || inner.includes('\\')) throw new NotInSubset();
    return inner;
  }
  if (s.length >= 2 && s[0] === "'" && s.endsWith("'")) {
    const inner = s.slice(1, -1);
    if (inner.includes("'")) throw new NotInSubset();
    return inner;
  }
  if (NULLS.has(s)) return null;
  const b = BOOLS.get(s);
  if (b !== undefined) return b;
  if (PLAIN.test(s) && !s.endsWith(':')) return s;
  throw new NotInSubset();
}

const isSeqItem = (l: Line) => l.text === '-' || l.text.startsWith('- ');

class Reader {
  private i = 0;
  constructor(private readonly lines: Line[]) {}

  parseRoot(): Value {
    if (this.lines.length === 0 || this.lines[0].indent !== 0) throw new NotInSubset();
    const v = this.block(0);
    if (this.i !== this.lines.length) throw new NotInSubset();
    return v;
  }

  /** The block (mapping or sequence) whose first line is the current one, at exactly `indent`. */
  private block(indent: number): Value {
    const l = this.lines[this.i];
    if (!l || l.indent !== indent) throw new NotInSubset();
    return isSeqItem(l) ? this.sequence(indent) : this.mapping(indent);
  }

  private sequence(indent: number): Value[] {
    const out: Value[] = [];
    for (let l = this.lines[this.i]; l && l.indent === indent && isSeqItem(l); l = this.lines[this.i]) {
      const rest = l.text.slice(1);
      const content = rest.trimStart();
      if (content === '') {
        this.i++;
        const next = this.lines[this.i];
        out.push(next && next.indent > indent ? this.block(next.indent) : null);
      } else if (KEY.test(content) || isSeqItem({ indent: 0, text: content })) {
        // `- key: v` starts a mapping (or `- - x` a sequence) at the column after the dash.
        this.lines[this.i] = { indent: indent + 1 + rest.length - content.length, text: content };
        out.push(this.block(this.lines[this.i].indent));
      } else {
        out.push(scalar(content));
        this.i++;
      }
      this.endOfEntry(indent);
    }
    return out;
  }

  private mapping(indent: number): { [k: string]: Value } {
    const out: { [k: string]: Value } = {};
    for (let l = this.lines[this.i]; l && l.indent === indent && !isSeqItem(l); l = this.lines[this.i]) {
      const m = KEY.exec(l.text);
      if (!m || m[1] === '__proto__' || BOOLS.has(m[1]) || NULLS.has(m[1]) || Object.prototype.hasOwnProperty.call(out, m[1]))
        throw new NotInSubset();
      this.i++;
      const value = m[2]?.trim() ?? '';
      let v: Value;
      if (value !== '') v = scalar(value);
      else {
        const next = this.lines[this.i];
        // A nested block is more indented; a sequence may also sit at the key's own indent.
        if (next && (next.indent > indent || (next.indent === indent && isSeqItem(next)))) v = this.block(next.indent);
        else v = null;
      }
      out[m[1]] = v;
      this.endOfEntry(indent);
    }
    return out;
  }

  /** After an entry, the next line continues this block (same indent) or closes it (less): never more. */
  private endOfEntry(indent: number): void {
    const next = this.lines[this.i];
    if (next && next.indent > indent) throw new NotInSubset();
  }
}

/** The kubeconfig document, or undefined when the text is outside the subset (use the `yaml` library). */
export function parseKubeconfigYaml(text: string): Value | undefined {
  // Printable ASCII and newlines only: no tabs, CR, BOM or other whitespace YAML would treat specially.
  if (/[^\n\x20-\x7e]/.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    if (raw.startsWith('---') || raw.startsWith('...') || raw.startsWith('%')) return undefined;
    lines.push({ indent: raw.length - raw.trimStart().length, text: trimmed });
  }
  try {
    return new Reader(lines).parseRoot();
  } catch (e) {
    if (e instanceof NotInSubset) return undefined;
    throw e;
  }
}
