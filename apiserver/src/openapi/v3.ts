// /openapi/v3: one OpenAPI 3.0 document per group-version (and for /api, /apis, /apis/<group>, /version),
// derived from the served v2 document as upstream's kube-openapi converts v2 to v3: definitions become
// `components.schemas` (only those the group-version's paths reach), `$ref`s point there and are wrapped in
// `allOf` when they have siblings, body parameters become request bodies per consumed media type,
// responses get content per produced media type, parameter references are resolved in place.
import type { Json, SwaggerDocument } from './upstream';

const V2_DEFS = '#/definitions/';
const V3_SCHEMAS = '#/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** The /openapi/v3 key of a path: "api/v1", "apis/apps/v1", "apis/apps", "apis", "api", "version". */
export function v3Key(path: string): string {
  const segs = path.split('/').filter(Boolean);
  return segs.slice(0, segs[0] === 'apis' ? 3 : 2).join('/');
}

/** A v2 schema as v3: refs into components.schemas, a ref with siblings wrapped in allOf (kube-openapi's WrapRefs). */
export function convertSchema(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref') out.$ref = String(v).replace(V2_DEFS, V3_SCHEMAS);
    else if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Json).map(([p, ps]) => [p, convertSchema(ps)]));
    else if ((k === 'items' || k === 'additionalProperties') && v && typeof v === 'object') out[k] = convertSchema(v);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as Json[]).map(convertSchema);
    else out[k] = v;
  }
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...rest } = out;
    return { ...rest, allOf: [{ $ref }] };
  }
  return out;
}

function convertParameter(p: Json): Json {
  const { type, format, uniqueItems, items, default: dflt, enum: values, collectionFormat: _cf, schema, ...rest } = p;
  const s: Json = schema ? convertSchema(schema) : { type, ...(format ? { format } : {}), ...(items ? { items } : {}), ...(uniqueItems ? { uniqueItems } : {}), ...(dflt !== undefined ? { default: dflt } : {}), ...(values ? { enum: values } : {}) };
  return { ...rest, schema: s };
}

function convertResponse(r: Json, produces: string[] | undefined): Json {
  const { schema, ...rest } = r;
  if (!schema || !produces) return rest;
  return { ...rest, content: Object.fromEntries(produces.map((t) => [t, { schema: convertSchema(schema) }])) };
}

function convertOperation(op: Json, resolve: (p: Json) => Json): Json {
  const { parameters, consumes, produces, responses, schemes: _schemes, ...rest } = op;
  const out: Json = { ...rest };
  const params: Json[] = [];
  for (const raw of parameters ?? []) {
    const p = resolve(raw);
    if (p.in === 'body') {
      out.requestBody = { content: Object.fromEntries((consumes ?? []).map((t: string) => [t, { schema: convertSchema(p.schema ?? {}) }])), ...(p.required ? { required: true } : {}) };
    } else params.push(convertParameter(p));
  }
  if (params.length) out.parameters = params;
  out.responses = Object.fromEntries(Object.entries(responses ?? {}).map(([code, r]) => [code, convertResponse(r as Json, produces)]));
  return out;
}

function convertPathItem(item: Json, resolve: (p: Json) => Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(item)) {
    if (METHODS.includes(k)) out[k] = convertOperation(v, resolve);
    else if (k === 'parameters') out.parameters = (v as Json[]).map((p) => convertParameter(resolve(p)));
    else out[k] = v;
  }
  return out;
}

function refsIn(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(V3_SCHEMAS)) out.add(v.slice(V3_SCHEMAS.length));
      else refsIn(v, out);
    }
  }
}

/** The v3 documents of a v2 document, by /openapi/v3 key, in path order. */
export function v3Documents(v2: SwaggerDocument): Map<string, Json> {
  const resolve = (p: Json): Json => (typeof p.$ref === 'string' && p.$ref.startsWith('#/parameters/') ? v2.parameters[p.$ref.slice('#/parameters/'.length)] : p);
  const byKey = new Map<string, Record<string, Json>>();
  for (const [path, item] of Object.entries(v2.paths)) {
    const key = v3Key(path);
    if (!byKey.has(key)) byKey.set(key, {});
    byKey.get(key)![path] = convertPathItem(item, resolve);
  }
  const schemas = new Map<string, Json>();
  const schemaOf = (name: string) => {
    let s = schemas.get(name);
    if (!s && v2.definitions[name]) schemas.set(name, (s = convertSchema(v2.definitions[name] as Json)));
    return s;
  };
  const securitySchemes = v2.securityDefinitions ? Object.fromEntries(Object.entries(v2.securityDefinitions).map(([k, v]) => [k, securityScheme(v)])) : undefined;
  const docs = new Map<string, Json>();
  for (const [key, paths] of byKey) {
    const names = new Set<string>();
    refsIn(paths, names);
    const components: Record<string, Json> = {};
    const pending = [...names];
    while (pending.length) {
      const name = pending.pop()!;
      const s = components[name] ? undefined : schemaOf(name);
      if (!s) continue;
      components[name] = s;
      const more = new Set<string>();
      refsIn(s, more);
      for (const m of more) if (!components[m]) pending.push(m);
    }
    const schemasSorted = Object.fromEntries(Object.keys(components).sort().map((k) => [k, components[k]]));
    docs.set(key, { openapi: '3.0.0', info: v2.info, paths, components: { schemas: schemasSorted, ...(securitySchemes ? { securitySchemes } : {}) } });
  }
  return docs;
}

function securityScheme(v: Json): Json {
  const { type, description, name, in: where } = v;
  return { type, ...(description ? { description } : {}), ...(name ? { name } : {}), ...(where ? { in: where } : {}) };
}
