// What the real kubectl needs beyond plain REST (kubectl-compat.md): discovery, OpenAPI, server-side
// Tables and protobuf request bodies. Implements KubectlModule (../context.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, statusFor, type KubeList, type KubeObject, type ResourceType } from '@minik8s/shared';
import type { ApiContext, KubectlModule } from '../context';
import { METRICS_RESOURCES } from '../metricsapi';
import { aggregatedContentType, aggregatedDiscovery, aggregatedRequested, apiGroupList, apiResourceList, apiVersions, groupVersions } from './discovery';
import { openapiGroupVersionDoc, openapiRoot } from './openapi';
import { decodeProtobufBody as decode, ProtobufDecodeError } from './protobuf';
import { parseIncludeObject, tableVersionRequested, toTable } from './tables';

export function registerKubectlRoutes(app: FastifyInstance, ctx: ApiContext): void {
  // metrics.k8s.io is served by ../metricsapi (not stored): discoverable, without OpenAPI or Tables.
  const discoverable = [...ctx.resources, ...METRICS_RESOURCES];
  const resources = ctx.resources;
  // A Buffer keeps fastify from rewriting the content type (it would quote the discovery parameters).
  const json = (reply: FastifyReply, body: unknown, contentType = 'application/json') =>
    reply.code(200).header('content-type', contentType).send(Buffer.from(JSON.stringify(body)));
  const notFound = (reply: FastifyReply) => ctx.sendStatus(reply, statusFor.notFoundPath());

  const discovery = (core: boolean) => (req: FastifyRequest, reply: FastifyReply) => {
    const agg = aggregatedRequested(req.headers.accept);
    if (agg) return json(reply, aggregatedDiscovery(discoverable, core, agg), aggregatedContentType(agg));
    return json(reply, core ? apiVersions(String(req.headers.host ?? '127.0.0.1')) : apiGroupList(discoverable));
  };
  app.get('/api', discovery(true));
  app.get('/apis', discovery(false));

  app.get<{ Params: { version: string } }>('/api/:version', (req, reply) => {
    const list = apiResourceList(discoverable, { group: '', version: req.params.version });
    return list ? json(reply, list) : notFound(reply);
  });
  app.get<{ Params: { group: string } }>('/apis/:group', (req, reply) => {
    const doc = apiGroupList(discoverable).groups.find((g) => g.name === req.params.group);
    return doc ? json(reply, { kind: 'APIGroup', apiVersion: 'v1', ...doc }) : notFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', (req, reply) => {
    const list = apiResourceList(discoverable, { group: req.params.group, version: req.params.version });
    return list ? json(reply, list) : notFound(reply);
  });

  app.get('/openapi/v3', (_req, reply) => json(reply, openapiRoot(resources)));
  app.get<{ Params: { version: string } }>('/openapi/v3/api/:version', (req, reply) => {
    const doc = openapiGroupVersionDoc(resources, { group: '', version: req.params.version });
    return doc ? json(reply, doc) : notFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/openapi/v3/apis/:group/:version', (req, reply) => {
    const doc = openapiGroupVersionDoc(resources, { group: req.params.group, version: req.params.version });
    return doc ? json(reply, doc) : notFound(reply);
  });
  // kubectl asks for v2 as protobuf only and handles a 404 gracefully (kubectl-compat.md §3.3).
  app.get('/openapi/v2', (_req, reply) => notFound(reply));
  ctx.logger.debug({ groupVersions: groupVersions(resources).length }, 'kubectl discovery and openapi routes registered');
}

/** The Table for `objOrList` when the request's Accept asks for one (kubectl get), else undefined. */
export function maybeTable(req: FastifyRequest, r: ResourceType, objOrList: KubeObject | KubeList): unknown | undefined {
  const version = tableVersionRequested(req.headers.accept);
  if (!version || objOrList.kind === 'Status') return undefined;
  const includeObject = parseIncludeObject((req.query as Record<string, unknown> | undefined)?.includeObject);
  return toTable(r, objOrList, { version, includeObject });
}

/** Decode a protobuf body; kinds we do not decode → 415, malformed bodies → 400. */
export function decodeProtobufBody(buf: Buffer, r: ResourceType): KubeObject {
  try {
    return decode(buf, r);
  } catch (e) {
    if (e instanceof ProtobufDecodeError && e.unsupportedKind) {
      throw new ApiError({ ...statusFor.unsupportedMediaType('application/vnd.kubernetes.protobuf'), message: e.message });
    }
    throw e;
  }
}

export const kubectlModule: KubectlModule = { registerKubectlRoutes, maybeTable, decodeProtobufBody };

export { toTable, tableVersionRequested } from './tables';
export { aggregatedDiscovery, apiResourceList } from './discovery';
