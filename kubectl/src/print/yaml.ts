// -o yaml / -o json as kubectl writes them: keys sorted (kubectl prints unstructured maps), YAML with
// unindented sequences and go-yaml's quoting, JSON indented by 4.
import type YAML from 'yaml';

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function toYaml(obj: unknown): string {
  // Required here, not at the top: `get` imports this file, and the yaml library is ~70 modules of start-up.
  const { Document, visit } = require('yaml') as typeof YAML; // eslint-disable-line @typescript-eslint/no-require-imports
  const doc = new Document(sortKeys(obj), { version: '1.1' });
  // go-yaml's quoting: a string that would read back as another type (1, yes, a timestamp) in double quotes,
  // any other string that cannot be plain in single quotes.
  const tags = doc.schema.tags.filter((t) => t.default && t.tag !== 'tag:yaml.org,2002:str' && t.test);
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && tags.some((t) => t.test!.test(node.value as string))) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ indentSeq: false, lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', singleQuote: true });
}

export function toJson(obj: unknown): string {
  return goIndentJson(sortKeys(obj));
}

/** JSON indented by 4 as kubectl's printer writes it (Go's encoder escapes <, > and &). */
export function goIndentJson(obj: unknown): string {
  return JSON.stringify(obj, null, 4).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
