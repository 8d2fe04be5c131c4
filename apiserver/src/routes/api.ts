// The REST handlers for every served kind: /api/v1/... and /apis/<group>/<version>/..., one catch-all
// route per prefix, the path resolved against the kinds registered at the time of the request (routes
// registered by other modules, such as discovery or the exec/log proxy, take precedence). Bodies arrive at the
// request's version and are converted to the storage version here; answers are converted back.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, statusFor, type KubeList, type KubeObject } from '@minik8s/shared';
import type { Registry } from '../registry/registry';
import type { PatchType } from '../registry/patch';
import { withKind } from '../registry/registry';
import type { KindRegistry, ServedResource } from '../registry/kinds';
import { methodNotAllowed, type HandlerRequest, type HandlerResult } from '../registry/strategy';
import { toServed, toStorage } from '../registry/convert';
import { maybeTable } from '../tables';
import {
  addWarnings,
  checkBodyFields,
  checkPatchedFields,
  decodeBody,
  deleteOptions,
  expectObject,
  fieldValidation,
  isDryRun,
  limitParam,
  patchTypeOf,
  q1,
  boolParam,
  writeManager,
  type Query,
} from './body';
import { serveWatch, type WatchDeps } from './watch';
import { jsonOf } from '../storage/watchcache';
import { authOf } from '../auth/filter';

export interface ApiDeps {
  registry: Registry;
  watch: Omit<WatchDeps, 'cache'>;
}

export interface ParsedPath {
  r: ServedResource;
  namespace?: string;
  name?: string;
  sub?: string;
}

/** Parse an API path into the served kind / namespace / name / subresource; undefined → 404. */
export function parseApiPath(kinds: KindRegistry, path: string): ParsedPath | undefined {
  let segs: string[];
  try {
    const q = path.indexOf('?');
    segs = (q < 0 ? path : path.slice(0, q)).split('/').filter(Boolean);
    if (path.includes('%')) segs = segs.map(decodeURIComponent);
  } catch {
    return undefined;
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api') [group, version, rest] = ['', segs[1], segs.slice(2)];
  else if (segs[0] === 'apis') [group, version, rest] = [segs[1], segs[2], segs.slice(3)];
  else return undefined;
  if (!rest.length || !kinds.servesGroupVersion(group, version)) return undefined;
  let namespace: string | undefined;
  // /namespaces/{namespace}/{resource}/... is how every namespaced kind is addressed
  if (rest[0] === 'namespaces' && rest.length >= 3 && kinds.lookup(group, version, rest[2])?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length > 3) return undefined;
  const r = kinds.lookup(group, version, rest[0]);
  if (!r) return undefined;
  const [, name, sub] = rest;
  if (r.namespaced && name !== undefined && namespace === undefined) return undefined;
  if (!r.namespaced && namespace !== undefined) return undefined;
  if (sub !== undefined && !r.subresources.includes(sub)) return undefined;
  if (name === '') return undefined;
  return { r, namespace, name, sub };
}

/** The verb of a request, as upstream names it in metrics and authorization. */
export function verbOf(method: string, p: ParsedPath, q: Query): string {
  // subresources that are not views of the object (binding, eviction, log, exec, ...) are gets or creates
  if (p.sub && p.sub !== 'status' && !p.r.strategy.subresources?.[p.sub]?.verbs.includes('update'))
    return method === 'GET' ? 'get' : 'create';
  switch (method) {
    case 'GET':
      return p.name ? 'get' : boolParam(q, 'watch') ? 'watch' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return p.name ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

export function registerApiRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const handler = (req: FastifyRequest, reply: FastifyReply) => handle(req, reply, deps);
  const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  app.route({ method: methods, url: '/api/*', handler });
  app.route({ method: methods, url: '/apis/*', handler });
}

const TABLE = /as=Table/;

/** Send stored object(s) as `r` serves them: converted to its version, or as a Table when asked for. */
function send(req: FastifyRequest, reply: FastifyReply, r: ServedResource, code: number, body: KubeObject | KubeList): FastifyReply {
  const table = TABLE.test(String(req.headers.accept ?? '')) ? maybeTable(req, r, body) : undefined;
  return reply
    .code(code)
    .type('application/json')
    .send(table ? JSON.stringify(table) : serialize(served(r, body)));
}

function served(r: ServedResource, body: KubeObject | KubeList): KubeObject | KubeList {
  if (!r.fromStorage) return body;
  const list = body as KubeList;
  if (!Array.isArray(list.items)) return toServed(r, body as KubeObject);
  return { ...list, apiVersion: r.apiVersion, kind: r.listKind, items: list.items.map((o) => toServed(r, o)) };
}

function sendResult(req: FastifyRequest, reply: FastifyReply, r: ServedResource, res: HandlerResult): FastifyReply {
  if ('object' in res) return send(req, reply, r, res.code, res.object);
  return reply.code(res.code).type('application/json').send(JSON.stringify(res.body));
}

/** Objects reuse their JSON (jsonOf: cached objects are serialized once); a list is assembled from its items' JSON. */
export function serialize(body: KubeObject | KubeList): string {
  if (!Array.isArray((body as KubeList).items)) return jsonOf(body);
  const { items, ...head } = body as KubeList;
  const h = JSON.stringify(head);
  return `${h === '{}' ? '{' : h.slice(0, -1) + ','}"items":[${items.map(jsonOf).join(',')}]}`;
}

const notFound = () => new ApiError(statusFor.notFoundPath());

/** What a kind's own handler (a subresource, a create of its own) gets: the body decoded once, on demand. */
function handlerRequest(req: FastifyRequest, registry: Registry, p: ParsedPath, dryRun: boolean): HandlerRequest {
  let decoded: { body: unknown } | undefined;
  const sub = p.sub ? p.r.strategy.subresources?.[p.sub] : undefined;
  const body = () => (decoded ??= { body: decodeBody(req, p.r, registry.kinds, sub) }).body;
  return {
    method: req.method,
    r: p.r,
    name: p.name ?? '',
    namespace: p.namespace,
    dryRun,
    registry,
    body,
    object: (gvk) => expectObject(body(), gvk.kind, gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, gvk.version),
    patchType: <T extends PatchType>(accepted?: readonly T[]) => patchTypeOf(req, accepted ?? p.r.strategy.patchTypes) as T,
    writeManager: (kind, apply) => writeManager(req, (req.query ?? {}) as Query, kind, apply),
    user: () => authOf(req).user,
  };
}

async function handle(req: FastifyRequest, reply: FastifyReply, deps: ApiDeps): Promise<unknown> {
  const { registry } = deps;
  const kinds = registry.kinds;
  const p = parseApiPath(kinds, req.url);
  if (!p) throw notFound();
  const q = (req.query ?? {}) as Query;
  const { r, namespace, name, sub } = p;
  const verb = verbOf(req.method, p, q);
  (req as any).apiInfo = { verb, resource: r.resource, subresource: sub ?? '' };
  const dryRun = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) ? isDryRun(q) : false;
  const allow = (v: string) => {
    if (!r.verbs.includes(v)) throw methodNotAllowed(req.method);
  };
  const object = () => expectObject(decodeBody(req, r, kinds), r.kind, r.apiVersion, r.version);
  // who asks and where admission's warnings go (sent as Warning headers with the response)
  const admission = { user: authOf(req).user, warnings: [] as string[] };
  // a write's warnings are set before its response (or its error) is sent
  const warned = async <T>(write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } finally {
      addWarnings(reply, admission.warnings);
    }
  };

  // Collection
  if (name === undefined) {
    if (req.method === 'GET') {
      allow(verb);
      if (verb === 'watch') {
        const cache = registry.caches.get(r.storage);
        if (!cache) throw notFound();
        await serveWatch(req, reply, r, namespace, q, { ...deps.watch, cache });
        return reply;
      }
      const list = await registry.list(r, {
        namespace,
        labelSelector: q1(q, 'labelSelector'),
        fieldSelector: q1(q, 'fieldSelector'),
        limit: limitParam(q),
        continue: q1(q, 'continue'),
        resourceVersion: q1(q, 'resourceVersion'),
      });
      return send(req, reply, r, 200, list);
    }
    if (req.method === 'POST') {
      allow('create');
      if (r.namespaced && namespace === undefined) throw methodNotAllowed(req.method);
      if (r.strategy.create) return sendResult(req, reply, r, await r.strategy.create(handlerRequest(req, registry, p, dryRun)));
      const validation = fieldValidation(q, req.method);
      const { manager } = writeManager(req, q, 'CreateOptions');
      const body = object();
      admission.warnings.push(...checkBodyFields(validation, r, body));
      if (r.namespaced && body.metadata?.namespace && body.metadata.namespace !== namespace)
        throw new ApiError(statusFor.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      const created = await warned(() => registry.create(r, namespace, toStorage(r, body), { dryRun, manager, ...admission }));
      return send(req, reply, r, 201, created);
    }
    if (req.method === 'DELETE') {
      allow('deletecollection');
      const opts = deleteOptions(q, decodeBody(req, r, kinds));
      const list = await registry.deleteCollection(
        r,
        { namespace, labelSelector: q1(q, 'labelSelector'), fieldSelector: q1(q, 'fieldSelector') },
        opts,
        { dryRun, ...admission },
      );
      return send(req, reply, r, 200, list);
    }
    throw methodNotAllowed(req.method);
  }

  // Subresources served by the kind's own handlers (scale, binding, eviction, finalize, ...)
  if (sub !== undefined && sub !== 'status') {
    const handler = r.strategy.subresources?.[sub]?.handler;
    if (!handler) throw notFound(); // served by a route module of its own (e.g. log, exec, attach)
    return sendResult(req, reply, r, await handler(handlerRequest(req, registry, p, dryRun)));
  }
  const subresource = sub;

  switch (req.method) {
    case 'GET':
      if (!subresource) allow('get');
      return send(req, reply, r, 200, withKind(r.storage, await registry.get(r, name, namespace)));
    case 'PUT': {
      if (!subresource) allow('update');
      const validation = fieldValidation(q, req.method);
      const { manager } = writeManager(req, q, 'UpdateOptions');
      const body = object();
      admission.warnings.push(...checkBodyFields(validation, r, body));
      const m = (body.metadata ??= {});
      if (m.name !== undefined && m.name !== name)
        throw new ApiError(statusFor.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`));
      if (r.namespaced && m.namespace && m.namespace !== namespace)
        throw new ApiError(statusFor.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      m.name = name;
      if (r.namespaced) m.namespace = namespace;
      const stored = toStorage(r, body);
      try {
        return send(
          req,
          reply,
          r,
          200,
          await warned(() => registry.update(r, name, namespace, stored, { dryRun, subresource, manager, ...admission })),
        );
      } catch (e) {
        // upstream AllowCreateOnUpdate: a PUT of a missing object of such a kind creates it
        if (!(e instanceof ApiError && e.code === 404 && !subresource && r.strategy.createOnUpdate && !m.resourceVersion)) throw e;
        return send(req, reply, r, 201, await warned(() => registry.create(r, namespace, stored, { dryRun, manager, ...admission })));
      }
    }
    case 'PATCH': {
      if (!subresource) allow('patch');
      const type = patchTypeOf(req, r.strategy.patchTypes);
      const validation = fieldValidation(q, req.method);
      const { manager, force } = writeManager(req, q, 'PatchOptions', type === 'apply');
      const patch = decodeBody(req, r, kinds);
      if (patch === undefined) throw new ApiError(statusFor.badRequest('the patch body is empty'));
      if (type === 'apply') {
        // unknown fields fail the merge whatever fieldValidation says (the configuration must fit the schema)
        if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
          throw new ApiError(statusFor.badRequest('error decoding YAML: the apply configuration must be an object'));
        const { object, created } = await warned(() =>
          registry.apply(r, name, namespace, patch, { dryRun, subresource, manager, force, ...admission }),
        );
        return send(req, reply, r, created ? 201 : 200, object);
      }
      // the check runs on each attempt of the update loop: the warnings of the last one count
      let warnings: string[] = [];
      const check = (patched: unknown) => void (warnings = checkPatchedFields(validation, r, type, patch, patched));
      const out = await warned(async () => {
        try {
          return await registry.patch(r, name, namespace, type, patch, { dryRun, subresource, check, manager, ...admission });
        } finally {
          admission.warnings.unshift(...warnings);
        }
      });
      return send(req, reply, r, 200, out);
    }
    case 'DELETE': {
      if (subresource) throw methodNotAllowed(req.method);
      allow('delete');
      const opts = deleteOptions(q, decodeBody(req, r, kinds));
      const out = await warned(() => registry.delete(r, name, namespace, opts, { dryRun, ...admission }));
      return send(req, reply, r, 200, withKind(r.storage, out));
    }
    default:
      throw methodNotAllowed(req.method);
  }
}
