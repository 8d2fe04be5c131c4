// The paths of a kind upstream's document does not have (one registered at run time with its own
// schema), shaped as upstream publishes a resource's paths: the collection (list, create,
// deletecollection), the object (read, replace, patch, delete), the list across namespaces, and the status
// and scale subresources; each operation with its x-kubernetes-action and -group-version-kind. The query
// parameters are upstream's own (refs into the document's `parameters`, or copies of inline ones).
import { definitionRef } from '@minik8s/shared/openapi';
import type { ServedResource } from '../registry/kinds';
import { PATCH_CONTENT_TYPES } from '../registry/patch';
import { subVerbs } from '../discovery/documents';
import type { Json, SwaggerDocument } from './upstream';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const SCALE = { group: 'autoscaling', kind: 'Scale', version: 'v1' };
const PRODUCES = ['application/json', 'application/yaml'];
const WATCH_PRODUCES = [...PRODUCES, 'application/json;stream=watch'];
const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** The PATCH media types a kind accepts (kubectl's apply computes a strategic merge patch only when they include it). */
const patchTypesOf = (r: ServedResource) =>
  r.strategy.patchTypes ? PATCH_TYPES.filter((t) => r.strategy.patchTypes!.includes(PATCH_CONTENT_TYPES[t])) : PATCH_TYPES;

/** Upstream's parameter of this name: a ref into `parameters`, else a copy of its first inline occurrence. */
function parameterFinder(doc: SwaggerDocument): (name: string, pick?: (p: Json) => boolean) => Json {
  const inline = new Map<string, Json>();
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      for (const p of (op as Json).parameters ?? []) if (p.name && !p.$ref && !inline.has(p.name)) inline.set(p.name, p);
    }
  }
  return (name, pick = () => true) => {
    const key = Object.keys(doc.parameters).find((k) => doc.parameters[k].name === name && pick(doc.parameters[k]));
    if (key) return { $ref: `#/parameters/${key}` };
    const p = inline.get(name);
    if (!p) throw new Error(`the OpenAPI document has no parameter "${name}"`);
    return p;
  };
}

const LIST_PARAMS = [
  'allowWatchBookmarks',
  'continue',
  'fieldSelector',
  'labelSelector',
  'limit',
  'resourceVersion',
  'resourceVersionMatch',
  'sendInitialEvents',
  'timeoutSeconds',
  'watch',
];
const DELETE_PARAMS = [
  'dryRun',
  'gracePeriodSeconds',
  'ignoreStoreReadErrorWithClusterBreakingPotential',
  'orphanDependents',
  'propagationPolicy',
];

/** Group and version as upstream spells them in operation ids and tags: "stable.example.com", "v1" → "StableExampleComV1", "stableExampleCom_v1". */
function groupWords(group: string, version: string): { id: string; tag: string } {
  const g = group
    ? group
        .replace(/\.k8s\.io$/, '')
        .split(/[.-]/)
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join('')
    : 'Core';
  return { id: g + version.charAt(0).toUpperCase() + version.slice(1), tag: `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}` };
}

export function generatedPaths(doc: SwaggerDocument, r: ServedResource, definition: string): Record<string, Json> {
  const param = parameterFinder(doc);
  const words = groupWords(r.group, r.version);
  const gvk = { group: r.group, kind: r.kind, version: r.version };
  const ref = (name: string) => ({ $ref: definitionRef(name) });
  const ns = r.namespaced ? 'Namespaced' : '';
  /** `verb` + group-version + Namespaced + `rest`, as upstream's operation ids. */
  const id = (verb: string, rest: string) => `${verb}${words.id}${ns}${rest}`;
  const op = (action: string, operationId: string, description: string, o: Json): Json => ({
    consumes: ['*/*'],
    description,
    operationId,
    produces: PRODUCES,
    schemes: ['https'],
    tags: [words.tag],
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': gvk,
    ...o,
  });
  const ok = (schema: Json, codes: string[] = ['200']) => ({
    responses: {
      ...Object.fromEntries(codes.map((c) => [c, { description: { '200': 'OK', '201': 'Created', '202': 'Accepted' }[c], schema }])),
      '401': { description: 'Unauthorized' },
    },
  });
  const body = (schema: Json) => ({ in: 'body', name: 'body', required: true, schema });
  const writeParams = (patch: boolean) => [
    param('dryRun'),
    param('fieldManager', (p) => /apply/.test(String(p.description)) === patch),
    param('fieldValidation'),
    ...(patch ? [param('force')] : []),
  ];
  const patchOp = (id: string, description: string, schema: Json, extra: Json = {}) =>
    op('patch', id, description, {
      consumes: patchTypesOf(r),
      parameters: [param('body', (p) => p.schema?.$ref === ref(`${META}.Patch`).$ref), ...writeParams(true)],
      ...ok(schema, ['200', '201']),
      ...extra,
    });
  const putOp = (id: string, description: string, schema: Json, extra: Json = {}) =>
    op('put', id, description, { parameters: [body(schema), ...writeParams(false)], ...ok(schema, ['200', '201']), ...extra });

  const deleteBody = param('body', (p) => p.schema?.$ref === ref(`${META}.DeleteOptions`).$ref);
  const nsParam = r.namespaced ? [param('namespace')] : [];
  const nameParam = (kind: string) => ({
    description: `name of the ${kind}`,
    in: 'path',
    name: 'name',
    required: true,
    type: 'string',
    uniqueItems: true,
  });
  const prefix = `${r.group ? `/apis/${r.group}` : '/api'}/${r.version}`;
  const collection = `${prefix}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}`;
  const self = ref(definition);
  const list = ref(`${definition}List`);

  const ops: [path: string, method: string, verb: string, operation: Json][] = [
    [
      collection,
      'get',
      'list',
      op('list', id('list', r.kind), `list or watch objects of kind ${r.kind}`, {
        parameters: LIST_PARAMS.map((n) => param(n)),
        produces: WATCH_PRODUCES,
        ...ok(list),
      }),
    ],
    [
      collection,
      'post',
      'create',
      op('post', id('create', r.kind), `create a ${r.kind}`, {
        parameters: [body(self), ...writeParams(false)],
        ...ok(self, ['200', '201', '202']),
      }),
    ],
    [
      collection,
      'delete',
      'deletecollection',
      op('deletecollection', `delete${words.id}Collection${ns}${r.kind}`, `delete collection of ${r.kind}`, {
        parameters: [
          deleteBody,
          // a collection delete takes the list options but not watching
          ...[...LIST_PARAMS.filter((n) => n !== 'allowWatchBookmarks' && n !== 'watch'), ...DELETE_PARAMS].sort().map((n) => param(n)),
        ],
        ...ok(ref(`${META}.Status`)),
      }),
    ],
    [`${collection}/{name}`, 'get', 'get', op('get', id('read', r.kind), `read the specified ${r.kind}`, ok(self))],
    [`${collection}/{name}`, 'put', 'update', putOp(id('replace', r.kind), `replace the specified ${r.kind}`, self)],
    [`${collection}/{name}`, 'patch', 'patch', patchOp(id('patch', r.kind), `partially update the specified ${r.kind}`, self)],
    [
      `${collection}/{name}`,
      'delete',
      'delete',
      op('delete', id('delete', r.kind), `delete a ${r.kind}`, {
        parameters: [deleteBody, ...DELETE_PARAMS.map((n) => param(n))],
        ...ok(ref(`${META}.Status`), ['200', '202']),
      }),
    ],
  ];
  if (r.namespaced)
    ops.push([
      `${prefix}/${r.resource}`,
      'get',
      'list',
      op('list', `list${words.id}${r.kind}ForAllNamespaces`, `list or watch objects of kind ${r.kind}`, {
        produces: WATCH_PRODUCES,
        ...ok(list),
      }),
    ]);
  const subs: Record<string, { schema: Json; gvk: Json }> = {
    status: { schema: self, gvk },
    scale: { schema: ref('io.k8s.api.autoscaling.v1.Scale'), gvk: SCALE },
  };
  for (const [sub, { schema, gvk: subGvk }] of Object.entries(subs)) {
    if (!r.subresources.includes(sub)) continue;
    const verbs = subVerbs(r, sub);
    const Sub = sub.charAt(0).toUpperCase() + sub.slice(1);
    const path = `${collection}/{name}/${sub}`;
    const extra = { 'x-kubernetes-group-version-kind': subGvk };
    if (verbs.includes('get'))
      ops.push([
        path,
        'get',
        'get',
        op('get', id('read', r.kind + Sub), `read ${sub} of the specified ${r.kind}`, { ...ok(schema), ...extra }),
      ]);
    if (verbs.includes('update'))
      ops.push([path, 'put', 'update', putOp(id('replace', r.kind + Sub), `replace ${sub} of the specified ${r.kind}`, schema, extra)]);
    if (verbs.includes('patch'))
      ops.push([
        path,
        'patch',
        'patch',
        patchOp(id('patch', r.kind + Sub), `partially update ${sub} of the specified ${r.kind}`, schema, extra),
      ]);
  }

  const out: Record<string, Json> = {};
  for (const [path, method, verb, operation] of ops) {
    const isSub = /\/\{name\}\/(status|scale)$/.exec(path);
    if (!isSub && !r.verbs.includes(verb)) continue;
    if (!out[path]) {
      const named = path.includes('{name}') ? [nameParam(isSub?.[1] === 'scale' ? 'Scale' : r.kind)] : [];
      const listAll = !path.startsWith(collection) ? LIST_PARAMS.map((n) => param(n)) : [];
      out[path] = { parameters: [...named, ...(path.startsWith(collection) ? nsParam : []), param('pretty'), ...listAll] };
    }
    out[path][method] = operation;
  }
  return out;
}
