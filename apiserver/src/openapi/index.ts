// OpenAPI routes, as upstream's kube-openapi handlers serve them: /openapi/v2 (JSON, or gnostic protobuf
// when the Accept header asks for it), /openapi/v3 (the index: each group-version's serverRelativeURL
// with `?hash=`) and /openapi/v3/<key> (a hash that is not the current one → 301 to the current URL; the
// current one → cached for a year as immutable). ETags and If-None-Match (304) on all; gzip when accepted.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusFor } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { OpenApiDocuments, v3Url, type Served } from './documents';

const PROTOBUF_V2 = 'com.github.proto-openapi.spec.v2.v1.0+protobuf';
const PROTOBUF_V2_DEPRECATED = 'com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** The Accept header's media ranges, best first (by q, then in order). */
function acceptRanges(accept: string | undefined): { type: string; subtype: string }[] {
  return (accept || '*/*')
    .split(',')
    .map((clause, i) => {
      const [range, ...params] = clause.trim().split(';');
      const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1');
      const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
      return { type, subtype, q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
}

/** The first of `offered` subtypes (of application/) the Accept header takes. */
function negotiate(accept: string | undefined, offered: readonly string[]): string | undefined {
  for (const r of acceptRanges(accept)) {
    if (r.type !== 'application' && r.type !== '*') continue;
    const hit = offered.find((s) => r.subtype === '*' || r.subtype === s);
    if (hit) return hit;
  }
  return undefined;
}

const matchesEtag = (header: string | undefined, etag: string) =>
  !!header && header.split(',').some((t) => ['*', `"${etag}"`, `W/"${etag}"`].includes(t.trim()));

async function send(req: FastifyRequest, reply: FastifyReply, doc: Served, contentType: string): Promise<FastifyReply> {
  reply.header('etag', `"${doc.etag}"`).header('vary', 'Accept, Accept-Encoding');
  if (matchesEtag(req.headers['if-none-match'], doc.etag)) return reply.code(304).send();
  reply.header('content-type', contentType);
  if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(await doc.gzip());
  return reply.send(doc.body);
}

export function registerOpenApiRoutes(app: FastifyInstance, ctx: ApiContext): OpenApiDocuments {
  const docs = new OpenApiDocuments(ctx.kinds);
  const notFound = (reply: FastifyReply) => ctx.sendStatus(reply, statusFor.notFoundPath());
  const notAcceptable = (reply: FastifyReply) => reply.code(406).send();

  app.get('/openapi/v2', (req, reply) => {
    const type = negotiate(req.headers.accept, ['json', PROTOBUF_V2_DEPRECATED, PROTOBUF_V2]);
    if (!type) return notAcceptable(reply);
    return type === 'json' ? send(req, reply, docs.v2(), 'application/json') : send(req, reply, docs.v2Protobuf(), `application/${PROTOBUF_V2}`);
  });

  app.get('/openapi/v3', (req, reply) => send(req, reply, docs.v3Index(), 'application/json'));

  app.get<{ Params: { '*': string }; Querystring: { hash?: string } }>('/openapi/v3/*', (req, reply) => {
    const key = req.params['*'].replace(/\/+$/, '');
    const doc = docs.v3(key);
    if (!doc) return notFound(reply);
    if (!negotiate(req.headers.accept, ['json'])) return notAcceptable(reply);
    const hash = req.query.hash;
    if (hash) {
      if (hash !== doc.etag) return reply.redirect(v3Url(key, doc.etag), 301);
      const inAYear = new Date();
      inAYear.setFullYear(inAYear.getFullYear() + 1);
      reply.header('cache-control', 'public, immutable').header('expires', inAYear.toUTCString());
    }
    return send(req, reply, doc, 'application/json');
  });
  return docs;
}

export { OpenApiDocuments } from './documents';
