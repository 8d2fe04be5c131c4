// A kind's schema compiled once into a graph of nodes: what each place of an object may hold and how it
// merges. One graph serves strict decoding (which fields exist, at every depth), strategic merge patch
// (x-kubernetes-patch-strategy / -patch-merge-key) and server-side apply (structured-merge-diff's list
// types and map keys: x-kubernetes-list-type / -list-map-keys / -map-type). The shapes follow
// structured-merge-diff's schema: a map (an object) has known fields and maybe an element type for the
// others, a list has items, a scalar is a leaf, and `any` is a value whose shape the schema leaves open.
import { refName, type Definitions, type Schema } from './schema';

export type SchemaNode = MapNode | ListNode | ScalarNode | AnyNode;

/** An object: a struct (known fields), a map (`additionalProperties`: every key has `values`), or both. */
export interface MapNode {
  readonly kind: 'map';
  readonly fields: ReadonlyMap<string, Field>;
  /** The node of every key that is not a known field (`additionalProperties`); absent: such keys are unknown. */
  readonly values?: SchemaNode;
  /** `x-kubernetes-preserve-unknown-fields`: keys that are neither fields nor map entries are kept as they are. */
  readonly preserveUnknownFields: boolean;
  /** `x-kubernetes-map-type`: `atomic` (server-side apply owns and replaces it as a whole) or `granular` (the default). */
  readonly mapType: 'atomic' | 'granular';
}

export interface ListNode {
  readonly kind: 'list';
  readonly items: SchemaNode;
  /**
   * `x-kubernetes-list-type`: `atomic` (replaced as a whole: the default when the schema says nothing),
   * `set` (scalars, each owned on its own) or `map` (objects, each owned by the values of `mapKeys`).
   */
  readonly listType: 'atomic' | 'set' | 'map';
  /** `x-kubernetes-list-map-keys` of a `map` list (empty otherwise). */
  readonly mapKeys: readonly string[];
}

export interface ScalarNode {
  readonly kind: 'scalar';
  /** `string`, `integer`, `number`, `boolean`, `int-or-string`, or `untyped` (a Quantity: a string or a number). */
  readonly type: string;
  /** The schema's `format` (`date-time`, `byte`, ...). */
  readonly format?: string;
}

/** Any JSON value (RawExtension, FieldsV1, an untyped CRD field with x-kubernetes-preserve-unknown-fields). */
export interface AnyNode {
  readonly kind: 'any';
  /** A RawExtension: server-side apply owns and replaces it as a whole (upstream's schema converter says so). */
  readonly atomic?: boolean;
}

/** A field of an object: its node, and how a strategic merge patch merges it (from the field's own schema). */
export interface Field {
  readonly node: SchemaNode;
  /** `x-kubernetes-patch-strategy` split on commas: `merge`, `retainKeys`, `replace` (empty: the default, replace). */
  readonly patchStrategies: readonly string[];
  /** `x-kubernetes-patch-merge-key`: the key list items are merged by. */
  readonly patchMergeKey?: string;
  /** The field's `default` (server-side apply fills a missing list-map key with it). */
  readonly default?: unknown;
  /** `x-kubernetes-map-type` written beside a `$ref`: overrides the referenced object's map type here. */
  readonly mapType?: 'atomic' | 'granular';
}

const ANY: AnyNode = { kind: 'any' };
const ATOMIC_ANY: AnyNode = { kind: 'any', atomic: true };

// Definitions upstream's schema converter for server-side apply hard-codes (kube-openapi's schemaconv): a
// Quantity is any scalar (`cpu: 1` or `cpu: "1"`), a RawExtension any value owned as a whole.
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/**
 * Compiles schemas against a set of definitions, each definition once (shared by every place that
 * `$ref`s it, so recursive definitions are fine).
 */
export class SchemaCompiler {
  private readonly compiled = new Map<string, SchemaNode>();

  /** `lookup`: the definition of a name (undefined: unknown, compiled as `any`). */
  constructor(private readonly lookup: (name: string) => Schema | undefined) {}

  static of(definitions: Definitions): SchemaCompiler {
    return new SchemaCompiler((name) => (Object.hasOwn(definitions, name) ? definitions[name] : undefined));
  }

  /** The node of a named definition. */
  definition(name: string): SchemaNode {
    const done = this.compiled.get(name);
    if (done) return done;
    if (name === QUANTITY) return this.memo(name, { kind: 'scalar', type: 'untyped' });
    if (name === RAW_EXTENSION) return this.memo(name, ATOMIC_ANY);
    const s = this.lookup(name);
    if (!s) return ANY;
    // A named object without fields is a Go type with a JSON form of its own (RawExtension, FieldsV1): any value.
    if (isObject(s) && !s.properties && s.additionalProperties === undefined) return this.memo(name, ANY);
    if (s.$ref) return this.memo(name, this.definition(refName(s.$ref)));
    if (!isObject(s)) return this.memo(name, this.inline(s));
    // Registered before its fields are compiled, so that a field referring back to it finds it.
    const node = emptyMap(s);
    this.memo(name, node);
    fillMap(node, s, this);
    return node;
  }

  /** The node of a schema (a property, an item, a CRD's openAPIV3Schema). */
  node(s: Schema): SchemaNode {
    if (s.$ref) return this.definition(refName(s.$ref));
    const only = s.allOf?.length === 1 && !s.type && !s.properties ? s.allOf[0] : undefined;
    if (only?.$ref) return this.definition(refName(only.$ref));
    return this.inline(s);
  }

  field(s: Schema): Field {
    const strategy = s['x-kubernetes-patch-strategy'];
    const ref = s.$ref ?? (s.allOf?.length === 1 ? s.allOf[0].$ref : undefined);
    return {
      node: this.node(s),
      patchStrategies: strategy ? strategy.split(',').map((x) => x.trim()) : [],
      ...(s['x-kubernetes-patch-merge-key'] ? { patchMergeKey: s['x-kubernetes-patch-merge-key'] } : {}),
      ...(s.default !== undefined ? { default: s.default } : {}),
      ...(ref && s['x-kubernetes-map-type'] ? { mapType: s['x-kubernetes-map-type'] } : {}),
    };
  }

  private inline(s: Schema): SchemaNode {
    if (s['x-kubernetes-int-or-string']) return { kind: 'scalar', type: 'int-or-string' };
    if (s.type === 'array') {
      const listType = s['x-kubernetes-list-type'] ?? 'atomic';
      return {
        kind: 'list',
        items: s.items ? this.node(s.items) : ANY,
        listType,
        mapKeys: listType === 'map' ? [...(s['x-kubernetes-list-map-keys'] ?? [])] : [],
      };
    }
    if (isObject(s)) {
      const node = emptyMap(s);
      fillMap(node, s, this);
      return node;
    }
    if (s.format === 'int-or-string') return { kind: 'scalar', type: 'int-or-string' };
    if (s.type) return { kind: 'scalar', type: s.type, ...(s.format ? { format: s.format } : {}) };
    return ANY;
  }

  private memo(name: string, node: SchemaNode): SchemaNode {
    this.compiled.set(name, node);
    return node;
  }
}

const isObject = (s: Schema) =>
  s.type === 'object' || s.properties !== undefined || (s.additionalProperties !== undefined && s.type === undefined);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function emptyMap(s: Schema): Mutable<MapNode> & { fields: Map<string, Field> } {
  return {
    kind: 'map',
    fields: new Map(),
    preserveUnknownFields: s['x-kubernetes-preserve-unknown-fields'] === true,
    mapType: s['x-kubernetes-map-type'] ?? 'granular',
  };
}

function fillMap(node: Mutable<MapNode> & { fields: Map<string, Field> }, s: Schema, c: SchemaCompiler): void {
  for (const [name, ps] of Object.entries(s.properties ?? {})) node.fields.set(name, c.field(ps));
  const ap = s.additionalProperties;
  if (ap === true) node.values = ANY;
  else if (ap && typeof ap === 'object') node.values = c.node(ap);
}
