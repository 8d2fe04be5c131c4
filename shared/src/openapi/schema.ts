// OpenAPI schema objects as Kubernetes publishes them (v2 `definitions`, v3 `components.schemas`, a
// CustomResourceDefinition's openAPIV3Schema), and the structural subset of them kept in
// definitions.generated.ts: what strict decoding, strategic merge patch and server-side apply read.

/** An OpenAPI schema object; the fields and `x-kubernetes-*` extensions Kubernetes uses are named. */
export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  $ref?: string;
  allOf?: Schema[];
  required?: string[];
  'x-kubernetes-group-version-kind'?: GroupVersionKind[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [key: string]: unknown;
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Definitions by name ("io.k8s.api.apps.v1.Deployment"); `$ref`s name them as "#/definitions/<name>". */
export type Definitions = Readonly<Record<string, Schema>>;

/** The keys of a schema that say what its values look like and how they merge: no prose, no validation. */
const STRUCTURAL = new Set([
  'type',
  'format',
  'properties',
  'additionalProperties',
  'items',
  '$ref',
  'allOf',
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
]);

/** A schema reduced to its structure (descriptions, `required` and the like dropped). */
export function structuralSchema(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (!STRUCTURAL.has(k)) continue;
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, structuralSchema(ps)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = structuralSchema(v as Schema);
    else if (k === 'allOf') out.allOf = (v as Schema[]).map(structuralSchema);
    else out[k] = v;
  }
  return out;
}

/** Every definition reduced to its structure, in name order (what definitions.generated.ts holds). */
export function structuralDefinitions(definitions: Definitions): Record<string, Schema> {
  return Object.fromEntries(
    Object.keys(definitions)
      .sort()
      .map((name) => [name, structuralSchema(definitions[name])]),
  );
}

const REF_PREFIX = '#/definitions/';

/** The definition name a v2 `$ref` points at ("#/definitions/X" → "X"). */
export function refName(ref: string): string {
  if (!ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${JSON.stringify(ref)}: only "${REF_PREFIX}<name>" refs are resolved`);
  return ref.slice(REF_PREFIX.length);
}

export const definitionRef = (name: string) => REF_PREFIX + name;
