// A custom resource's values against its CustomResourceDefinition's schema, with the causes upstream
// reports: its kube-openapi validator (types, nullable, formats, enum, pattern, min/max, lengths, items,
// properties, required, allOf/anyOf/oneOf/not, worded "<name> in body must be ..." and mapped to field
// errors as upstream maps them), the uniqueness of x-kubernetes-list-type set and map lists, and the
// apiVersion/kind/metadata of x-kubernetes-embedded-resource objects.
import { RE2JS } from '@bufbuild/re2';
import { dns1035LabelErrors, fe, type Cause } from '../../../registry/fielderrors';
import { validateMeta } from '../../../registry/meta';
import { formatCheck } from './formats';
import { child, index, isObject, jsonType, key, type Props } from './paths';

const IN = 'body';

const patterns = new Map<string, RE2JS | Error>();

/** A compiled RE2 pattern (Go's regexp syntax, as upstream), or the error compiling it. */
export function compilePattern(p: string): RE2JS | Error {
  let c = patterns.get(p);
  if (!c) {
    try {
      c = RE2JS.compile(p);
    } catch (e) {
      c = e instanceof Error ? e : new Error(String(e));
    }
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(p, c);
  }
  return c;
}

/** A float64 as Go's %v prints it: shortest digits, in exponent form below 1e-4 and from 1e6 (strconv's 'g'). */
export function goFloat(v: number): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const [mant, expStr] = v.toExponential().split('e');
  const exp = Number(expStr);
  if (exp >= -4 && exp < 6) return String(v);
  return `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** Cause field: `prefix` (the validated value's own path) then the validator's name. */
const fieldOf = (prefix: string, name: string) => (name ? (prefix ? `${prefix}.${name}` : name) : prefix);

interface Ctx {
  prefix: string;
  out: Cause[];
}

const typeInvalid = (field: string, value: unknown, detail: string): Cause => ({ field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
const tooLong = (field: string, max: number): Cause => ({ field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes` });
const tooMany = (field: string, actual: number, max: number): Cause => ({ field, reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items` });

/** The types a value may have: `type`, or integer and string for x-kubernetes-int-or-string. */
function allowedTypes(s: Props): string[] {
  if (s['x-kubernetes-int-or-string']) return ['integer', 'string'];
  return s.type ? [s.type] : [];
}

function typeOk(types: string[], actual: string): boolean {
  return types.includes(actual) || (actual === 'integer' && types.includes('number'));
}

/**
 * Validate `value` against schema `s`; `name` is the value's path as kube-openapi names it ("spec.replicas",
 * "spec.items[0]"; "" at the root). Appends to ctx.out.
 */
function validate(s: Props, value: unknown, name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  const types = allowedTypes(s);
  if (value === null || value === undefined) {
    if (types.length && !s.nullable) ctx.out.push(typeInvalid(f, 'null', `${name} in ${IN} must be of type ${types.join(',')}: "null"`));
    else checkEnum(s, value, name, ctx);
    return;
  }
  const actual = jsonType(value);
  if (types.length && !typeOk(types, actual)) {
    ctx.out.push(typeInvalid(f, actual, `${name} in ${IN} must be of type ${types.join(',')}: "${actual}"`));
    return;
  }
  checkJunctors(s, value, name, ctx);
  if (typeof value === 'string') checkString(s, value, name, ctx);
  else if (typeof value === 'number') checkNumber(s, value, name, ctx);
  else if (Array.isArray(value)) checkArray(s, value, name, ctx);
  else checkObject(s, value as Record<string, unknown>, name, ctx);
  checkEnum(s, value, name, ctx);
}

function checkJunctors(s: Props, value: unknown, name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  const errorsOf = (sub: Props) => {
    const c: Ctx = { prefix: ctx.prefix, out: [] };
    validate(sub, value, name, c);
    return c.out;
  };
  const allOf = s.allOf as Props[] | undefined;
  for (const sub of allOf ?? []) ctx.out.push(...errorsOf(sub));
  const anyOf = s.anyOf as Props[] | undefined;
  if (anyOf?.length && !anyOf.some((sub) => !errorsOf(sub).length)) ctx.out.push(fe.invalid(f, value, `"${name}" must validate at least one schema (anyOf)`));
  const oneOf = s.oneOf as Props[] | undefined;
  if (oneOf?.length && oneOf.filter((sub) => !errorsOf(sub).length).length !== 1) ctx.out.push(fe.invalid(f, value, `"${name}" must validate one and only one schema (oneOf)`));
  const not = s.not as Props | undefined;
  if (not && !errorsOf(not).length) ctx.out.push(fe.invalid(f, value, `"${name}" must not validate the schema (not)`));
}

function checkString(s: Props, v: string, name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  const length = [...v].length;
  if (typeof s.maxLength === 'number' && length > s.maxLength) ctx.out.push(tooLong(f, s.maxLength));
  else if (typeof s.minLength === 'number' && length < s.minLength) ctx.out.push(fe.invalid(f, v, `${name} in ${IN} should be at least ${s.minLength} chars long`));
  else if (typeof s.pattern === 'string' && s.pattern) {
    const re = compilePattern(s.pattern);
    if (!(re instanceof Error) && !re.test(v)) ctx.out.push(fe.invalid(f, v, `${name} in ${IN} should match '${s.pattern}'`));
  }
  const check = s['x-kubernetes-int-or-string'] ? undefined : formatCheck(s.format);
  if (check && !check(v)) ctx.out.push(typeInvalid(f, v, `${name} in ${IN} must be of type ${s.format}: ${JSON.stringify(v)}`));
}

function checkNumber(s: Props, v: number, name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  const multipleOf = s.multipleOf as number | undefined;
  if (typeof multipleOf === 'number' && multipleOf > 0 && !Number.isInteger(v / multipleOf)) ctx.out.push(fe.invalid(f, v, `${name} in ${IN} should be a multiple of ${goFloat(multipleOf)}`));
  const max = s.maximum as number | undefined;
  if (typeof max === 'number' && (s.exclusiveMaximum ? v >= max : v > max))
    ctx.out.push(fe.invalid(f, v, `${name} in ${IN} should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${goFloat(max)}`));
  const min = s.minimum as number | undefined;
  if (typeof min === 'number' && (s.exclusiveMinimum ? v <= min : v < min))
    ctx.out.push(fe.invalid(f, v, `${name} in ${IN} should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${goFloat(min)}`));
}

function checkArray(s: Props, v: unknown[], name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  if (s.items && isObject(s.items)) for (let i = 0; i < v.length; i++) validate(s.items, v[i], index(name, i), ctx);
  if (typeof s.minItems === 'number' && v.length < s.minItems) ctx.out.push(fe.invalid(f, v.length, `${name} in ${IN} should have at least ${s.minItems} items`));
  if (typeof s.maxItems === 'number' && v.length > s.maxItems) ctx.out.push(tooMany(f, v.length, s.maxItems));
  if (s.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) ctx.out.push(fe.invalid(f, '', `${name} in ${IN} shouldn't contain duplicates`));
}

function checkObject(s: Props, v: Record<string, unknown>, name: string, ctx: Ctx): void {
  const f = fieldOf(ctx.prefix, name);
  const count = Object.keys(v).length;
  if (typeof s.minProperties === 'number' && count < s.minProperties) ctx.out.push(fe.invalid(f, count, `${name} in ${IN} should have at least ${s.minProperties} properties`));
  if (typeof s.maxProperties === 'number' && count > s.maxProperties) ctx.out.push(tooMany(f, count, s.maxProperties));
  const props = s.properties ?? {};
  const extra = isObject(s.additionalProperties) ? (s.additionalProperties as Props) : undefined;
  for (const k of Object.keys(v)) {
    if (Object.hasOwn(props, k)) validate(props[k], v[k], child(name, k), ctx);
    else if (extra) validate(extra, v[k], child(name, k), ctx);
  }
  for (const k of s.required ?? []) if (!Object.hasOwn(v, k)) ctx.out.push(fe.required(fieldOf(ctx.prefix, child(name, k))));
}

function checkEnum(s: Props, v: unknown, name: string, ctx: Ctx): void {
  const values = s.enum as unknown[] | undefined;
  if (!Array.isArray(values) || !values.length) return;
  const json = JSON.stringify(v ?? null);
  if (values.some((e) => JSON.stringify(e) === json)) return;
  ctx.out.push(fe.notSupported(fieldOf(ctx.prefix, name), v ?? null, values.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
}

/**
 * The schema causes of a value: kube-openapi's checks, then list-type uniqueness and embedded resources.
 * `prefix`: the value's field path in the object ("" for a whole custom resource, "status" for its status).
 */
export function validateValue(schema: Props, value: unknown, prefix = ''): Cause[] {
  const ctx: Ctx = { prefix, out: [] };
  validate(schema, value, '', ctx);
  listsAndEmbedded(schema, value, prefix, ctx.out, !prefix);
  return ctx.out;
}

/** Upstream's ValidateListSetsAndMaps and the objectmeta validation of embedded resources. */
function listsAndEmbedded(s: Props, v: unknown, path: string, out: Cause[], root: boolean): void {
  if (Array.isArray(v)) {
    const listType = s['x-kubernetes-list-type'];
    if (listType === 'set') for (const i of duplicates(v)) out.push(fe.duplicate(index(path, i), v[i]));
    if (listType === 'map') listMap(s, v, path, out);
    if (isObject(s.items)) for (let i = 0; i < v.length; i++) listsAndEmbedded(s.items, v[i], index(path, i), out, false);
    return;
  }
  if (!isObject(v)) return;
  if (s['x-kubernetes-embedded-resource'] && !root) embeddedResource(v, path, out);
  const props = s.properties ?? {};
  for (const k of Object.keys(v)) {
    if (Object.hasOwn(props, k)) listsAndEmbedded(props[k], v[k], child(path, k), out, false);
    else if (isObject(s.additionalProperties)) listsAndEmbedded(s.additionalProperties as Props, v[k], key(path, k), out, false);
  }
}

/** Indices of the values seen before (each duplicated value reported once, at its second occurrence). */
function duplicates(values: unknown[]): number[] {
  const seen = new Map<string, number>();
  const out: number[] = [];
  values.forEach((x, i) => {
    const k = x === undefined ? '\u0000unset' : JSON.stringify(x);
    const n = seen.get(k) ?? 0;
    if (n === 1) out.push(i);
    seen.set(k, n + 1);
  });
  return out;
}

function listMap(s: Props, v: unknown[], path: string, out: Cause[]): void {
  const bad = v.findIndex((x) => x !== null && !isObject(x));
  if (bad >= 0) {
    out.push(fe.invalid(index(path, bad), v[bad], 'must be an object for an array of list-type map'));
    return;
  }
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  const keyOf = (x: unknown) => {
    const k: Record<string, unknown> = {};
    if (isObject(x)) for (const name of keys) if (Object.hasOwn(x, name)) k[name] = x[name];
    return k;
  };
  const ids = v.map(keyOf);
  for (const i of duplicates(ids)) out.push(fe.duplicate(index(path, i), ids[i]));
}

function embeddedResource(v: Record<string, unknown>, path: string, out: Cause[]): void {
  if (!Object.hasOwn(v, 'apiVersion')) out.push(fe.required(child(path, 'apiVersion'), 'must not be empty'));
  if (!Object.hasOwn(v, 'kind')) out.push(fe.required(child(path, 'kind'), 'must not be empty'));
  const { apiVersion, kind, metadata } = v;
  if (apiVersion !== undefined) {
    if (typeof apiVersion !== 'string') out.push(fe.invalid(child(path, 'apiVersion'), apiVersion, 'must be a string'));
    else if (!apiVersion) out.push(fe.invalid(child(path, 'apiVersion'), apiVersion, 'must not be empty'));
    else if (apiVersion.split('/').length > 2) out.push(fe.invalid(child(path, 'apiVersion'), apiVersion, `unexpected GroupVersion string: ${apiVersion}`));
  }
  if (kind !== undefined) {
    if (typeof kind !== 'string') out.push(fe.invalid(child(path, 'kind'), kind, 'must be a string'));
    else if (!kind) out.push(fe.invalid(child(path, 'kind'), kind, 'must not be empty'));
    else {
      const errs = dns1035LabelErrors(kind.toLowerCase());
      if (errs.length) out.push(fe.invalid(child(path, 'kind'), kind, `may have mixed case, but should otherwise match: ${errs.join(',')}`));
    }
  }
  if (metadata !== undefined) {
    if (!isObject(metadata)) out.push(fe.invalid(child(path, 'metadata'), metadata, 'must be an object'));
    else {
      const meta: Record<string, unknown> = { ...metadata, name: metadata.name || 'fakename' };
      const namespaced = typeof meta.namespace === 'string' && meta.namespace !== '';
      for (const c of validateMeta({ namespaced, nameRule: null }, meta)) out.push({ ...c, field: `${child(path, 'metadata')}${c.field.slice('metadata'.length)}` });
    }
  }
}
