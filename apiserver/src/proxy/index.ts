// The proxy subresources: pods/proxy, services/proxy and nodes/proxy (upstream's ProxyREST of each kind):
// /api/v1/namespaces/NS/pods/[scheme:]NAME[:port]/proxy/PATH goes to the pod's IP, .../services/... to a
// ready endpoint of the Service (dialled directly, as upstream, not through its ClusterIP), /api/v1/nodes/
// NAME[:port]/proxy/PATH to the node's kubelet (kubelet.ts: how the apiserver reaches kubelets). What
// `kubectl proxy` and dashboards use. Any body and content type is relayed as a stream, so these routes
// live in a scope of their own that does not parse bodies.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import { ApiError, failure, statusFor, type Status } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { pods as podKind } from '../kinds/core/pod';
import { nodes as nodeKind } from '../kinds/core/node';
import { endpoints as endpointsKind } from '../kinds/core/endpoints';
import { SERVICES } from '../kinds/core/service';
import { kubeletUpstream } from './kubelet';
import { forward, type Upstream } from './forward';
import { parseId, podLocation, serviceLocation, servicePortName, targetPath, isGlobalUnicast } from './target';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** upstream's verbs for a proxy request (RequestInfo of a subresource). */
const VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', OPTIONS: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

type Resolve = (ctx: ApiContext, params: Record<string, string>) => Promise<Upstream>;

const resolvePod: Resolve = async (ctx, p) => {
  const { scheme, name, port } = parseId('pod', p.name);
  const pod = (await ctx.get(ctx.resource(podKind), name, p.namespace)) as Parameters<typeof podLocation>[0];
  return podLocation(pod, p.name, scheme, port);
};

const resolveService: Resolve = async (ctx, p) => {
  const { scheme, name, port } = parseId('service', p.name);
  const svc = await ctx.get(ctx.resource(SERVICES), name, p.namespace);
  const portName = servicePortName(svc as Parameters<typeof servicePortName>[0], name, port);
  const eps = await ctx.get(ctx.resource(endpointsKind), name, p.namespace);
  const podsOf = ctx.resource(podKind);
  // the endpoints' pods, read once each (upstream's isValidAddress)
  const seen = new Map<string, string[] | undefined>();
  const ips = async (pod: string) => {
    if (!seen.has(pod)) {
      const o = (await ctx.get(podsOf, pod, p.namespace).catch(() => undefined)) as { status?: { podIP?: string; podIPs?: Array<{ ip?: string }> } } | undefined;
      seen.set(pod, o ? [...(o.status?.podIPs ?? []).map((x) => x.ip ?? ''), o.status?.podIP ?? ''].filter(Boolean) : undefined);
    }
    return seen.get(pod);
  };
  const e = eps as Parameters<typeof serviceLocation>[0];
  for (const ss of e.subsets ?? []) for (const a of ss.addresses ?? []) if (a.targetRef?.name) await ips(a.targetRef.name);
  return serviceLocation(e, p.name, p.namespace, scheme, portName, (pod) => seen.get(pod));
};

const resolveNode: Resolve = async (ctx, p) => {
  const { scheme, name, port } = parseId('node', p.name);
  const node = await ctx.get(ctx.resource(nodeKind), name);
  const kubelet = kubeletUpstream(node);
  if (!port || Number(port) === kubelet.port) return kubelet;
  // another port of the node: only a routable address, never loopback or link-local (upstream's IsProxyableHostname)
  if (!isGlobalUnicast(kubelet.host)) throw new ApiError(statusFor.badRequest(`address not allowed: ${kubelet.host}`));
  const n = /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new ApiError(statusFor.badRequest(`invalid port ${JSON.stringify(port)} in ${JSON.stringify(p.name)}: a port is a number from 1 to 65535`));
  return { scheme: scheme || 'http', host: kubelet.host, port: n };
};

function writeStatus(res: ServerResponse, st: Status): void {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify(st);
  res.writeHead(st.code ?? 500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function route(scope: FastifyInstance, ctx: ApiContext, base: string, resource: string, resolve: Resolve): void {
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as Record<string, string>;
    (req as unknown as { apiInfo: unknown }).apiInfo = { verb: VERBS[req.method] ?? req.method.toLowerCase(), resource, subresource: 'proxy' };
    // the public prefix, as the client wrote it (links in answers are rewritten under it)
    const rawPath = req.url.split('?')[0];
    const at = rawPath.indexOf('/proxy');
    const prefix = rawPath.slice(0, at + '/proxy'.length);
    reply.hijack();
    const res = reply.raw;
    let up: Upstream;
    try {
      up = await resolve(ctx, params);
    } catch (e) {
      req.raw.resume();
      return writeStatus(res, e instanceof ApiError ? e.status : failure(503, 'ServiceUnavailable', (e as Error).message));
    }
    const { path, query } = targetPath(req.url, prefix);
    forward(req.raw, res, up, { prefix, path, query, fail: (st) => writeStatus(res, st) });
  };
  for (const url of [`${base}/proxy`, `${base}/proxy/*`]) scope.route({ method: [...METHODS], url, handler, exposeHeadRoute: false });
}

export function registerProxyRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.register(async (scope) => {
    // bodies are relayed as they come: nothing is parsed or buffered here
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    route(scope, ctx, '/api/v1/namespaces/:namespace/pods/:name', 'pods', resolvePod);
    route(scope, ctx, '/api/v1/namespaces/:namespace/services/:name', 'services', resolveService);
    route(scope, ctx, '/api/v1/nodes/:name', 'nodes', resolveNode);
  });
}
