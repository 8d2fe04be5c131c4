// The kind a CustomResourceDefinition defines, as a ResourceStrategy like any built-in kind's (upstream
// apiextensions-apiserver pkg/registry/customresource): its accepted names, its served versions (None
// conversion: only apiVersion changes), each version's schema (OpenAPI, unknown fields) and printer
// columns, and the storage version's schema for defaulting (on writes and on reads), validation (schema,
// list types, embedded resources, CEL rules; transition rules on updates), the status and scale
// subresources, selectable fields and generation (spec changes, or any change but metadata without a
// status subresource). Strategic merge patch is refused (415) as upstream refuses it for custom resources.
import { ApiError, statusFor } from '@minik8s/shared';
import { definitionRef, type Schema } from '@minik8s/shared/openapi';
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { AdmissionPlugin } from '../../registry/admission';
import { clone, isObj, type Obj } from '../../registry/objects';
import type { KindOpenApi, ResourceStrategy, StatusSubresource, SubresourceDef, VersionDef } from '../../registry/strategy';
import { scaleSubresource, type ScaleView } from '../scale';
import { celErrors, hasRules } from './schema/cel';
import { applyDefaults, hasDefaults } from './schema/defaults';
import type { Props } from './schema/paths';
import { validateValue } from './schema/values';
import { customResourcePrinter, firstResult, toJsonPathPlus, type PrinterColumn } from './printer';
import { versionsOf } from './validation';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
const DESCRIPTIONS = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds',
  metadata:
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
};

/** State of a served custom resource kind its CRD controller changes without re-registering it. */
interface KindState {
  terminating: boolean;
}
const states = new WeakMap<ResourceStrategy, KindState>();

/** Is this the strategy of a CustomResourceDefinition's kind? */
export const isCustomResource = (s: ResourceStrategy) => states.has(s);

/** Mark the kind of a terminating CustomResourceDefinition: its creates are refused from now on. */
export function setTerminating(s: ResourceStrategy, terminating: boolean): void {
  const st = states.get(s);
  if (st) st.terminating = terminating;
}

/**
 * Creates of a terminating CustomResourceDefinition's kind are refused (405), as upstream's CR handler
 * refuses them (there it is no admission plugin; here it is one step of the chain, before the others).
 */
export const customResourceCreates: AdmissionPlugin = {
  name: 'CustomResourceTerminating',
  operations: ['CREATE'],
  admit: async (_registry, { r }) => {
    if (states.get(r.strategy)?.terminating)
      throw new ApiError({
        ...statusFor.methodNotAllowed('create not allowed while custom resource definition is terminating'),
        details: { group: r.group, kind: r.resource },
      });
  },
};

/** "stable.example.com" → "com.example.stable", as upstream names a CRD's OpenAPI definitions. */
const reversedGroup = (g: string) => g.split('.').reverse().join('.');

/** A schema with an embedded resource's apiVersion, kind and metadata spelled out (as upstream publishes it). */
function withResourceFields(s: Props, root: boolean): Props {
  const out: Props = { ...s };
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, withResourceFields(v, false)]));
  if (isObj(s.items)) out.items = withResourceFields(s.items, false);
  if (isObj(s.additionalProperties)) out.additionalProperties = withResourceFields(s.additionalProperties, false);
  if (root || s['x-kubernetes-embedded-resource']) {
    out.type = 'object';
    out.properties = {
      apiVersion: { description: DESCRIPTIONS.apiVersion, type: 'string' },
      kind: { description: DESCRIPTIONS.kind, type: 'string' },
      metadata: { description: DESCRIPTIONS.metadata, $ref: definitionRef(META) },
      ...Object.fromEntries(Object.entries(out.properties ?? {}).filter(([k]) => !['apiVersion', 'kind', 'metadata'].includes(k))),
    };
  }
  return out;
}

function openApiOf(group: string, version: string, kind: string, schema: Props | undefined): KindOpenApi {
  const definition = `${reversedGroup(group)}.${version}.${kind}`;
  const root: Schema = withResourceFields(schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, true);
  return { definition, definitions: { [definition]: { ...root, 'x-kubernetes-group-version-kind': [{ group, kind, version }] } } };
}

/** Kubernetes' version order (v1 > v1beta2 > v1beta1 > v1alpha1 > v2 other...): GA by major desc, then beta, alpha, then others by name. */
export function versionPriority(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return { rank: 3, major: 0, minor: 0 };
    return { rank: m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0, major: Number(m[1]), minor: Number(m[3] ?? 0) };
  };
  const [x, y] = [parse(a), parse(b)];
  if (x.rank !== y.rank) return x.rank - y.rank;
  if (x.rank === 3) return a < b ? -1 : a > b ? 1 : 0;
  return y.major - x.major || y.minor - x.minor;
}

/** A simple JSON path (".spec.replicas") as the keys it walks. */
const pathKeys = (p: string) => p.replace(/^\./, '').split('.');

function getPath(o: Obj, p: string): unknown {
  let cur: unknown = o;
  for (const k of pathKeys(p)) cur = isObj(cur) ? cur[k] : undefined;
  return cur;
}

function setPath(o: Obj, p: string, v: unknown): Obj {
  const out = clone(o);
  let cur = out;
  const keys = pathKeys(p);
  for (const k of keys.slice(0, -1)) cur = isObj(cur[k]) ? cur[k] : (cur[k] = {});
  cur[keys[keys.length - 1]] = v;
  return out;
}

/** The Scale view of a custom resource: the paths its CRD names (upstream scaleFromCustomResource). */
function scaleView(scale: Obj): ScaleView {
  return {
    specReplicas: (o) => getPath(o, scale.specReplicasPath),
    statusReplicas: (o) => getPath(o, scale.statusReplicasPath),
    selector: (o) =>
      scale.labelSelectorPath && typeof getPath(o, scale.labelSelectorPath) === 'string'
        ? (getPath(o, scale.labelSelectorPath) as string)
        : '',
    withReplicas: (o, n) => setPath(o, scale.specReplicasPath, n),
    replicasPath: pathKeys(scale.specReplicasPath),
  };
}

const MAX_INT32 = 2147483647;

/** Go's %T of a decoded JSON value. */
const goType = (v: unknown) =>
  typeof v === 'string'
    ? 'string'
    : typeof v === 'number'
      ? 'float64'
      : typeof v === 'boolean'
        ? 'bool'
        : Array.isArray(v)
          ? '[]interface {}'
          : v === null
            ? '<nil>'
            : 'map[string]interface {}';
/** upstream's unstructured accessor error ("%v accessor error: %v is of the type %T, expected %s"). */
const accessorError = (path: string, v: unknown, want: string) =>
  `${path} accessor error: ${typeof v === 'object' ? JSON.stringify(v) : String(v)} is of the type ${goType(v)}, expected ${want}`;

/** Upstream ValidateScaleSpec / ValidateScaleStatus: the replicas paths hold int32 values ≥ 0 when set. */
function scaleErrors(o: Obj, scale: Obj | undefined, which: ('spec' | 'status')[]): Cause[] {
  if (!scale) return [];
  const out: Cause[] = [];
  const check = (path: string) => {
    const v = getPath(o, path);
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v)) out.push(fe.invalid(path, 0, accessorError(path, v, 'int64')));
    else if (v < 0) out.push(fe.invalid(path, v, 'should be a non-negative integer'));
    else if (v > MAX_INT32) out.push(fe.invalid(path, v, `should be less than or equal to ${MAX_INT32}`));
  };
  if (which.includes('spec')) check(scale.specReplicasPath);
  if (which.includes('status')) {
    check(scale.statusReplicasPath);
    if (scale.labelSelectorPath) {
      const sel = getPath(o, scale.labelSelectorPath);
      if (sel !== undefined && typeof sel !== 'string')
        out.push(fe.invalid(scale.labelSelectorPath, '', accessorError(scale.labelSelectorPath, sel, 'string')));
    }
  }
  return out;
}

const BLOCKING = ['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid'];
const NOT_CHECKED: Cause = fe.invalid(
  '<nil>',
  'null',
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
);

/** The ResourceStrategy of the kind `crd` defines (its accepted names: call once NamesAccepted). */
export function customResourceStrategy(crd: Obj): ResourceStrategy {
  const spec: Obj = crd.spec;
  const group: string = spec.group;
  const names: Obj = crd.status.acceptedNames;
  const kind: string = names.kind;
  const all = versionsOf(crd);
  const storage = all.find((v) => v.storage === true)!;
  // the storage version is served even when the CRD does not serve it (the registry serves what it stores)
  const served = all.filter((v) => v.served === true || v === storage).sort((a, b) => versionPriority(a.name, b.name));
  const schemaOf = (v: Obj): Props | undefined => (isObj(v.schema?.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined);
  const schema = schemaOf(storage) ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const statusSchema = isObj(schema.properties?.status) ? schema.properties.status : undefined;
  const status = isObj(storage.subresources?.status);
  const scale: Obj | undefined = isObj(storage.subresources?.scale) ? storage.subresources.scale : undefined;
  const rules = hasRules(schema);
  const defaults = hasDefaults(schema);
  /** Objects found to fail blocking schema checks (CEL rules then do not run, as upstream). */
  const blocked = new WeakSet<Obj>();

  const versions: VersionDef[] = served.map((v) => ({
    name: v.name,
    openapi: openApiOf(group, v.name, kind, schemaOf(v)),
    table: customResourcePrinter((Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []) as PrinterColumn[]),
    ...(v === storage ? {} : { conversion: { toStorage: (o: Obj) => o, fromStorage: (o: Obj) => o } }),
  }));

  const statusDef: StatusSubresource | undefined = status
    ? {
        prepare: (next) => applyDefaults(schema, next),
        validate: (next, old) => {
          const errs = statusSchema && next.status !== undefined ? validateValue(statusSchema, next.status, 'status') : [];
          errs.push(...scaleErrors(next, scale, ['status']));
          if (statusSchema && rules && next.status !== undefined) {
            if (errs.some((c) => BLOCKING.includes(c.reason))) errs.push(NOT_CHECKED);
            else errs.push(...celErrors(statusSchema, next.status, old.status, 'status'));
          }
          return errs;
        },
      }
    : undefined;

  const subresources: Record<string, SubresourceDef> = {};
  if (scale) subresources.scale = scaleSubresource(scaleView(scale));

  const selectable =
    Array.isArray(storage.selectableFields) && storage.selectableFields.length ? (storage.selectableFields as Obj[]) : undefined;

  const strategy: ResourceStrategy = {
    group,
    kind,
    resource: names.plural,
    singular: names.singular || kind.toLowerCase(),
    listKind: names.listKind || `${kind}List`,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: spec.scope === 'Namespaced',
    versions,
    storageKey: `${group}/${names.plural}`,
    status: statusDef,
    subresources,
    patchTypes: ['json', 'merge', 'apply'],
    tracksGeneration: () => true,
    specOf: status ? undefined : ({ metadata: _m, apiVersion: _a, kind: _k, ...rest }) => rest,
    defaults: (o) => applyDefaults(schema, o),
    onRead: defaults
      ? (o) => {
          applyDefaults(schema, o);
          return o;
        }
      : undefined,
    validate(o) {
      const errs = [...validateValue(schema, o), ...scaleErrors(o, scale, ['spec', 'status'])];
      if (errs.some((c) => BLOCKING.includes(c.reason))) {
        blocked.add(o);
        if (rules) errs.push(NOT_CHECKED);
      } else if (rules) errs.push(...celErrors(schema, o, undefined, '', 'plain'));
      return errs;
    },
    validateUpdate: rules ? (next, old) => (blocked.has(next) ? [] : celErrors(schema, next, old, '', 'transition')) : undefined,
    selectableFields: selectable
      ? {
          ...(spec.scope === 'Namespaced' ? METADATA_SELECTABLE : { 'metadata.name': METADATA_SELECTABLE['metadata.name'] }),
          ...Object.fromEntries(
            selectable.map((f) => {
              const path = toJsonPathPlus(f.jsonPath);
              return [String(f.jsonPath).replace(/^\./, ''), (o: Obj) => String(firstResult(path, o) ?? '')];
            }),
          ),
        }
      : undefined,
  };
  states.set(strategy, { terminating: false });
  return strategy;
}
