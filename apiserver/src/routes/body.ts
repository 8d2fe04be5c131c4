// Request bodies and query options: JSON, YAML and protobuf bodies; DeleteOptions; dryRun;
// fieldValidation (Strict, Warn: the default, Ignore) against the kind's schema at the request's version.
/* eslint-disable @typescript-eslint/no-explicit-any */
import YAML from 'yaml';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, failure, statusFor } from '@minik8s/shared';
import { PATCH_CONTENT_TYPES, type PatchType } from '../registry/patch';
import { goValue, strictDecodingError, unknownFields } from '../registry/strict';
import { kindSchema } from '../registry/schemas';
import { fe, type Cause } from '../registry/fielderrors';
import type { DeleteOptions } from '../registry/registry';
import type { KindRegistry, ServedResource } from '../registry/kinds';
import type { SubresourceDef } from '../registry/strategy';
import { decodeProtobufBody } from '../protobuf';

export type Query = Record<string, string | string[] | undefined>;

/** A query parameter; the first of repeated ones, as Go's url.Values.Get and upstream's conversion read it. */
export function q1(q: Query, k: string): string | undefined {
  const v = q[k];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The deepest nesting of arrays and objects a body may have. Upstream's JSON decoder stops at 10000; the V8
 * default stack gives out near 2000 in the copies and comparisons a write makes, so the line is drawn here,
 * far above any Kubernetes object.
 */
export const MAX_DEPTH = 1000;

const depthError = () => bad(`the object provided is unrecognized or malformed: exceeded max depth of ${MAX_DEPTH}`);

/** The nesting depth of JSON text, without parsing it (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92)
        i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

/** The nesting depth of a decoded value, without recursion. */
export function valueDepth(v: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d > max) max = d;
    if (d > MAX_DEPTH) return d;
    for (const y of Array.isArray(x) ? x : Object.values(x)) stack.push([y, d + 1]);
  }
  return max;
}

export function mediaType(req: FastifyRequest): string {
  return String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

const bad = (m: string) => new ApiError(statusFor.badRequest(m));

/**
 * The body media types upstream accepts, and nothing else: a cross-site form or fetch without a
 * preflight (text/plain, form encodings, no Content-Type at all) never reaches a decoder (415).
 */
const JSON_TYPES = new Set([
  'application/json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
]);
const YAML_TYPES = new Set(['application/yaml', 'application/apply-patch+yaml']);

/**
 * The decoded body (undefined when empty). 400 for malformed JSON/YAML, 415 for unknown media types. `sub`:
 * the subresource the body is for, whose own protobuf decoder applies to a body of its kind.
 */
export function decodeBody(req: FastifyRequest, r: ServedResource, kinds: KindRegistry, sub?: SubresourceDef): unknown {
  const buf = req.body as Buffer | undefined;
  if (!buf || buf.length === 0) return undefined;
  const mt = mediaType(req);
  if (mt === 'application/vnd.kubernetes.protobuf') return decodeProtobufBody(buf, r, kinds, sub);
  if (JSON_TYPES.has(mt)) {
    const text = buf.toString('utf8');
    if (jsonDepth(text) > MAX_DEPTH) throw depthError();
    try {
      return JSON.parse(text);
    } catch (e) {
      throw bad(`the object provided is unrecognized or malformed: json parse error: ${(e as Error).message}`);
    }
  }
  if (YAML_TYPES.has(mt)) {
    let v: unknown;
    try {
      // the yaml library refuses alias bombs (maxAliasCount); deep flow collections fail its parse
      v = YAML.parse(buf.toString('utf8'));
    } catch (e) {
      throw bad(`the object provided is unrecognized or malformed: yaml parse error: ${(e as Error).message.split('\n')[0]}`);
    }
    if (valueDepth(v) > MAX_DEPTH) throw depthError();
    return v;
  }
  throw new ApiError(statusFor.unsupportedMediaType(mt || '(none)'));
}

/** Upstream's order of the patch types in its 415 answer. */
const PATCH_ORDER = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** The PATCH body's type; 415 for a media type that is none, or one the kind does not accept (as upstream's patch handler). */
export function patchTypeOf(req: FastifyRequest, accepted?: readonly PatchType[]): PatchType {
  const t = PATCH_CONTENT_TYPES[mediaType(req)];
  if (!t) throw new ApiError(statusFor.unsupportedMediaType(mediaType(req)));
  if (accepted && !accepted.includes(t)) {
    const types = PATCH_ORDER.filter((ct) => accepted.includes(PATCH_CONTENT_TYPES[ct]));
    throw new ApiError(
      failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${types.join(', ')}`,
      ),
    );
  }
  return t;
}

/** A body that must be an object of kind `kind` (apiVersion `apiVersion`) when those are set. */
export function expectObject(body: unknown, kind: string, apiVersion: string, version: string): Record<string, any> {
  if (body === undefined || body === null)
    throw bad(`${kind} in version "${version}" cannot be handled as a ${kind}: request body is empty`);
  if (typeof body !== 'object' || Array.isArray(body))
    throw bad(`${kind} in version "${version}" cannot be handled as a ${kind}: the object provided is not a JSON object`);
  const o = body as Record<string, any>;
  if (o.kind !== undefined && o.kind !== kind)
    throw bad(
      `${kind} in version "${version}" cannot be handled as a ${kind}: the kind in the data (${String(o.kind)}) does not match the expected kind (${kind})`,
    );
  if (o.apiVersion !== undefined && o.apiVersion !== apiVersion)
    throw bad(
      `${kind} in version "${version}" cannot be handled as a ${kind}: the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${apiVersion})`,
    );
  if (o.metadata !== undefined && (typeof o.metadata !== 'object' || o.metadata === null || Array.isArray(o.metadata)))
    throw bad(`${kind} in version "${version}" cannot be handled as a ${kind}: metadata must be an object`);
  return o;
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const FIELD_VALIDATIONS = ['', 'Ignore', 'Strict', 'Warn'];

/**
 * A write's fieldValidation: absent is Warn (as upstream's handlers); any other value than the three → 422,
 * worded as upstream's validation of Create/Update/PatchOptions.
 */
export function fieldValidation(q: Query, method: string): FieldValidation {
  const v = q1(q, 'fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Ignore' || v === 'Warn' || v === 'Strict') return v;
  const kind = method === 'PUT' ? 'UpdateOptions' : method === 'PATCH' ? 'PatchOptions' : 'CreateOptions';
  const cause = fe.notSupported('fieldValidation', v, FIELD_VALIDATIONS);
  throw new ApiError(
    failure(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${cause.message}`, {
      group: 'meta.k8s.io',
      kind,
      causes: [cause],
    }),
  );
}

/**
 * The unknown fields of a create or update body: Strict → 400 as upstream's strict decoder words it; else
 * they are dropped from `obj`, and returned as warnings (for `addWarnings`) with Warn.
 */
export function checkBodyFields(mode: FieldValidation, r: ServedResource, obj: unknown): string[] {
  const unknown = unknownFields(kindSchema(r), obj, mode !== 'Strict');
  if (unknown.length && mode === 'Strict')
    throw bad(`${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${strictDecodingError(unknown)}`);
  return mode === 'Warn' ? unknown.map(unknownWarning) : [];
}

/**
 * The unknown fields of a patched object. Strict → 422 as upstream's patch handler: the `patch` field is
 * invalid, shown as Go prints the decoded strategic merge patch, or as the patched JSON for the other types.
 * Else as checkBodyFields.
 */
export function checkPatchedFields(mode: FieldValidation, r: ServedResource, type: PatchType, patch: unknown, patched: unknown): string[] {
  const unknown = unknownFields(kindSchema(r), patched, mode !== 'Strict');
  if (unknown.length && mode === 'Strict') {
    const cause = fe.invalid('patch', type === 'strategic' ? goValue(patch) : JSON.stringify(patched), strictDecodingError(unknown));
    throw new ApiError(failure(422, 'Invalid', ` "" is invalid: patch: ${cause.message}`, { causes: [cause] }));
  }
  return mode === 'Warn' ? unknown.map(unknownWarning) : [];
}

const unknownWarning = (field: string) => `unknown field "${field}"`;

/** What one response's warnings may add up to (upstream also caps them). */
const WARNINGS_MAX_BYTES = 4096;

/**
 * `Warning: 299 - "<text>"` headers (RFC 7234, as upstream's warning recorder writes them; kubectl prints
 * each as `Warning: <text>`). The text goes out as UTF-8 bytes, as Go sends it.
 */
export function addWarnings(reply: FastifyReply, texts: readonly string[]): void {
  if (!texts.length) return;
  const values: string[] = [];
  let size = 0;
  for (const t of new Set(texts)) {
    // eslint-disable-next-line no-control-regex -- control characters cannot travel in a header value
    const v = `299 - "${t.replace(/["\\]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, ' ')}"`;
    size += v.length;
    if (size > WARNINGS_MAX_BYTES) break;
    values.push(Buffer.from(v, 'utf8').toString('latin1'));
  }
  if (values.length) reply.header('Warning', values.length === 1 ? values[0] : values);
}

export function isDryRun(q: Query): boolean {
  const v = q.dryRun;
  return dryRunValues(Array.isArray(v) ? v : v ? [v] : []);
}

function dryRunValues(vals: unknown[]): boolean {
  for (const x of vals) if (x !== 'All') throw bad(`unsupported dryRun value ${JSON.stringify(x)}: only "All" is supported`);
  return vals.length > 0;
}

/** A delete is a dry run when the query or the DeleteOptions body says so (client-go sends it in the body). */
export const isDryRunDelete = (queryDryRun: boolean, o: DeleteOptions) => queryDryRun || !!o.dryRun?.length;

function intParam(q: Query, k: string): number | undefined {
  const v = q1(q, k);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw bad(`invalid value for ${k}: ${JSON.stringify(v)}`);
  return Number(v);
}

/** DeleteOptions from the body (kubectl sends one) and the query string. */
export function deleteOptions(q: Query, body: unknown): DeleteOptions {
  const o: DeleteOptions = body && typeof body === 'object' && !Array.isArray(body) ? { ...(body as DeleteOptions) } : {};
  const g = intParam(q, 'gracePeriodSeconds');
  if (g !== undefined) o.gracePeriodSeconds = g;
  const p = q1(q, 'propagationPolicy');
  if (p) o.propagationPolicy = p;
  if (o.gracePeriodSeconds !== undefined && typeof o.gracePeriodSeconds !== 'number') throw bad('gracePeriodSeconds must be an integer');
  if (o.dryRun !== undefined && o.dryRun !== null) {
    if (!Array.isArray(o.dryRun)) throw bad('dryRun must be a list of strings');
    dryRunValues(o.dryRun);
  }
  if (o.propagationPolicy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(o.propagationPolicy))
    throw bad(`propagationPolicy: Unsupported value: "${o.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`);
  return o;
}

export function limitParam(q: Query): number | undefined {
  const v = intParam(q, 'limit');
  if (v !== undefined && v < 0) throw bad('limit must be >= 0');
  return v;
}

export function boolParam(q: Query, k: string): boolean {
  const v = q1(q, k);
  return v === 'true' || v === '1';
}

export function timeoutParam(q: Query): number | undefined {
  return intParam(q, 'timeoutSeconds');
}

type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/** 422 for invalid Create/Update/PatchOptions, worded as upstream's validation of them. */
function invalidOptions(kind: OptionsKind, causes: Cause[]): ApiError {
  const parts = causes.map((c) => `${c.field}: ${c.message}`);
  const body = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
  return new ApiError(failure(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${body}`, { group: 'meta.k8s.io', kind, causes }));
}

const FIELD_MANAGER_MAX_LENGTH = 128;
// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function fieldManagerCauses(m: string): Cause[] {
  const causes: Cause[] = [];
  if (Buffer.byteLength(m) > FIELD_MANAGER_MAX_LENGTH)
    causes.push({
      field: 'fieldManager',
      reason: 'FieldValueTooLong',
      message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
    });
  let pos = 0;
  for (const ch of m) {
    if (!PRINTABLE.test(ch))
      causes.push(
        fe.invalid(
          'fieldManager',
          m,
          `invalid character U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} (at position ${pos})`,
        ),
      );
    pos += Buffer.byteLength(ch);
  }
  return causes;
}

/**
 * The manager of a User-Agent (upstream's prefixFromUserAgent): what precedes the first "/", non-printable
 * characters dropped, cut to 128 bytes. `kube-controller-manager/v1.32.0 (linux/amd64) ...` → `kube-controller-manager`.
 */
export function prefixFromUserAgent(ua: string): string {
  let out = '';
  for (const ch of ua.split('/')[0]) {
    if (!PRINTABLE.test(ch)) continue;
    if (Buffer.byteLength(out + ch) > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
  }
  return out;
}

/**
 * Who makes a write, recorded in managedFields: the `fieldManager` parameter (validated as upstream), else
 * the User-Agent's prefix. An apply must name its manager (422); `force` belongs to applies only.
 */
export function writeManager(req: FastifyRequest, q: Query, kind: OptionsKind, apply = false): { manager: string; force: boolean } {
  const m = q1(q, 'fieldManager') ?? '';
  const causes = fieldManagerCauses(m);
  if (apply && !m) causes.unshift(fe.required('fieldManager', 'is required for apply patch'));
  const f = q1(q, 'force');
  if (f !== undefined && !apply && kind === 'PatchOptions') causes.push(fe.forbidden('force', 'may not be specified for non-apply patch'));
  if (causes.length) throw invalidOptions(kind, causes);
  let force = false;
  if (f !== undefined && f !== '') {
    if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(f))
      throw bad(`strconv.ParseBool: parsing ${JSON.stringify(f)}: invalid syntax`);
    force = /^(1|t|T|TRUE|true|True)$/.test(f);
  }
  return { manager: m || prefixFromUserAgent(String(req.headers['user-agent'] ?? '')), force };
}
