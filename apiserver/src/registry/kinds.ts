// The kinds this apiserver serves, as a runtime object: strategies are registered (the built-in ones at
// start, a CRD's at run time) and unregistered, and everything that depends on the
// set of kinds asks here at request time: URL parsing, discovery, OpenAPI, tables, watch caches, strict
// decoding (whose documents and schemas are rebuilt when `generation` moves). Each registered strategy is
// served at each of its versions as a ServedResource, built once.
import type { ResourceType } from '@minik8s/shared';
import { ALL_VERBS, type Conversion, type KindOpenApi, type ResourceStrategy, type VersionDef } from './strategy';
import type { ProtobufDecoder } from '../protobuf/messages';
import type { TablePrinter } from '../tables/types';
import type { Obj } from './objects';

/** The value of a selectable field of an object ("" when absent, as upstream's fields.Set). */
export type FieldValue = (obj: Obj) => string;

/** One kind at one served version: what a request URL resolves to. */
export interface ServedResource extends ResourceType {
  /** "apps/v1", or "v1" for the core group. */
  readonly apiVersion: string;
  readonly strategy: ResourceStrategy;
  /** The same kind at the version its objects are stored at (this one when it is that version). */
  readonly storage: ServedResource;
  /** Undefined at the storage version. */
  readonly conversion?: Conversion;
  /** The version's own definition (its rules beyond the kind's). */
  readonly versionDef: VersionDef;
  /** A stored object as served at this version (the strategy's onRead, then the conversion); undefined: as stored. */
  readonly fromStorage?: (obj: Obj) => Obj;
  /** The printer of its Tables (undefined: the default columns). */
  readonly table?: TablePrinter;
  /** The schema the strategy brings for this version (else upstream's: registry/schemas.ts). */
  readonly openapi?: KindOpenApi;
  readonly protobuf?: ProtobufDecoder;
  /** Field selector labels and their values. */
  readonly selectable: ReadonlyMap<string, FieldValue>;
  /** The error for a field label the kind does not support (upstream's wording for the kind). */
  fieldLabelError(label: string): string;
  /** The selectable field watchers are indexed by, and its value. */
  readonly watchIndex?: { field: string; valueOf: FieldValue };
  /** The etcd key segment of the kind's objects. */
  readonly keyName: string;
}

/** Told when a kind comes or goes; gets the kind at its storage version. */
export interface KindListener {
  added?(r: ServedResource): void;
  removed?(r: ServedResource): void;
}

const metaName: FieldValue = (o) => o.metadata?.name ?? '';
const metaNamespace: FieldValue = (o) => o.metadata?.namespace ?? '';
/** The labels every kind without a list of its own supports (upstream DefaultMetaV1FieldSelectorConversion). */
const DEFAULT_SELECTABLE = new Map<string, FieldValue>([
  ['metadata.name', metaName],
  ['metadata.namespace', metaNamespace],
]);

/** metadata.name and metadata.namespace, for kinds that list their selectable fields. */
export const METADATA_SELECTABLE: Readonly<Record<string, FieldValue>> = { 'metadata.name': metaName, 'metadata.namespace': metaNamespace };

const apiVersionOf = (group: string, version: string) => (group ? `${group}/${version}` : version);
const keyOf = (group: string, resource: string) => `${resource}.${group}`;

/** Field selector labels, and the error for any other, from a kind's or a version's list (upstream's wordings). */
function selection(fields: Readonly<Record<string, FieldValue>> | null | undefined): Pick<ServedResource, 'selectable' | 'fieldLabelError'> {
  if (!fields) return { selectable: DEFAULT_SELECTABLE, fieldLabelError: (label) => `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"` };
  return { selectable: new Map(Object.entries(fields)), fieldLabelError: (label) => `field label not supported: ${label}` };
}

function readFn(onRead: ((o: Obj) => Obj) | undefined, conversion: Conversion | undefined): ((o: Obj) => Obj) | undefined {
  if (onRead && conversion) return (o) => conversion.fromStorage(onRead(o));
  return onRead ?? conversion?.fromStorage.bind(conversion);
}

function serve(s: ResourceStrategy): ServedResource[] {
  const { kind, resource } = s;
  const what = `${keyOf(s.group, resource)}`;
  if (!s.versions.length) throw new Error(`${what}: no versions`);
  const names = new Set(s.versions.map((v) => `${v.group ?? s.group}/${v.name}`));
  if (names.size !== s.versions.length) throw new Error(`${what}: a version is listed twice`);
  const stored = s.versions.filter((v) => !v.conversion);
  if (stored.length !== 1) throw new Error(`${what}: exactly one version must be the storage version (without a conversion), found ${stored.length}`);
  if (stored[0].group !== undefined && stored[0].group !== s.group) throw new Error(`${what}: the storage version must be in the kind's group`);
  const subresources = [...(s.status ? ['status'] : []), ...Object.keys(s.subresources ?? {})];
  const onRead = s.onRead?.bind(s);
  const views = s.versions.map((v) => {
    const group = v.group ?? s.group;
    const { selectable, fieldLabelError } = selection(v.selectableFields !== undefined ? v.selectableFields : s.selectableFields);
    let watchIndex: ServedResource['watchIndex'];
    const valueOf = s.watchIndex ? selectable.get(s.watchIndex) : undefined;
    if (s.watchIndex && !v.conversion && !valueOf) throw new Error(`${what}: the watch index ${s.watchIndex} is not a selectable field`);
    if (s.watchIndex && valueOf) watchIndex = { field: s.watchIndex, valueOf };
    return {
      group,
      version: v.name,
      kind,
      listKind: s.listKind ?? `${kind}List`,
      resource,
      singular: s.singular ?? kind.toLowerCase(),
      namespaced: s.namespaced,
      shortNames: [...(s.shortNames ?? [])],
      categories: [...(s.categories ?? [])],
      subresources,
      verbs: [...(s.verbs ?? ALL_VERBS)],
      apiVersion: apiVersionOf(group, v.name),
      strategy: s,
      storage: undefined as unknown as ServedResource,
      conversion: v.conversion,
      versionDef: v,
      fromStorage: readFn(onRead, v.conversion),
      table: v.table ?? s.table,
      openapi: v.openapi,
      protobuf: v.protobuf ?? (v.conversion ? undefined : s.protobuf),
      selectable,
      fieldLabelError,
      watchIndex,
      keyName: s.storageKey ?? resource,
    };
  });
  const storage = views.find((v) => !v.conversion)!;
  for (const v of views) v.storage = storage;
  return views;
}

export class KindRegistry {
  /** "resource.group" → the kind at each served version, the preferred first. */
  private readonly kinds = new Map<string, ServedResource[]>();
  /** "group/version" → resource → served kind: parsed on every request. */
  private readonly byGv = new Map<string, Map<string, ServedResource>>();
  private readonly byGvk = new Map<string, ServedResource>();
  private readonly listeners = new Set<KindListener>();
  private all: ServedResource[] = [];
  /** Changes with every register/unregister: documents built from the kinds can be cached by it. */
  generation = 0;

  constructor(strategies: readonly ResourceStrategy[] = []) {
    for (const s of strategies) this.register(s);
  }

  /** Serve a kind; returns it at its storage version. Throws when it clashes with a registered one. */
  register(s: ResourceStrategy): ServedResource {
    const key = keyOf(s.group, s.resource);
    if (this.kinds.has(key)) throw new Error(`${key} is already registered`);
    const views = serve(s);
    for (const v of views) {
      if (this.byGvk.has(`${v.apiVersion}/${v.kind}`)) throw new Error(`kind ${v.kind} is already served in ${v.apiVersion}`);
    }
    const storage = views[0].storage;
    for (const other of this.stored()) {
      const [a, b] = [`${storage.keyName}/`, `${other.keyName}/`];
      if (a.startsWith(b) || b.startsWith(a)) throw new Error(`${key}: its etcd keys (${a}) overlap those of ${keyOf(other.group, other.resource)} (${b})`);
    }
    this.kinds.set(key, views);
    for (const v of views) {
      const gv = `${v.group}/${v.version}`;
      if (!this.byGv.has(gv)) this.byGv.set(gv, new Map());
      this.byGv.get(gv)!.set(v.resource, v);
      this.byGvk.set(`${v.apiVersion}/${v.kind}`, v);
    }
    this.changed();
    for (const l of this.listeners) l.added?.(storage);
    return storage;
  }

  /** Stop serving a kind (its stored objects stay in etcd). */
  unregister(group: string, resource: string): boolean {
    const key = keyOf(group, resource);
    const views = this.kinds.get(key);
    if (!views) return false;
    this.kinds.delete(key);
    for (const v of views) {
      const gv = `${v.group}/${v.version}`;
      const inGv = this.byGv.get(gv)!;
      inGv.delete(v.resource);
      if (!inGv.size) this.byGv.delete(gv);
      this.byGvk.delete(`${v.apiVersion}/${v.kind}`);
    }
    this.changed();
    for (const l of this.listeners) l.removed?.(views[0].storage);
    return true;
  }

  private changed(): void {
    // a kind's versions in other groups after every kind's own group: those groups come after the kinds' own in discovery
    const views = [...this.kinds.values()].flat();
    this.all = [...views.filter((v) => v.group === v.strategy.group), ...views.filter((v) => v.group !== v.strategy.group)];
    this.generation++;
  }

  /** The kind served at /api[s]/<group>/<version>/<resource>. */
  lookup(group: string, version: string, resource: string): ServedResource | undefined {
    return this.byGv.get(`${group}/${version}`)?.get(resource);
  }

  /** Is anything served in this group-version? */
  servesGroupVersion(group: string, version: string): boolean {
    return this.byGv.has(`${group}/${version}`);
  }

  /** The kind that serves objects of this apiVersion and kind. */
  forKind(apiVersion: string, kind: string): ServedResource | undefined {
    return this.byGvk.get(`${apiVersion}/${kind}`);
  }

  /** A kind at its storage version, by group and plural. */
  get(group: string, resource: string): ServedResource | undefined {
    return this.kinds.get(keyOf(group, resource))?.[0].storage;
  }

  /** Every kind at every served version, in registration order (a kind's preferred version first). */
  served(): readonly ServedResource[] {
    return this.all;
  }

  /** Every kind at its storage version. */
  stored(): ServedResource[] {
    return [...this.kinds.values()].map((views) => views[0].storage);
  }

  /** Listen for kinds coming and going; `added` is called at once for those registered already. */
  subscribe(l: KindListener): () => void {
    this.listeners.add(l);
    for (const r of this.stored()) l.added?.(r);
    return () => this.listeners.delete(l);
  }
}
