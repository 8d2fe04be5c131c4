// The contract between one resource kind and the generic apiserver, as upstream's
// pkg/registry/<group>/<kind>/strategy.go plus the options of its REST storage: identity and served
// versions (and their OpenAPI schemas), create/update/delete rules, reads (table, field selectors, watch
// index), protobuf bodies, and hooks for what is written beside the object. A kind module exports one;
// kinds/index.ts lists the built-in ones; KindRegistry serves whatever is registered, at run time too.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import type { Schema } from '@minik8s/shared/openapi';
import type { TxnExtra } from '../storage/etcd';
import type { KindTablePrinter } from '../tables/types';
import type { ProtobufDecoder } from '../protobuf/messages';
import type { Cause } from './fielderrors';
import type { ServedResource } from './kinds';
import type { DeleteOptions, Registry } from './registry';
import type { PatchType } from './patch';
import type { Obj } from './objects';
import type { UserInfo } from '../auth/types';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * How objects of a served version map to the storage version's (upstream's conversion functions).
 * Each direction gets its own copy of the object and returns the converted one; apiVersion and kind are
 * set by the caller.
 */
export interface Conversion {
  toStorage(obj: Obj): Obj;
  fromStorage(obj: Obj): Obj;
}

export interface VersionDef {
  /** "v1", "v2", ... */
  readonly name: string;
  /**
   * The API group this version is served in, when it is not the kind's: one kind stored once and served
   * in two groups (upstream registers one storage in a second group for some kinds).
   */
  readonly group?: string;
  /** Absent on the storage version (exactly one per kind), required on every other. */
  readonly conversion?: Conversion;
  /**
   * The schema of the kind's objects at this version. Default: upstream's definition of the group, version
   * and kind (every built-in kind has one); a kind registered at run time (a CRD's)
   * brings its own. Without either, /openapi lists the kind without a schema and no field is unknown.
   */
  readonly openapi?: KindOpenApi;
  /** Decoder of protobuf request bodies at this version (default: the kind's `protobuf`). */
  readonly protobuf?: ProtobufDecoder;
  /**
   * Field selector labels at this version when they are not the kind's (upstream registers field label
   * conversions per group-version); null: only metadata.name and metadata.namespace.
   */
  readonly selectableFields?: Readonly<Record<string, (obj: Obj) => string>> | null;
  /** Rules for objects created at this version, beyond the kind's (upstream validates some kinds by the request's version). */
  validateCreate?(obj: Obj): Cause[];
  /** The same for updates (the new and the stored object, both at the storage version). */
  validateUpdate?(next: Obj, old: Obj): Cause[];
  /** The printer of this version's Tables (default: the kind's `table`; a CRD's columns are per version). */
  readonly table?: KindTablePrinter;
}

/**
 * A kind's OpenAPI schema at one version. From it come the kind's part of /openapi/v2 and /openapi/v3
 * (kubectl explain, kubectl's validation and apply), the unknown fields of fieldValidation=Strict|Warn,
 * the merge keys of strategic merge patch and the list types and map keys of server-side apply.
 */
export interface KindOpenApi {
  /** The name of the definition of the kind's objects, upstream's style: `<reversed group>.<version>.<Kind>` ("com.example.stable.v1.CronTab"). */
  readonly definition: string;
  /**
   * The definitions it adds, `definition` among them: OpenAPI v2 schema objects with their descriptions
   * (kubectl explain prints them), `$ref`s written "#/definitions/<name>" and free to point at upstream's
   * (io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta). A CRD's openAPIV3Schema fits
   * as it is (its `x-kubernetes-preserve-unknown-fields`, `-int-or-string`, `-list-type`, ... are read).
   * The kind's definition gets its `x-kubernetes-group-version-kind` when it lacks one; a `<definition>List`
   * is made up when absent.
   */
  readonly definitions: Readonly<Record<string, Schema>>;
}

/** Server-side state written in the same etcd transaction as an object (upstream: a REST storage's allocators). */
export interface StorageHooks {
  /** Runs every write of the kind one at a time in this process (the hooks read-modify-write shared keys). */
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  /**
   * The extra keys for a write from `old` to `next` (old undefined: create; next undefined: delete); it may
   * fill in `next` (allocated values). Causes refuse the write (422).
   */
  plan(next: Obj | undefined, old: Obj | undefined): Promise<{ causes: Cause[]; extra: TxnExtra }>;
}

/** The status subresource (upstream's StatusStrategy). */
export interface StatusSubresource {
  /** The status a new object starts with (default: none; the client's is dropped). */
  initial?(obj: Obj): Obj | undefined;
  /** Keep the status the client created the object with (an agent registering itself reports its status at once). */
  keepOnCreate?: boolean;
  /** Kind-specific fields of a /status update (upstream's PrepareForUpdate of the status strategy). */
  prepare?(next: Obj, old: Obj): void;
  /** Causes refusing a /status update (upstream's ValidateUpdate of the status strategy; default: none). */
  validate?(next: Obj, old: Obj): Cause[];
}

/** What a subresource handler, or a kind's own create, gets from the generic router. */
export interface HandlerRequest {
  readonly method: string;
  readonly r: ServedResource;
  /** The object's name from the URL ('' for a create). */
  readonly name: string;
  readonly namespace?: string;
  readonly dryRun: boolean;
  readonly registry: Registry;
  /** The decoded body (JSON, YAML or protobuf), undefined when empty; 400/415 for a malformed one. */
  body(): unknown;
  /** The body as an object of `gvk` (400 as upstream's decoder when it is not one). */
  object(gvk: GroupVersionKind): Obj;
  /** The PATCH body's type (415 when the content type is none, or not one of `accepted`: the kind's by default). */
  patchType<T extends PatchType = PatchType>(accepted?: readonly T[]): T;
  /** Who writes (recorded in managedFields; 422 for an invalid fieldManager) and an apply's `force`. */
  writeManager(kind: 'UpdateOptions' | 'PatchOptions', apply?: boolean): { manager: string; force: boolean };
  /** Who made the request (after impersonation), as the authentication filter found it. */
  user(): UserInfo;
}

/** `object`: answered like the kind's own objects (converted, as a Table when asked); `body`: sent as it is. */
export type HandlerResult = { code: number; body: unknown } | { code: number; object: KubeObject };
export type Handler = (req: HandlerRequest) => Promise<HandlerResult>;

/** 405 for a method the resource or subresource does not serve. */
export const methodNotAllowed = (method: string) =>
  new ApiError(statusFor.methodNotAllowed(`the server does not allow this method on the requested resource (${method})`));

/** A handler's `Success` Status answer. */
export const success = (code: number): HandlerResult => ({
  code,
  body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code },
});

export interface SubresourceDef {
  /** What it answers with, for discovery (default: the kind itself). */
  readonly responseKind?: GroupVersionKind;
  readonly verbs: readonly string[];
  /** Serves it through the generic router; absent when a route module serves it (e.g. log, exec, attach). */
  readonly handler?: Handler;
  /** Decoder of protobuf request bodies of its responseKind, when that is no kind served here (e.g. TokenRequest). */
  readonly protobuf?: ProtobufDecoder;
}

/** Upstream's graceful deletion and its namespace-like variants. */
export interface DeletionStrategy {
  /** Seconds a DELETE leaves the object marked before it goes (upstream CheckGracefulDelete); 0: at once. */
  gracePeriod?(obj: Obj, options: DeleteOptions): number;
  /** Replaces the generic marking: the object marked for deletion, or undefined when it can go now. */
  mark?(cur: KubeObject, options: DeleteOptions, now: Date): Obj | undefined;
  /** Whether an object being deleted whose metadata.finalizers emptied may go now (default: yes). */
  finalized?(obj: Obj): boolean;
}

export interface ResourceStrategy {
  // --- identity (upstream: the APIResource in discovery, the REST storage's scope) ---
  readonly group: string;
  readonly kind: string;
  /** Plural, lower-case: the URL segment. */
  readonly resource: string;
  /** Default: the kind in lower case. */
  readonly singular?: string;
  /** Default: the kind + "List". */
  readonly listKind?: string;
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly namespaced: boolean;
  /** Default: create, delete, deletecollection, get, list, patch, update, watch. */
  readonly verbs?: readonly string[];
  /** Served versions, the preferred first. */
  readonly versions: readonly VersionDef[];
  /** The etcd key segment when it is not the plural (upstream's historical names). */
  readonly storageKey?: string;
  /** Served, but left out of discovery and OpenAPI. */
  readonly hidden?: boolean;

  // --- create and update (upstream RESTCreateStrategy, RESTUpdateStrategy) ---
  /** The rule for metadata.name (upstream's NameFunc); default DNS-1123 subdomain; null: any name. */
  readonly nameRule?: ((name: string) => string[]) | null;
  /** Upstream's SetDefaults_*, on create and update. */
  defaults?(obj: Obj): void;
  /** Kind-specific fields of a new object, after the server-owned metadata and before the defaults. */
  prepareForCreate?(obj: Obj): void;
  /** Kind-specific fields of an update of the main resource, before the defaults. */
  prepareForUpdate?(next: Obj, old: Obj): void;
  /** Causes beyond ObjectMeta (upstream Validate). */
  validate?(obj: Obj): Cause[];
  /** Rules only a create must pass (upstream's Validate checks some fields on create alone, e.g. a pod's ephemeral containers). */
  validateCreate?(obj: Obj): Cause[];
  /** Rules that compare an update with the stored object, e.g. immutable fields (upstream ValidateUpdate). */
  validateUpdate?(next: Obj, old: Obj): Cause[];
  /** The status subresource: main-resource writes keep the stored status, /status writes change only it. */
  readonly status?: StatusSubresource;
  /** Whether metadata.generation counts spec changes (default: objects with a spec). */
  tracksGeneration?(obj: Obj): boolean;
  /**
   * The part of an object whose changes bump metadata.generation (default: all but metadata and status; a
   * custom resource without a status subresource counts its status too, as upstream).
   */
  specOf?(obj: Obj): unknown;
  /** A PUT of a missing object creates it (upstream AllowCreateOnUpdate). */
  readonly createOnUpdate?: boolean;
  /** Replaces the generic create: a resource that is not stored (upstream's BindingREST). */
  readonly create?: Handler;
  /** Other subresources, in discovery order. */
  readonly subresources?: Readonly<Record<string, SubresourceDef>>;

  // --- delete ---
  readonly deletion?: DeletionStrategy;

  /** The PATCH body types it accepts (default: all; custom resources refuse strategic merge patch with 415, as upstream). */
  readonly patchTypes?: readonly PatchType[];

  // --- reads ---
  /**
   * Applied to a copy of every stored object before it is served, at any version (upstream: a custom
   * resource's schema defaults, applied when it is read from etcd too).
   */
  onRead?(obj: Obj): Obj;
  /** Columns and cells of `kubectl get` (upstream's printers); default: Name and Created At. */
  readonly table?: KindTablePrinter;
  /**
   * The field selector labels and their values (upstream's field label conversion and ToSelectableFields),
   * when the kind has more than the default metadata.name and metadata.namespace; unknown labels are then
   * refused as upstream's per-kind conversion funcs refuse them.
   */
  readonly selectableFields?: Readonly<Record<string, (obj: Obj) => string>>;
  /** A selectable field whose exact value watchers are indexed by (upstream's indexed triggers). */
  readonly watchIndex?: string;

  // --- bodies ---
  /** Decoder of protobuf bodies at the storage version. */
  readonly protobuf?: ProtobufDecoder;

  // --- storage ---
  readonly storage?: StorageHooks;
  /** Objects expire this many seconds after their last write (an etcd lease, upstream's TTLFunc: Events). */
  readonly ttlSeconds?: number;
}

export const ALL_VERBS: readonly string[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
