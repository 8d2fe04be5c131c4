// Discovery routes (what kubectl and client-go read first): legacy /api, /apis, /api/v1, /apis/<g>[/<v>],
// and aggregated discovery (apidiscovery.k8s.io v2/v2beta1) when the Accept header asks for it, sent with
// the exact `Content-Type: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList` (client-go
// detects it by content type only). Built from the kinds registered at the time of the request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusFor } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { aggregatedContentType, aggregatedDiscovery, aggregatedRequested, apiGroupList, apiResourceList, apiVersions, type Discoverable } from './documents';

/** A Buffer keeps fastify from rewriting the content type (it would quote the discovery parameters). */
export const sendJson = (reply: FastifyReply, body: unknown, contentType = 'application/json') =>
  reply.code(200).header('content-type', contentType).send(Buffer.from(JSON.stringify(body)));

/** `extra`: resources of groups served beside the kinds (metrics.k8s.io): discoverable, without OpenAPI or Tables. */
export function registerDiscoveryRoutes(app: FastifyInstance, ctx: ApiContext, extra: readonly Discoverable[] = []): void {
  const discoverable = (): Discoverable[] => [...ctx.kinds.served().filter((r) => !r.strategy.hidden), ...extra];
  const notFound = (reply: FastifyReply) => ctx.sendStatus(reply, statusFor.notFoundPath());

  const discovery = (core: boolean) => (req: FastifyRequest, reply: FastifyReply) => {
    const agg = aggregatedRequested(req.headers.accept);
    if (agg) return sendJson(reply, aggregatedDiscovery(discoverable(), core, agg), aggregatedContentType(agg));
    return sendJson(reply, core ? apiVersions(String(req.headers.host ?? '127.0.0.1')) : apiGroupList(discoverable()));
  };
  app.get('/api', discovery(true));
  app.get('/apis', discovery(false));

  app.get<{ Params: { version: string } }>('/api/:version', (req, reply) => {
    const list = apiResourceList(discoverable(), { group: '', version: req.params.version });
    return list ? sendJson(reply, list) : notFound(reply);
  });
  app.get<{ Params: { group: string } }>('/apis/:group', (req, reply) => {
    const doc = apiGroupList(discoverable()).groups.find((g) => g.name === req.params.group);
    return doc ? sendJson(reply, { kind: 'APIGroup', apiVersion: 'v1', ...doc }) : notFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', (req, reply) => {
    const list = apiResourceList(discoverable(), { group: req.params.group, version: req.params.version });
    return list ? sendJson(reply, list) : notFound(reply);
  });
}

export { aggregatedContentType, aggregatedDiscovery, aggregatedRequested, apiGroupList, apiResourceList, groupVersions, type Discoverable } from './documents';
