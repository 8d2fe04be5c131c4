// The types server-side apply merges by (structured-merge-diff's schema), read from a kind's compiled
// OpenAPI graph (`@minik8s/shared/openapi`) as upstream's schema converter (kube-openapi's schemaconv) reads
// OpenAPI: lists are atomic or associative (a set of scalars, or a map keyed by `x-kubernetes-list-map-keys`),
// maps granular ("separable") or atomic, scalars numeric/string/boolean/untyped, and what the schema leaves
// open is "deduced" from the value (maps granular, lists atomic) — the whole object for a kind without a
// schema. Built lazily, once per schema node.
import type { SchemaNode, MapNode, ListNode, ScalarNode, Field } from '../openapi';

export type Scalar = 'numeric' | 'string' | 'boolean' | 'untyped';

/** The possible shapes of a value at one place: one of them, or several for an untyped place. */
export interface Atom {
  readonly scalar?: Scalar;
  readonly list?: ListType;
  readonly map?: MapType;
}

export interface ListType {
  /** false: atomic (owned and replaced as a whole). */
  readonly associative: boolean;
  /** The key fields of an associative list of maps; empty for a set of scalars. */
  readonly keys: readonly string[];
  readonly elem: Atom;
  /** The default of a key field, when the items' schema has one. */
  keyDefault(name: string): unknown;
}

export interface MapType {
  readonly atomic: boolean;
  /** A struct field of this name, if the schema declares one. */
  field(name: string): Atom | undefined;
  /** The type of keys that are not fields; undefined: such keys are not declared. */
  readonly elem: Atom | undefined;
  /** Fields declared by name (a struct), as opposed to a map of `elem`s. */
  readonly hasFields: boolean;
  /** The deduced type's map: nothing to reconcile below it. */
  readonly deduced?: boolean;
}

const atomicMap = (elem: () => Atom): MapType => ({
  atomic: true,
  field: () => undefined,
  get elem() {
    return elem();
  },
  hasFields: false,
});

/** A value the schema says nothing about, owned as a whole. */
export const UNTYPED_ATOMIC: Atom = {
  scalar: 'untyped',
  list: {
    associative: false,
    keys: [],
    get elem() {
      return UNTYPED_ATOMIC;
    },
    keyDefault: () => undefined,
  },
  map: atomicMap(() => UNTYPED_ATOMIC),
};

/** A value whose shape is deduced from itself: maps are granular, lists atomic. */
export const DEDUCED: Atom = {
  scalar: 'untyped',
  list: UNTYPED_ATOMIC.list,
  map: {
    atomic: false,
    field: () => undefined,
    get elem() {
      return DEDUCED;
    },
    hasFields: false,
    deduced: true,
  },
};

const SCALARS = new Map<string, Scalar>([
  ['integer', 'numeric'],
  ['number', 'numeric'],
  ['boolean', 'boolean'],
]);

function scalarOf(n: ScalarNode): Scalar {
  if (n.type === 'string') return !n.format || n.format === 'byte' ? 'string' : 'untyped';
  return SCALARS.get(n.type) ?? 'untyped';
}

type Override = 'atomic' | 'granular' | undefined;
const memo = new WeakMap<SchemaNode, Map<string, Atom>>();

/**
 * The atom of a schema node. `preserve`: an ancestor had `x-kubernetes-preserve-unknown-fields` (its
 * undeclared keys are deduced); `override`: a field's own `x-kubernetes-map-type` beside a `$ref`.
 */
export function atomOf(node: SchemaNode | undefined, preserve = false, override?: Override): Atom {
  if (!node) return DEDUCED;
  if (node.kind === 'any') return node.atomic ? UNTYPED_ATOMIC : DEDUCED;
  if (node.kind === 'scalar') return { scalar: scalarOf(node) };
  const k = `${preserve ? 1 : 0}${override ?? ''}`;
  let byNode = memo.get(node);
  if (!byNode) memo.set(node, (byNode = new Map()));
  let a = byNode.get(k);
  if (!a) {
    a = node.kind === 'list' ? { list: listType(node, preserve) } : { map: mapType(node, preserve, override) };
    byNode.set(k, a);
  }
  return a;
}

function listType(n: ListNode, preserve: boolean): ListType {
  let elem: Atom | undefined;
  return {
    associative: n.listType !== 'atomic',
    keys: n.listType === 'map' ? n.mapKeys : [],
    get elem() {
      return (elem ??= atomOf(n.items, preserve));
    },
    keyDefault(name) {
      return n.items.kind === 'map' ? n.items.fields.get(name)?.default : undefined;
    },
  };
}

function mapType(n: MapNode, preserve: boolean, override: Override): MapType {
  const inherit = preserve || n.preserveUnknownFields;
  const fields = new Map<string, Atom>();
  let elem: Atom | undefined | null = null;
  const fieldAtom = (f: Field) => atomOf(f.node, inherit, f.mapType);
  return {
    atomic: (override ?? n.mapType) === 'atomic',
    hasFields: n.fields.size > 0,
    get deduced() {
      return n.fields.size === 0 && this.elem === DEDUCED;
    },
    field(name) {
      let a = fields.get(name);
      if (!a) {
        const f = n.fields.get(name);
        if (!f) return undefined;
        a = fieldAtom(f);
        fields.set(name, a);
      }
      return a;
    },
    get elem() {
      if (elem === null) elem = n.values ? atomOf(n.values, inherit) : inherit || n.fields.size === 0 ? DEDUCED : undefined;
      return elem;
    },
  };
}

/** The type of key `name` of a map: its field's, else the map's element type (undefined: not declared). */
export function mapKeyType(m: MapType, name: string): Atom | undefined {
  return m.field(name) ?? m.elem;
}
