// Patch metadata for strategic merge patch, read from the kind's OpenAPI schema: upstream's
// `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` (the patchStrategy/patchMergeKey struct
// tags of k8s.io/api), for every kind upstream defines. A field without a strategy has the upstream
// default: maps merge recursively, lists are replaced as a whole.
import { upstreamKindSchema, type Field, type SchemaNode } from '../openapi';

export interface FieldMeta {
  /** Lists of objects merged by this key (patchStrategy "merge" with a patchMergeKey). */
  mergeKey?: string;
  /** Lists of scalars merged as a set (patchStrategy "merge" without a key). */
  setMerge?: boolean;
  /** patchStrategy includes "retainKeys" (on the object, or on each list item). */
  retainKeys?: boolean;
  /** The schema of the value (an object) or of each list item. */
  type?: SchemaNode;
}

const metas = new WeakMap<Field, FieldMeta>();

function metaOf(f: Field): FieldMeta {
  let m = metas.get(f);
  if (!m) {
    const merge = f.patchStrategies.includes('merge');
    const type = f.node.kind === 'list' ? f.node.items : f.node;
    const scalarItems = f.node.kind === 'list' && f.node.items.kind === 'scalar';
    m = {
      ...(merge && f.patchMergeKey ? { mergeKey: f.patchMergeKey } : {}),
      ...(merge && !f.patchMergeKey && scalarItems ? { setMerge: true } : {}),
      ...(f.patchStrategies.includes('retainKeys') ? { retainKeys: true } : {}),
      type,
    };
    metas.set(f, m);
  }
  return m;
}

/** The patch metadata of field `name` of an object whose schema is `type` (a map's entries included). */
export function fieldMeta(type: SchemaNode | undefined, name: string): FieldMeta | undefined {
  if (type?.kind !== 'map') return undefined;
  const f = type.fields.get(name);
  if (f) return metaOf(f);
  return type.values ? { type: type.values } : undefined;
}

/** The schema of an object of this apiVersion and kind, or undefined for kinds upstream does not define (CRDs). */
export function schemaFor(apiVersion: string | undefined, kind: string | undefined): SchemaNode | undefined {
  if (!apiVersion || !kind) return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? upstreamKindSchema('', apiVersion, kind) : upstreamKindSchema(apiVersion.slice(0, slash), apiVersion.slice(slash + 1), kind);
}
