// One proxied HTTP request, as upstream's UpgradeAwareHandler with its proxy Transport: the request goes
// to the target as it came (body streamed, the apiserver's own credentials headers and hop-by-hop headers
// dropped, X-Forwarded-For/-Uri added, the client's Host kept), the answer comes back streamed with CORS
// headers dropped and a redirect Location that points at the target, or the links of an HTML page,
// rewritten to go through the proxy (html.ts).
// An empty path on GET/HEAD is first redirected to end in "/" (upstream's issue 4958 behaviour).
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { posix } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { failure, type Status } from '@minik8s/shared';
import type { Location } from './target';
import { rewriteHTML } from './html';

export interface Upstream extends Location {
  /** TLS client options for an https target (upstream's proxy transport does not verify pods' certificates). */
  tls?: SecureContextOptions & { rejectUnauthorized?: boolean };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade']);
/** Consumed by the apiserver's authentication; never passed on to a pod or node. */
const CREDENTIALS = /^(authorization|impersonate-.*)$/;
const CORS = new Set(['access-control-allow-credentials', 'access-control-allow-headers', 'access-control-allow-methods', 'access-control-allow-origin']);

function without(headers: IncomingHttpHeaders, drop: (name: string) => boolean): OutgoingHttpHeaders {
  const listed = new Set(String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean));
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k) && !listed.has(k) && !drop(k)) out[k] = v;
  return out;
}

/** The headers sent to the target. */
export function requestHeaders(req: IncomingMessage, forwardedUri: string): OutgoingHttpHeaders {
  const out = without(req.headers, (k) => CREDENTIALS.test(k));
  const client = req.socket.remoteAddress;
  const prior = req.headers['x-forwarded-for'];
  if (client) out['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  out['x-forwarded-uri'] = forwardedUri;
  return out;
}

/**
 * A Location (or link) from the target, as upstream's proxy Transport rewrites it: an absolute path, or a
 * URL on the target's host (or on the host the client asked), gets the proxy prefix; other hosts and
 * relative references are left alone.
 */
export function rewriteURL(target: string, prefix: string, targetHost: string, requestHost: string | undefined): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) || target.startsWith('//');
  if (!absolute && !target.startsWith('/')) return target;
  let u: URL;
  try {
    u = new URL(target, 'http://placeholder');
  } catch {
    return target;
  }
  const host = absolute ? u.host : '';
  if (host && host !== targetHost && host !== requestHost) return target;
  // The scheme and host stay only when the URL already names the host the client asked.
  const origin = host && host === requestHost ? `${u.protocol}//${u.host}` : '';
  const path = u.pathname.startsWith(prefix) ? u.pathname : posix.join(prefix, u.pathname);
  return `${origin}${path}${u.search}${u.hash}`;
}

/** The headers sent back to the client. */
export function responseHeaders(res: IncomingMessage, rewrite: (url: string) => string): OutgoingHttpHeaders {
  const out = without(res.headers, (k) => CORS.has(k));
  if (typeof out.location === 'string') out.location = rewrite(out.location);
  return out;
}

export interface ForwardOptions {
  /** The public path of the proxy: `/api/v1/namespaces/NS/services/NAME/proxy` (links and X-Forwarded-Uri). */
  prefix: string;
  /** The path on the target ('' when the request named none) and the query as it came. */
  path: string;
  query: string;
  /** Answers an error before anything was sent. */
  fail(status: Status): void;
}

const writeTimeoutMs = 30_000;
/** HTML pages bigger than this are passed on without their links rewritten. */
const HTML_REWRITE_LIMIT = 16 * 1024 * 1024;

const htmlEncoding = (res: IncomingMessage) => String(res.headers['content-encoding'] ?? '').trim().toLowerCase();

/** An HTML answer whose encoding we can undo (upstream: none, gzip or deflate). */
function rewritable(res: IncomingMessage): boolean {
  const type = String(res.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return type === 'text/html' && ['', 'gzip', 'deflate'].includes(htmlEncoding(res)) && !(Number(res.headers['content-length']) > HTML_REWRITE_LIMIT);
}

/** Buffer an HTML answer, rewrite its links, send it with its new length (as it came if it grows past the limit). */
function rewriteBody(upstream: IncomingMessage, res: ServerResponse, code: number, headers: OutgoingHttpHeaders, rewrite: (u: string) => string): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let gaveUp = false;
  upstream.on('data', (c: Buffer) => {
    if (gaveUp) return;
    chunks.push(c);
    size += c.length;
    if (size <= HTML_REWRITE_LIMIT) return;
    gaveUp = true;
    res.writeHead(code, headers);
    res.write(Buffer.concat(chunks));
    upstream.pipe(res);
  });
  upstream.on('end', () => {
    if (gaveUp) return;
    const encoding = htmlEncoding(upstream);
    let body = Buffer.concat(chunks);
    try {
      const plain = encoding === 'gzip' ? gunzipSync(body) : encoding === 'deflate' ? inflateSync(body) : body;
      const html = Buffer.from(rewriteHTML(plain.toString('utf8'), rewrite));
      body = encoding === 'gzip' ? gzipSync(html) : encoding === 'deflate' ? deflateSync(html) : html;
    } catch {
      // not what it claims to be: passed on as it came, as upstream does when the rewrite fails
    }
    res.writeHead(code, { ...headers, 'content-length': body.length });
    res.end(body);
  });
}

/** Relay `req` to `up` and its answer to `res`. */
export function forward(req: IncomingMessage, res: ServerResponse, up: Upstream, o: ForwardOptions): void {
  const method = req.method ?? 'GET';
  const rawPath = (req.url ?? '').split('?')[0];
  if (!o.path && (method === 'GET' || method === 'HEAD')) {
    res.writeHead(301, { location: `${rawPath}/${o.query}` });
    res.end();
    return;
  }
  const path = o.path || '/';
  const forwardedUri = posix.join(o.prefix, path);
  const targetHost = `${up.host.includes(':') ? `[${up.host}]` : up.host}:${up.port}`;
  const options = {
    host: up.host,
    port: up.port,
    method,
    path: `${path}${o.query}`,
    headers: requestHeaders(req, forwardedUri),
    timeout: writeTimeoutMs,
  };
  const out =
    up.scheme === 'https'
      ? httpsRequest({ ...options, rejectUnauthorized: false, ...up.tls, servername: undefined })
      : httpRequest(options);
  let answered = false;
  out.on('timeout', () => out.destroy(new Error('i/o timeout')));
  out.on('response', (upstream) => {
    answered = true;
    upstream.socket?.setTimeout(0);
    const rewrite = (u: string) => rewriteURL(u, o.prefix, targetHost, req.headers.host);
    const headers = responseHeaders(upstream, rewrite);
    upstream.on('error', () => res.destroy());
    const code = upstream.statusCode ?? 502;
    if (!upstream.headers.location && rewritable(upstream)) return void rewriteBody(upstream, res, code, headers, rewrite);
    res.writeHead(code, headers);
    upstream.pipe(res);
  });
  out.on('error', (e) => {
    if (answered || res.headersSent) return void res.destroy();
    o.fail(failure(503, 'ServiceUnavailable', `error trying to reach service: ${e.message}`));
  });
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  req.pipe(out);
}
