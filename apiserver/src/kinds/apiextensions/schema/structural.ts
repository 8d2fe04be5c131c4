// The checks of a CustomResourceDefinition's openAPIV3Schema, as upstream's apiextensions validation makes
// them: the OpenAPI v3 subset Kubernetes accepts (no $ref, no patternProperties, list and map types
// consistent, ...), the structural schema rules (every node has a type unless x-kubernetes-int-or-string
// or x-kubernetes-preserve-unknown-fields; value validations under allOf/anyOf/oneOf/not add no structure;
// metadata only restricts name and generateName; no additionalProperties at the root; embedded resources
// are objects) with upstream's NonStructuralSchema wording, the defaults (valid and pruned), and the
// x-kubernetes-validations rules (they must compile). Paths are upstream's (`spec.validation.openAPIV3Schema
// .properties[spec].type`).
import { fe, type Cause } from '../../../registry/fielderrors';
import { deepEqual } from '../../../registry/objects';
import { celErrors, compileRules, estimatedCosts } from './cel';
import { costErrorMessage, maxCardinality, repeats, STATIC_ESTIMATED_COST_LIMIT, STATIC_ESTIMATED_CRD_COST_LIMIT } from './celcost';
import { pruned } from './defaults';
import { child, index, isObject, key, type Props } from './paths';
import { compilePattern, validateValue } from './values';

const OPENAPI_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = ['metadata', 'kind', 'apiVersion'];
const REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
/** The fields allowed at the root of a schema whose kind has a status subresource (JSON names; upstream prints the Go ones). */
const ROOT_WITH_STATUS: [json: string, go: string][] = [
  ['description', 'Description'],
  ['type', 'Type'],
  ['format', 'Format'],
  ['title', 'Title'],
  ['maximum', 'Maximum'],
  ['exclusiveMaximum', 'ExclusiveMaximum'],
  ['minimum', 'Minimum'],
  ['exclusiveMinimum', 'ExclusiveMinimum'],
  ['maxLength', 'MaxLength'],
  ['minLength', 'MinLength'],
  ['pattern', 'Pattern'],
  ['maxItems', 'MaxItems'],
  ['minItems', 'MinItems'],
  ['uniqueItems', 'UniqueItems'],
  ['multipleOf', 'MultipleOf'],
  ['required', 'Required'],
  ['items', 'Items'],
  ['properties', 'Properties'],
  ['externalDocs', 'ExternalDocs'],
  ['example', 'Example'],
  ['x-kubernetes-preserve-unknown-fields', 'XPreserveUnknownFields'],
  ['x-kubernetes-validations', 'XValidations'],
];

const subschema = (v: unknown): Props | undefined => (isObject(v) ? v : undefined);
const list = (v: unknown): Props[] => (Array.isArray(v) ? v.filter(isObject) : []);

// --- structural invariants (upstream pkg/apiserver/schema/validation.go) ---------------------------------

type Level = 'root' | 'item' | 'field';

const EMPTY_TYPE: Record<Level, string> = {
  root: 'must not be empty at the root',
  item: 'must not be empty for specified array items',
  field: 'must not be empty for specified object fields',
};

const isIntOrStringPattern = (alts: unknown) => {
  const a = list(alts);
  return a.length === 2 && deepEqual(a[0], { type: 'integer' }) && deepEqual(a[1], { type: 'string' });
};

function invariants(s: Props, lvl: Level, path: string, out: Cause[]): void {
  if (s.type === 'array' && s.items === undefined) out.push(fe.required(child(path, 'items'), 'must be specified'));
  const items = subschema(s.items);
  if (items) invariants(items, 'item', child(path, 'items'), out);
  for (const [k, p] of Object.entries(s.properties ?? {})) if (isObject(p)) invariants(p, 'field', key(child(path, 'properties'), k), out);
  if (s.additionalProperties !== undefined) {
    if (lvl === 'root') out.push(fe.forbidden(child(path, 'additionalProperties'), 'must not be used at the root'));
    const ap = subschema(s.additionalProperties);
    if (ap) invariants(ap, 'field', child(path, 'additionalProperties'), out);
  }
  const intOrString = s['x-kubernetes-int-or-string'] === true;
  const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (intOrString && preserve)
    out.push(fe.invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded)
    out.push(fe.invalid(child(path, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));
  const allOf = list(s.allOf);
  valueValidation(s, isIntOrStringPattern(s.anyOf), allOf.length > 0 && isIntOrStringPattern(allOf[0].anyOf), path, out);
  const checkMetadata = lvl === 'root' || embedded;
  if (embedded && s.type !== 'object') {
    if (!s.type) out.push(fe.required(child(path, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else out.push(fe.invalid(child(path, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) out.push(fe.required(child(path, 'type'), EMPTY_TYPE[lvl]));
  if (embedded && s.additionalProperties !== undefined)
    out.push(fe.forbidden(child(path, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') out.push(fe.invalid(child(path, 'type'), s.type, 'must be object at the root'));
  const props = s.properties ?? {};
  for (const f of ['kind', 'apiVersion']) {
    if (checkMetadata && isObject(props[f]) && props[f].type !== 'string')
      out.push(fe.invalid(child(key(child(path, 'properties'), f), 'type'), props[f].type ?? '', 'must be string'));
  }
  if (isObject(props.metadata)) metadataInvariants(props.metadata, checkMetadata, lvl, key(child(path, 'properties'), 'metadata'), out);
  if (embedded && !preserve && !Object.keys(props).length)
    out.push(
      fe.required(
        child(path, 'properties'),
        'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
      ),
    );
}

function metadataInvariants(s: Props, checkMetadata: boolean, lvl: Level, path: string, out: Cause[]): void {
  if (checkMetadata && s.type !== 'object') out.push(fe.invalid(child(path, 'type'), s.type ?? '', 'must be object'));
  if (lvl !== 'root') return;
  // at the root only name and generateName may be restricted: anything else is implicitly ObjectMeta's
  const names = Object.keys(s.properties ?? {});
  const onlyNames = names.length > 0 && names.every((n) => n === 'name' || n === 'generateName');
  const rest = Object.keys(s).filter((k) => k !== 'type' && k !== 'default' && !(k === 'properties' && onlyNames));
  if (rest.length)
    out.push(fe.forbidden(path, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
}

function valueValidation(v: Props, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, path: string, out: Cause[]): void {
  if (!skipAnyOf) list(v.anyOf).forEach((n, i) => nested(n, false, index(child(path, 'anyOf'), i), out));
  list(v.allOf).forEach((n, i) => nested(n, skipFirstAllOfAnyOf && i === 0, index(child(path, 'allOf'), i), out));
  list(v.oneOf).forEach((n, i) => nested(n, false, index(child(path, 'oneOf'), i), out));
  const not = subschema(v.not);
  if (not) nested(not, false, child(path, 'not'), out);
  if (typeof v.pattern === 'string' && v.pattern) {
    const re = compilePattern(v.pattern);
    if (re instanceof Error)
      out.push(fe.invalid(child(path, 'pattern'), v.pattern, `must be a valid regular expression, but isn't: ${re.message}`));
  }
}

const NESTED_FORBIDDEN: [key: string, message: string][] = [
  ['type', 'must be empty to be structural'],
  ['additionalProperties', 'must be undefined to be structural'],
  ['default', 'must be undefined to be structural'],
  ['title', 'must be empty to be structural'],
  ['description', 'must be empty to be structural'],
  ['nullable', 'must be false to be structural'],
  ['x-kubernetes-preserve-unknown-fields', 'must be false to be structural'],
  ['x-kubernetes-embedded-resource', 'must be false to be structural'],
  ['x-kubernetes-int-or-string', 'must be false to be structural'],
  ['x-kubernetes-list-map-keys', 'must be empty to be structural'],
  ['x-kubernetes-list-type', 'must be undefined to be structural'],
  ['x-kubernetes-map-type', 'must be undefined to be structural'],
  ['x-kubernetes-validations', 'must be empty to be structural'],
];

const isSet = (v: unknown) => v !== undefined && v !== false && v !== '' && !(Array.isArray(v) && !v.length);

/** A value validation under allOf/anyOf/oneOf/not: it may not add structure. */
function nested(v: Props, skipAnyOf: boolean, path: string, out: Cause[]): void {
  valueValidation(v, skipAnyOf, false, path, out);
  const items = subschema(v.items);
  if (items) nested(items, false, child(path, 'items'), out);
  for (const [k, p] of Object.entries(v.properties ?? {})) if (isObject(p)) nested(p, false, key(child(path, 'properties'), k), out);
  for (const [k, message] of NESTED_FORBIDDEN) {
    if (k === 'type' && skipAnyOf) continue;
    if (isSet(v[k])) out.push(fe.forbidden(child(path, k), message));
  }
  if (isObject(v.properties) && Object.hasOwn(v.properties, 'metadata'))
    out.push(fe.forbidden(key(child(path, 'properties'), 'metadata'), 'must not be specified in a nested context'));
}

/** Value validations must name fields and items the structure has (upstream checks the root's). */
function completeness(s: Props, path: string, out: Cause[]): void {
  const junctors = (v: Props, vPath: string) => {
    const not = subschema(v.not);
    if (not) nestedCompleteness(not, s, path, child(vPath, 'not'), out);
    for (const j of ['allOf', 'anyOf', 'oneOf'])
      list(v[j]).forEach((n, i) => nestedCompleteness(n, s, path, index(child(vPath, j), i), out));
  };
  junctors(s, path);
}

function nestedCompleteness(v: Props, s: Props | undefined, sPath: string, vPath: string, out: Cause[]): void {
  if (!s) {
    out.push(fe.required(sPath, `because it is defined in ${vPath}`));
    return;
  }
  const not = subschema(v.not);
  if (not) nestedCompleteness(not, s, sPath, child(vPath, 'not'), out);
  for (const j of ['allOf', 'anyOf', 'oneOf'])
    list(v[j]).forEach((n, i) => nestedCompleteness(n, s, sPath, index(child(vPath, j), i), out));
  const items = subschema(v.items);
  if (items) nestedCompleteness(items, subschema(s.items), child(sPath, 'items'), child(vPath, 'items'), out);
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    if (!isObject(p)) continue;
    const sp = s.properties && Object.hasOwn(s.properties, k) ? s.properties[k] : undefined;
    if (!sp) out.push(fe.required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`));
    else nestedCompleteness(p, sp, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k), out);
  }
}

const causeText = (c: Cause) => `${c.field}: ${c.message}`;

/** Upstream's ValidateStructural: the invariants and the completeness, sorted as upstream sorts them. */
export function structuralErrors(schema: Props, path: string): Cause[] {
  const out: Cause[] = [];
  invariants(schema, 'root', path, out);
  completeness(schema, path, out);
  return out.sort((a, b) => (causeText(a) < causeText(b) ? -1 : causeText(a) > causeText(b) ? 1 : 0));
}

// --- defaults (upstream pkg/apiserver/schema/defaulting/validation.go) --------------------------------------

function defaultErrors(s: Props, path: string, insideMeta: boolean, out: Cause[]): void {
  const embedded = s['x-kubernetes-embedded-resource'] === true;
  if (embedded) insideMeta = false;
  if (s.default !== undefined && !insideMeta) {
    const at = child(path, 'default');
    if (!deepEqual(pruned(s, s.default, embedded), s.default)) out.push(fe.invalid(at, s.default, 'must not have unknown fields'));
    const errs = validateValue(s, s.default, at);
    out.push(...errs);
    if (!errs.length) out.push(...celErrors(s, s.default, s.default, at));
  }
  const items = subschema(s.items);
  if (items) defaultErrors(items, child(path, 'items'), insideMeta, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (isObject(p)) defaultErrors(p, key(child(path, 'properties'), k), insideMeta || (embedded && META_FIELDS.includes(k)), out);
  }
}

// --- the OpenAPI v3 subset (upstream ValidateCustomResourceDefinitionOpenAPISchema) ---------------------------

interface Walk {
  allowDefaults: boolean;
  defaultsReason?: string;
  insideResourceMeta: boolean;
  /** The highest path whose values cannot be correlated between revisions (oldSelf is not allowed below it). */
  uncorrelatable?: string;
  /** CEL rules are compiled only in a structural schema. */
  cel: boolean;
}

/** Upstream's TotalCost: the sum, and the (at most 4) costliest expressions over 1% of the CRD limit. */
interface TotalCost {
  sum: number;
  costliest: { path: string; cost: number }[];
}

function observe(t: TotalCost, path: string, cost: number): void {
  t.sum = Math.min(2 ** 64, t.sum + cost);
  if (cost < STATIC_ESTIMATED_CRD_COST_LIMIT / 100) return;
  t.costliest.push({ path, cost });
  t.costliest.sort((a, b) => b.cost - a.cost);
  t.costliest.length = Math.min(t.costliest.length, 4);
}

/** How often a list's items or a map's values under `s` can occur, bounded by what fits in a request. */
const below = (s: Props, sub: Props, cardinality: number) => Math.min(cardinality * repeats(s), maxCardinality(sub));

interface Errors {
  schema: Cause[];
  cel: Cause[];
}

function openApiErrors(s: Props | undefined, path: string, w: Walk, isRoot: boolean): Errors {
  const errs: Errors = { schema: [], cel: [] };
  if (!s) return errs;
  const add = (e: Errors) => {
    errs.schema.push(...e.schema);
    errs.cel.push(...e.cel);
  };
  const out = errs.schema;
  // specStandardValidatorV3
  if (s.type !== undefined && s.type !== '' && !OPENAPI_TYPES.includes(s.type))
    out.push(fe.notSupported(child(path, 'type'), s.type, OPENAPI_TYPES));
  if (s.default !== undefined && !w.allowDefaults)
    out.push(fe.forbidden(child(path, 'default'), `must not be set${w.defaultsReason ? ` ${w.defaultsReason}` : ''}`));
  if (s.id) out.push(fe.forbidden(child(path, 'id'), 'id is not supported'));
  if (s.additionalItems !== undefined) out.push(fe.forbidden(child(path, 'additionalItems'), 'additionalItems is not supported'));
  if (isObject(s.patternProperties) && Object.keys(s.patternProperties).length)
    out.push(fe.forbidden(child(path, 'patternProperties'), 'patternProperties is not supported'));
  if (isObject(s.definitions) && Object.keys(s.definitions).length)
    out.push(fe.forbidden(child(path, 'definitions'), 'definitions is not supported'));
  if (s.dependencies !== undefined) out.push(fe.forbidden(child(path, 'dependencies'), 'dependencies is not supported'));
  if (s.$ref !== undefined) out.push(fe.forbidden(child(path, '$ref'), '$ref is not supported'));
  if (s.type === 'null') out.push(fe.forbidden(child(path, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (Array.isArray(s.items) && s.items.length)
    out.push(fe.forbidden(child(path, 'items'), 'items must be a schema object and not an array'));
  if (w.insideResourceMeta && s['x-kubernetes-embedded-resource'])
    out.push(fe.forbidden(child(path, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));

  if (s.uniqueItems === true)
    out.push(fe.forbidden(child(path, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
  const props = isObject(s.properties) ? s.properties : {};
  if (s.additionalProperties !== undefined) {
    if (Object.keys(props).length && s.additionalProperties !== true)
      out.push(fe.forbidden(child(path, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
    const sub = w.insideResourceMeta
      ? { ...w, allowDefaults: false, defaultsReason: 'inside additionalProperties applying to object metadata' }
      : w;
    add(openApiErrors(subschema(s.additionalProperties), child(path, 'additionalProperties'), sub, false));
  }
  for (const [name, p] of Object.entries(props)) {
    let sub: Walk = w;
    if (s['x-kubernetes-map-type'] === 'atomic' && !sub.uncorrelatable) sub = { ...sub, uncorrelatable: path };
    if ((isRoot || s['x-kubernetes-embedded-resource']) && META_FIELDS.includes(name)) {
      sub = { ...sub, insideResourceMeta: true };
      if (isRoot) sub = { ...sub, allowDefaults: false, defaultsReason: `in top-level ${name}` };
    }
    add(openApiErrors(subschema(p), key(child(path, 'properties'), name), sub, false));
  }
  add(openApiErrors(subschema(s.not), child(path, 'not'), { ...w, cel: false }, false));
  for (const j of ['allOf', 'oneOf', 'anyOf'])
    list(s[j]).forEach((n, i) => add(openApiErrors(n, index(child(path, j), i), { ...w, cel: false }, false)));
  const items = subschema(s.items);
  if (items) {
    const sub = s['x-kubernetes-list-type'] !== 'map' && !w.uncorrelatable ? { ...w, uncorrelatable: path } : w;
    add(openApiErrors(items, child(path, 'items'), sub, false));
  }
  if (s['x-kubernetes-preserve-unknown-fields'] === false)
    out.push(fe.invalid(child(path, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  listAndMapTypes(s, path, out);
  rules(s, path, w, errs);
  return errs;
}

function listAndMapTypes(s: Props, path: string, out: Cause[]): void {
  const mapType = s['x-kubernetes-map-type'];
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const typeError = (what: string) => (s.type ? fe.invalid(child(path, 'type'), s.type, what) : fe.required(child(path, 'type'), what));
  if (mapType !== undefined && s.type !== 'object') out.push(typeError('must be object if x-kubernetes-map-type is specified'));
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular')
    out.push(fe.notSupported(child(path, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const items = subschema(s.items);
  if (listType !== undefined && s.type !== 'array') out.push(typeError('must be array if x-kubernetes-list-type is specified'));
  else if (listType === 'set' && items) {
    if (items.type === 'array' && items['x-kubernetes-list-type'] !== undefined && items['x-kubernetes-list-type'] !== 'atomic')
      out.push(
        fe.invalid(
          child(child(path, 'items'), 'x-kubernetes-list-type'),
          items['x-kubernetes-list-type'],
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
    if (items.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic')
      out.push(
        fe.invalid(
          child(child(path, 'items'), 'x-kubernetes-map-type'),
          listType,
          'must be atomic as item of a list with x-kubernetes-list-type=set',
        ),
      );
  }
  if (listType !== undefined && !['atomic', 'set', 'map'].includes(listType))
    out.push(fe.notSupported(child(path, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  if (keys.length) {
    if (listType === undefined)
      out.push(fe.required(child(path, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map')
      out.push(fe.invalid(child(path, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!keys.length)
      out.push(fe.required(child(path, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined) out.push(fe.required(child(path, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    else if (!items) out.push(fe.invalid(child(path, 'items'), s.items, 'must only have a single schema if x-kubernetes-list-type is map'));
    else if (items.type !== 'object')
      out.push(
        fe.invalid(child(child(path, 'items'), 'type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"),
      );
    else {
      const seen = new Set<string>();
      for (const k of keys) {
        const p = items.properties && Object.hasOwn(items.properties, k) ? items.properties[k] : undefined;
        if (!p) out.push(fe.invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'entries must all be names of item properties'));
        else if (p.type === 'array' || p.type === 'object')
          out.push(
            fe.invalid(
              child(key(child(child(path, 'items'), 'properties'), k), 'type'),
              items.type,
              "must be a scalar type if parent array's x-kubernetes-list-type is map",
            ),
          );
        if (seen.has(k)) out.push(fe.invalid(child(path, 'x-kubernetes-list-map-keys'), keys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  // upstream's validateMapListKeysMapSet
  if (items && (listType === 'set' || listType === 'map')) {
    if (items.nullable)
      out.push(fe.forbidden(child(child(path, 'items'), 'nullable'), `cannot be nullable when x-kubernetes-list-type is ${listType}`));
    if (listType === 'map') {
      const required = new Set(items.required ?? []);
      for (const k of keys) {
        const p = items.properties && Object.hasOwn(items.properties, k) ? items.properties[k] : undefined;
        if (!p) continue;
        const at = key(child(child(path, 'items'), 'properties'), k);
        if (!required.has(k) && p.default === undefined)
          out.push(
            fe.required(
              child(at, 'default'),
              'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property',
            ),
          );
        if (p.nullable)
          out.push(fe.forbidden(child(at, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
}

const hasNewlines = (s: string) => /[\n\r]/.test(s);

function rules(s: Props, path: string, w: Walk, errs: Errors): void {
  const rs = s['x-kubernetes-validations'];
  if (!Array.isArray(rs) || !rs.length) return;
  const at = (i: number, f: string) => child(index(child(path, 'x-kubernetes-validations'), i), f);
  rs.forEach((r: Record<string, unknown>, i: number) => {
    const rule = typeof r?.rule === 'string' ? r.rule.trim() : '';
    const message = typeof r?.message === 'string' ? r.message : '';
    if (!rule) errs.schema.push(fe.required(at(i, 'rule'), 'rule is not specified'));
    else if (message && !message.trim()) errs.schema.push(fe.invalid(at(i, 'message'), message, 'message must be non-empty if specified'));
    else if (hasNewlines(message.trim())) errs.schema.push(fe.invalid(at(i, 'message'), message, 'message must not contain line breaks'));
    else if (hasNewlines(rule) && !message.trim())
      errs.schema.push(fe.required(at(i, 'message'), 'message must be specified if rule contains line breaks'));
    if (typeof r?.messageExpression === 'string' && r.messageExpression && !r.messageExpression.trim())
      errs.schema.push(fe.required(at(i, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    if (r?.reason !== undefined && !REASONS.includes(r.reason as string))
      errs.schema.push(fe.notSupported(at(i, 'reason'), r.reason, REASONS));
    if (typeof r?.fieldPath === 'string' && r.fieldPath) {
      if (!r.fieldPath.trim()) errs.schema.push(fe.invalid(at(i, 'fieldPath'), r.fieldPath, 'fieldPath must be non-empty if specified'));
      if (hasNewlines(r.fieldPath)) errs.schema.push(fe.invalid(at(i, 'fieldPath'), r.fieldPath, 'fieldPath must not contain line breaks'));
    }
  });
  if (errs.schema.length || !w.cel) return;
  const { rules: compiled, errors } = compileRules(s);
  for (const e of errors) errs.cel.push(fe.invalid(at(e.index, e.field), rs[e.index], e.detail));
  for (const c of compiled) {
    const i = rs.indexOf(c.rule);
    if (c.usesOldSelf && w.uncorrelatable !== undefined)
      errs.cel.push(
        fe.invalid(
          at(i, 'rule'),
          c.rule.rule,
          `oldSelf cannot be used on the uncorrelatable portion of the schema within ${w.uncorrelatable}`,
        ),
      );
    else if (!c.usesOldSelf && c.rule.optionalOldSelf !== undefined)
      errs.cel.push(fe.invalid(at(i, 'optionalOldSelf'), c.rule.optionalOldSelf, 'may not be set if oldSelf is not used in rule'));
  }
}

/**
 * Every cause against one openAPIV3Schema (`path`: where its CustomResourceValidation is,
 * "spec.validation" or "spec.versions[i].schema"), in upstream's order.
 */
export function schemaErrors(schema: Props, path: string, statusEnabled: boolean): Cause[] {
  const at = child(path, 'openAPIV3Schema');
  const out: Cause[] = [];
  if (statusEnabled) {
    if (schema.type !== undefined && schema.type !== 'object')
      out.push(
        fe.invalid(
          child(at, 'type'),
          schema.type,
          'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
        ),
      );
    else if (Object.keys(schema).some((k) => isSet(schema[k]) && !ROOT_WITH_STATUS.some(([json]) => json === k)))
      out.push(
        fe.invalid(
          at,
          schema,
          `only [${ROOT_WITH_STATUS.map(([, go]) => go).join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`,
        ),
      );
  }
  if (schema.nullable === true) out.push(fe.forbidden(child(at, 'nullable'), 'nullable cannot be true at the root'));
  const structural = structuralErrors(schema, at);
  out.push(...structural);
  let cel = false;
  if (!structural.length) {
    const defaults: Cause[] = [];
    defaultErrors({ ...schema, 'x-kubernetes-embedded-resource': true }, at, false, defaults);
    out.push(...defaults);
    cel = !defaults.length;
  }
  const api = openApiErrors(schema, at, { allowDefaults: true, insideResourceMeta: false, cel }, true);
  out.push(...api.schema, ...api.cel);
  return out;
}

/**
 * The rules of a structural schema whose estimated cost is over upstream's limits (per expression, and for
 * the whole schema with its costliest expressions named). Checked on creates and on updates that change
 * the schema, as upstream, so a stored CRD stays updatable (finalizers, status) as it is.
 */
export function costErrors(schema: Props, path: string): Cause[] {
  const at = child(path, 'openAPIV3Schema');
  if (structuralErrors(schema, at).length) return [];
  const out: Cause[] = [];
  const total: TotalCost = { sum: 0, costliest: [] };
  costWalk(schema, at, 1, total, out);
  if (total.sum > STATIC_ESTIMATED_CRD_COST_LIMIT) {
    for (const { path: p } of total.costliest)
      out.push(fe.forbidden(p, 'contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema'));
    out.push(
      fe.forbidden(
        at,
        costErrorMessage(
          'x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema',
          total.sum,
          STATIC_ESTIMATED_CRD_COST_LIMIT,
        ),
      ),
    );
  }
  return out;
}

function costWalk(s: Props, path: string, cardinality: number, total: TotalCost, out: Cause[]): void {
  const at = (i: number, f: string) => child(index(child(path, 'x-kubernetes-validations'), i), f);
  for (const { index: i, rule, message } of estimatedCosts(s, cardinality)) {
    if (rule > STATIC_ESTIMATED_COST_LIMIT)
      out.push(fe.forbidden(at(i, 'rule'), costErrorMessage('estimated rule cost', rule, STATIC_ESTIMATED_COST_LIMIT)));
    observe(total, at(i, 'rule'), rule);
    if (message === undefined) continue;
    if (message > STATIC_ESTIMATED_COST_LIMIT)
      out.push(
        fe.forbidden(
          at(i, 'messageExpression'),
          costErrorMessage('estimated messageExpression cost', message, STATIC_ESTIMATED_COST_LIMIT),
        ),
      );
    observe(total, at(i, 'messageExpression'), message);
  }
  for (const [name, p] of Object.entries(isObject(s.properties) ? s.properties : {}))
    if (isObject(p)) costWalk(p, key(child(path, 'properties'), name), cardinality, total, out);
  const ap = subschema(s.additionalProperties);
  if (ap) costWalk(ap, child(path, 'additionalProperties'), below(s, ap, cardinality), total, out);
  const items = subschema(s.items);
  if (items) costWalk(items, child(path, 'items'), below(s, items, cardinality), total, out);
}
