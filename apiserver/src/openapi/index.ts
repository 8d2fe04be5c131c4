// OpenAPI routes: /openapi/v3 and the per group-version documents it points at (what kubectl's default
// --validate=strict reads), built from the kinds registered at the time of the request. /openapi/v2
// answers 404 on purpose: kubectl asks for it as protobuf only and copes with a 404.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { statusFor } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { sendJson } from '../discovery';
import { openapiGroupVersionDoc, openapiRoot } from './documents';

export function registerOpenApiRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const resources = () => ctx.kinds.served().filter((r) => !r.strategy.hidden);
  const notFound = (reply: FastifyReply) => ctx.sendStatus(reply, statusFor.notFoundPath());
  app.get('/openapi/v3', (_req, reply) => sendJson(reply, openapiRoot(resources())));
  app.get<{ Params: { version: string } }>('/openapi/v3/api/:version', (req, reply) => {
    const doc = openapiGroupVersionDoc(resources(), { group: '', version: req.params.version });
    return doc ? sendJson(reply, doc) : notFound(reply);
  });
  app.get<{ Params: { group: string; version: string } }>('/openapi/v3/apis/:group/:version', (req, reply) => {
    const doc = openapiGroupVersionDoc(resources(), { group: req.params.group, version: req.params.version });
    return doc ? sendJson(reply, doc) : notFound(reply);
  });
  app.get('/openapi/v2', (_req, reply) => notFound(reply));
}

export { openapiGroupVersionDoc, openapiRoot } from './documents';
