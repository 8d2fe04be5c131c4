// -o yaml / -o json as kubectl writes them: keys sorted (kubectl prints unstructured maps), YAML with
// unindented sequences and go-yaml's quoting, JSON indented by 4; metadata.managedFields left out of objects
// and of a list's items unless asked for (kubectl's --show-managed-fields).
import type YAML from 'yaml';

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

type Doc = { metadata?: { managedFields?: unknown }; items?: unknown };

/** An object, or a list's items, without metadata.managedFields. */
export function hideManagedFields<T>(v: T): T {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const d = v as Doc;
  let out = d;
  if (d.metadata && typeof d.metadata === 'object' && 'managedFields' in d.metadata) {
    const { managedFields: _m, ...metadata } = d.metadata;
    out = { ...out, metadata };
  }
  if (Array.isArray(d.items)) out = { ...out, items: d.items.map(hideManagedFields) };
  return out as T;
}

export function toYaml(v: unknown, showManagedFields = false): string {
  const obj = showManagedFields ? v : hideManagedFields(v);
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

export function toJson(obj: unknown, showManagedFields = false): string {
  return goIndentJson(sortKeys(showManagedFields ? obj : hideManagedFields(obj)));
}

/** JSON indented by 4 as kubectl's printer writes it (Go's encoder escapes <, > and &). */
export function goIndentJson(obj: unknown): string {
  return JSON.stringify(obj, null, 4).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
}
