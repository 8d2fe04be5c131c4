// /openapi/v2: upstream's document cut down to what this apiserver serves. A built-in kind keeps
// upstream's paths for its resource (the operations of the verbs and subresources served), a kind that
// brings its own schema (registered at run time) gets paths made as upstream makes them (paths.ts); the
// definitions are those the paths reach, upstream's or the kinds' own.
import { definitionRef, refName, type Schema } from '@minik8s/shared/openapi';
import type { ServedResource } from '../registry/kinds';
import { kindDefinition } from '../registry/schemas';
import { subVerbs } from '../discovery/documents';
import type { Json, SwaggerDocument } from './upstream';
import { generatedPaths } from './paths';

const ACTION_VERBS: Record<string, string> = {
  get: 'get',
  list: 'list',
  post: 'create',
  put: 'update',
  patch: 'patch',
  delete: 'delete',
  deletecollection: 'deletecollection',
  watch: 'watch',
  watchlist: 'watch',
};
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'];

/** What an API path addresses: /api[s]/<gv>/[watch/][namespaces/{namespace}/]<resource>[/{name}[/<sub>...]]. */
interface ApiPath {
  group: string;
  version: string;
  resource: string;
  sub?: string;
}

function apiPath(path: string): ApiPath | undefined {
  const segs = path.split('/').filter(Boolean);
  let [group, version, rest] = ['', '', [] as string[]];
  if (segs[0] === 'api' && segs.length >= 3) [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis' && segs.length >= 4) [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  if (rest[0] === 'watch') rest = rest.slice(1);
  if (rest[0] === 'namespaces' && rest[1] === '{namespace}' && rest.length >= 3) rest = rest.slice(2);
  return { group, version, resource: rest[0], sub: rest[2] };
}

/** A path item with only the operations `r` serves (undefined when none is left). */
function servedOperations(item: Json, r: ServedResource, sub: string | undefined): Json | undefined {
  if (sub !== undefined && !r.subresources.includes(sub)) return undefined;
  const verbs = sub === undefined ? r.verbs : subVerbs(r, sub);
  const out: Json = {};
  let ops = 0;
  for (const [k, v] of Object.entries(item)) {
    if (!METHODS.includes(k)) out[k] = v;
    else if (v['x-kubernetes-action'] === 'connect' || verbs.includes(ACTION_VERBS[v['x-kubernetes-action']])) {
      out[k] = v;
      ops++;
    }
  }
  return ops ? out : undefined;
}

/** Upstream's paths by "group/version/resource", each with the subresource it addresses. */
type PathIndex = Map<string, { path: string; sub?: string }[]>;

function indexPaths(doc: SwaggerDocument): PathIndex {
  const index: PathIndex = new Map();
  for (const path of Object.keys(doc.paths)) {
    const p = apiPath(path);
    if (!p) continue;
    const key = `${p.group}/${p.version}/${p.resource}`;
    if (!index.has(key)) index.set(key, []);
    index.get(key)!.push({ path, sub: p.sub });
  }
  return index;
}

const apiPrefix = (group: string, version: string) => (group ? `/apis/${group}/${version}` : `/api/${version}`);

// --- definitions ----------------------------------------------------------------------------------

const gvkOf = (r: ServedResource, kind = r.kind) => ({ group: r.group, kind, version: r.version });

/** The definitions a kind adds: its own (its GVK set), a made-up list definition when it has none. */
function ownDefinitions(r: ServedResource, name: string, own: Readonly<Record<string, Schema>>): Record<string, Schema> {
  const out: Record<string, Schema> = { ...own };
  const def = own[name] ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
  out[name] = def['x-kubernetes-group-version-kind'] ? def : { ...def, 'x-kubernetes-group-version-kind': [gvkOf(r)] };
  out[`${name}List`] ??= {
    description: `${r.kind}List is a list of ${r.kind}`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      items: { type: 'array', description: `List of ${r.resource}.`, items: { $ref: definitionRef(name) } },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { $ref: definitionRef('io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta'), description: 'Standard list metadata.' },
    },
    'x-kubernetes-group-version-kind': [gvkOf(r, `${r.kind}List`)],
  };
  return out;
}

/** The name upstream gives a kind without a published schema: reversed group, version, kind. */
const madeUpName = (r: ServedResource) => [...r.group.split('.').reverse(), r.version, r.kind].filter(Boolean).join('.');

/** Every "#/definitions/…" and "#/parameters/…" reference in a JSON value. */
function collectRefs(value: unknown, defs: Set<string>, params: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collectRefs(v, defs, params);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') {
        if (v.startsWith('#/parameters/')) params.add(v.slice('#/parameters/'.length));
        else defs.add(refName(v));
      } else collectRefs(v, defs, params);
    }
  }
}

const sorted = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));

/** The v2 document of the served kinds (hidden ones left out), from upstream's document. */
export function servedV2Document(doc: SwaggerDocument, resources: readonly ServedResource[]): SwaggerDocument {
  const index = indexPaths(doc);
  const paths: Record<string, Json> = { '/api/': doc.paths['/api/'], '/apis/': doc.paths['/apis/'], '/version/': doc.paths['/version/'] };
  const extra: Record<string, Schema> = {};
  for (const r of resources) {
    const prefix = apiPrefix(r.group, r.version);
    const discovery = doc.paths[`${prefix}/`];
    if (discovery) paths[`${prefix}/`] = discovery;
    if (r.group && doc.paths[`/apis/${r.group}/`]) paths[`/apis/${r.group}/`] = doc.paths[`/apis/${r.group}/`];
    const d = kindDefinition(r);
    const upstreamPaths = !r.openapi ? index.get(`${r.group}/${r.version}/${r.resource}`) : undefined;
    if (upstreamPaths) {
      for (const { path, sub } of upstreamPaths) {
        const item = servedOperations(doc.paths[path], r, sub);
        if (item) paths[path] = item;
      }
      continue;
    }
    const name = d?.name ?? madeUpName(r);
    if (!d || d.own) Object.assign(extra, ownDefinitions(r, name, d?.own ?? {}));
    Object.assign(paths, generatedPaths(doc, r, name));
  }
  const defNames = new Set<string>();
  const paramNames = new Set<string>();
  collectRefs(paths, defNames, paramNames);
  for (const p of paramNames) collectRefs(doc.parameters[p], defNames, paramNames);
  for (const name of Object.keys(extra)) defNames.add(name);
  const definitions: Record<string, Schema> = {};
  const pending = [...defNames];
  while (pending.length) {
    const name = pending.pop()!;
    if (definitions[name]) continue;
    const s = Object.hasOwn(extra, name) ? extra[name] : doc.definitions[name];
    if (!s) continue;
    definitions[name] = s;
    const more = new Set<string>();
    collectRefs(s, more, paramNames);
    pending.push(...[...more].filter((m) => !definitions[m]));
  }
  return {
    definitions: sorted(definitions),
    info: doc.info,
    parameters: sorted(Object.fromEntries([...paramNames].filter((p) => doc.parameters[p]).map((p) => [p, doc.parameters[p]]))),
    paths: sorted(paths),
    security: doc.security,
    securityDefinitions: doc.securityDefinitions,
    swagger: doc.swagger,
  };
}
