// Unknown fields, as upstream's decoders find them: every field of a body, at every depth, against the
// kind's OpenAPI schema (registry/schemas.ts, compiled once per kind). fieldValidation=Strict fails the
// request, Warn sends one warning each; unless Strict failed they are dropped, as decoding into upstream's
// Go types drops them. Paths are worded as sigs.k8s.io/json words them
// (`spec.template.spec.containers[0].imagee`, map entries as `.key`), in the order of the document.
import type { SchemaNode } from '@minik8s/shared/openapi';

/**
 * The paths of the fields of `obj` that `schema` does not know (none without a schema); with `drop`, they
 * are deleted from `obj` too.
 */
export function unknownFields(schema: SchemaNode | undefined, obj: unknown, drop = false): string[] {
  const out: string[] = [];
  if (schema) walk(schema, obj, '', out, drop);
  return out;
}

function walk(node: SchemaNode, value: unknown, path: string, out: string[], drop: boolean): void {
  if (value === null || typeof value !== 'object') return;
  if (node.kind === 'list') {
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) walk(node.items, value[i], `${path}[${i}]`, out, drop);
    return;
  }
  if (node.kind !== 'map' || Array.isArray(value)) return;
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const p = path ? `${path}.${k}` : k;
    const sub = node.fields.get(k)?.node ?? node.values;
    if (sub) walk(sub, o[k], p, out, drop);
    else if (!node.preserveUnknownFields) {
      out.push(p);
      if (drop) delete o[k];
    }
  }
}

/** The strict decoder's error text for these unknown fields. */
export const strictDecodingError = (fields: readonly string[]) => `strict decoding error: ${fields.map((f) => `unknown field "${f}"`).join(', ')}`;

/**
 * A value as Go's `%+v` prints what encoding/json decoded (maps with sorted keys, `map[k:v]`, `[a b]`,
 * `<nil>`): how upstream shows a strategic merge patch in the error of a strict patch.
 */
export function goValue(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goValue(o[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}
