// The REST handlers for every resource: /api/v1/... and /apis/<group>/<version>/..., one catch-all
// route per prefix parsed here (routes registered by the kubectl/podproxy modules take precedence).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, R, RESOURCES, statusFor, apiVersionOf, type KubeList, type KubeObject, type ResourceType } from '@minik8s/shared';
import type { Registry } from '../registry/registry';
import { withKind } from '../registry/registry';
import { applyPatch } from '../registry/patch';
import type { KubectlModule } from '../context';
import { checkStrict, decodeBody, deleteOptions, expectObject, isDryRun, limitParam, patchTypeOf, q1, boolParam, type Query } from './body';
import { serveWatch, type WatchDeps } from './watch';
import { jsonOf } from '../storage/watchcache';
import { bindPod, scaleOf, setScale, evictPod } from './subresources';
import { admitPodServiceAccount } from '../admission/serviceaccount';

export interface ApiDeps {
  registry: Registry;
  kubectl?: KubectlModule;
  watch: Omit<WatchDeps, 'cache'>;
}

export interface ParsedPath {
  r: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
  /** POST /api/v1/namespaces/NS/bindings (legacy binding) */
  legacyBinding?: boolean;
}

/** "group/version" → its resources by plural name (built once: parsed on every request). */
const BY_GV = new Map<string, Map<string, ResourceType>>();
for (const x of RESOURCES) {
  const gv = `${x.group}/${x.version}`;
  if (!BY_GV.has(gv)) BY_GV.set(gv, new Map());
  BY_GV.get(gv)!.set(x.resource, x);
}

/** Parse an API path into resource / namespace / name / subresource; undefined → 404. */
export function parseApiPath(path: string): ParsedPath | undefined {
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
  const inGV = BY_GV.get(`${group}/${version}`);
  if (!inGV || !rest.length) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && (rest[2] === 'bindings' || inGV.get(rest[2])?.namespaced)) {
    namespace = rest[1];
    rest = rest.slice(2);
    if (rest[0] === 'bindings' && group === '' && rest.length === 1) return { r: R.pods, namespace, legacyBinding: true };
  }
  if (rest.length > 3) return undefined;
  const r = inGV.get(rest[0]);
  if (!r) return undefined;
  const [, name, sub] = rest;
  if (r.namespaced && name !== undefined && namespace === undefined) return undefined;
  if (!r.namespaced && namespace !== undefined) return undefined;
  if (sub !== undefined && !r.subresources.includes(sub)) return undefined;
  if (name === '') return undefined;
  return { r, namespace, name, sub };
}

const CREATE_ON_UPDATE = new Set<ResourceType>([R.endpoints, R.leases, R.events]);

const SUCCESS = (code: number, details?: Record<string, unknown>) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code, ...(details ? { details } : {}) });

export function verbOf(method: string, p: ParsedPath, q: Query): string {
  if (p.sub && !['status', 'scale'].includes(p.sub)) return method === 'GET' ? 'get' : 'create';
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

function send(req: FastifyRequest, reply: FastifyReply, deps: ApiDeps, r: ResourceType, code: number, body: KubeObject | KubeList): FastifyReply {
  const table = deps.kubectl && /as=Table/.test(String(req.headers.accept ?? '')) ? deps.kubectl.maybeTable(req, r, body) : undefined;
  return reply.code(code).type('application/json').send(table ? JSON.stringify(table) : serialize(body));
}

/** Objects reuse their JSON (jsonOf: cached objects are serialized once); a list is assembled from its items' JSON. */
export function serialize(body: KubeObject | KubeList): string {
  if (!Array.isArray((body as KubeList).items)) return jsonOf(body);
  const { items, ...head } = body as KubeList;
  const h = JSON.stringify(head);
  return `${h === '{}' ? '{' : h.slice(0, -1) + ','}"items":[${items.map(jsonOf).join(',')}]}`;
}

const notFound = () => new ApiError(statusFor.notFoundPath());
const methodNotAllowed = (method: string) => new ApiError(statusFor.methodNotAllowed(`the server does not allow this method on the requested resource (${method})`));

async function handle(req: FastifyRequest, reply: FastifyReply, deps: ApiDeps): Promise<unknown> {
  const p = parseApiPath(req.url);
  if (!p) throw notFound();
  const q = (req.query ?? {}) as Query;
  const { r, namespace, name, sub } = p;
  const verb = verbOf(req.method, p, q);
  (req as any).apiInfo = { verb, resource: r.resource, subresource: sub ?? '' };
  const { registry, kubectl } = deps;
  const av = apiVersionOf(r);
  const dryRun = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) ? isDryRun(q) : false;

  if (p.legacyBinding) {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    const b = expectObject(decodeBody(req, r, kubectl), 'Binding', 'v1', 'v1');
    await bindPod(registry, namespace!, b.metadata?.name, b, dryRun);
    return reply.code(201).send(SUCCESS(201));
  }

  // Collection
  if (name === undefined) {
    if (req.method === 'GET') {
      if (verb === 'watch') {
        const cache = registry.caches.get(r);
        if (!cache) throw notFound();
        await serveWatch(req, reply, r, namespace, q, { ...deps.watch, cache, kubectl: deps.kubectl });
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
      return send(req, reply, deps, r, 200, list);
    }
    if (req.method === 'POST') {
      if (r.namespaced && namespace === undefined) throw methodNotAllowed(req.method);
      const body = expectObject(decodeBody(req, r, kubectl), r.kind, av, r.version);
      checkStrict(q, r.kind, r.version, body);
      if (r.namespaced && body.metadata?.namespace && body.metadata.namespace !== namespace)
        throw new ApiError(statusFor.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      const admitted = r === R.pods ? await admitPodServiceAccount(body, namespace!, (x, n, ns) => registry.get(x, n, ns)) : body;
      const created = await registry.create(r, namespace, admitted, { dryRun });
      return send(req, reply, deps, r, 201, created);
    }
    if (req.method === 'DELETE') {
      if (!r.verbs.includes('deletecollection')) throw methodNotAllowed(req.method);
      const opts = deleteOptions(q, decodeBody(req, r, kubectl));
      const list = await registry.deleteCollection(r, { namespace, labelSelector: q1(q, 'labelSelector'), fieldSelector: q1(q, 'fieldSelector') }, opts, { dryRun });
      return send(req, reply, deps, r, 200, list);
    }
    throw methodNotAllowed(req.method);
  }

  // Subresources
  if (sub === 'scale') {
    if (req.method === 'GET') return reply.send(scaleOf(r, await registry.get(r, name, namespace)));
    if (req.method === 'PUT') {
      const body = expectObject(decodeBody(req, r, kubectl), 'Scale', 'autoscaling/v1', 'v1');
      return reply.send(await setScale(registry, r, name, namespace, (s) => ({ ...s, spec: body.spec }), body.metadata?.resourceVersion, dryRun));
    }
    if (req.method === 'PATCH') {
      const type = patchTypeOf(req);
      const patch = decodeBody(req, r, kubectl);
      return reply.send(await setScale(registry, r, name, namespace, (s) => applyPatch(type, s, patch), (patch as any)?.metadata?.resourceVersion, dryRun));
    }
    throw methodNotAllowed(req.method);
  }
  if (sub === 'binding') {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    const b = expectObject(decodeBody(req, r, kubectl), 'Binding', 'v1', 'v1');
    await bindPod(registry, namespace!, name, b, dryRun);
    return reply.code(201).send(SUCCESS(201));
  }
  if (sub === 'eviction') {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    const raw = decodeBody(req, r, kubectl) as any;
    const evAv = typeof raw?.apiVersion === 'string' && raw.apiVersion.startsWith('policy/') ? raw.apiVersion : 'policy/v1';
    const ev = expectObject(raw, 'Eviction', evAv, 'v1');
    await evictPod(registry, namespace!, name, ev, dryRun);
    return reply.code(201).send(SUCCESS(201));
  }
  if (sub === 'finalize') {
    if (req.method !== 'PUT') throw methodNotAllowed(req.method);
    const body = expectObject(decodeBody(req, r, kubectl), r.kind, av, r.version);
    return send(req, reply, deps, r, 200, await registry.finalizeNamespace(name, body, { dryRun }));
  }
  if (sub !== undefined && sub !== 'status') throw notFound(); // log/exec/attach without the podproxy module
  const subresource = sub as 'status' | undefined;

  switch (req.method) {
    case 'GET':
      return send(req, reply, deps, r, 200, withKind(r, await registry.get(r, name, namespace)));
    case 'PUT': {
      const body = expectObject(decodeBody(req, r, kubectl), r.kind, av, r.version);
      checkStrict(q, r.kind, r.version, body);
      const m = (body.metadata ??= {});
      if (m.name !== undefined && m.name !== name) throw new ApiError(statusFor.badRequest(`the name of the object (${m.name}) does not match the name on the URL (${name})`));
      if (r.namespaced && m.namespace && m.namespace !== namespace)
        throw new ApiError(statusFor.badRequest('the namespace of the provided object does not match the namespace sent on the request'));
      m.name = name;
      if (r.namespaced) m.namespace = namespace;
      try {
        return send(req, reply, deps, r, 200, await registry.update(r, name, namespace, body, { dryRun, subresource }));
      } catch (e) {
        // upstream AllowCreateOnUpdate: a PUT of a missing Endpoints/Lease/Event creates it
        if (!(e instanceof ApiError && e.code === 404 && !subresource && CREATE_ON_UPDATE.has(r) && !m.resourceVersion)) throw e;
        return send(req, reply, deps, r, 201, await registry.create(r, namespace, body, { dryRun }));
      }
    }
    case 'PATCH': {
      const type = patchTypeOf(req);
      const patch = decodeBody(req, r, kubectl);
      if (patch === undefined) throw new ApiError(statusFor.badRequest('the patch body is empty'));
      const strict = q1(q, 'fieldValidation') === 'Strict';
      const out = await registry.patch(r, name, namespace, type, patch, { dryRun, subresource, check: strict ? (o) => checkStrict(q, r.kind, r.version, o) : undefined });
      return send(req, reply, deps, r, 200, out);
    }
    case 'DELETE': {
      if (subresource) throw methodNotAllowed(req.method);
      const opts = deleteOptions(q, decodeBody(req, r, kubectl));
      const out = await registry.delete(r, name, namespace, opts, { dryRun });
      return send(req, reply, deps, r, 200, withKind(r, out));
    }
    default:
      throw methodNotAllowed(req.method);
  }
}
