// proxy: a local HTTP server (127.0.0.1:8001 by default) that forwards to the apiserver with the kubeconfig's
// credentials and TLS, behind kubectl's filter — requests are refused (403 Forbidden) unless the path matches
// --accept-paths and not --reject-paths (exec and attach by default), the method not --reject-methods, and
// the Host header --accept-hosts (localhost only by default, against DNS rebinding). Upgrades are relayed.
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Ctx } from '../context';
import { CliError } from '../errors';

export const DEFAULTS = {
  acceptHosts: '^localhost$,^127\\.0\\.0\\.1$,^\\[::1\\]$',
  acceptPaths: '^.*',
  rejectPaths: '^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach',
  rejectMethods: '^$',
};

/** kubectl's comma-separated regular expressions (each unanchored unless it says so). */
export function regexps(spec: string, flag: string): RegExp[] {
  if (spec === '') return [];
  return spec.split(',').map((p) => {
    try {
      return new RegExp(p);
    } catch (e) {
      throw new CliError(`invalid --${flag} regular expression ${JSON.stringify(p)}: ${(e as Error).message}`, 1, { cause: e });
    }
  });
}

export interface Filter {
  acceptHosts: RegExp[];
  acceptPaths: RegExp[];
  rejectPaths: RegExp[];
  rejectMethods: RegExp[];
}

/** The Host header without its port (net.SplitHostPort, or the whole value). */
export function hostOf(header: string | undefined): string {
  const h = header ?? '';
  const m = /^(\[[^\]]*\]|[^:]*):\d+$/.exec(h);
  return m ? m[1].replace(/^\[(.*)\]$/, '$1') : h;
}

/** kubectl's FilterServer.accept. */
export function accepts(f: Filter, method: string, path: string, host: string): boolean {
  const any = (res: RegExp[], s: string) => res.some((r) => r.test(s));
  if (any(f.rejectPaths, path) || any(f.rejectMethods, method)) return false;
  return any(f.acceptPaths, path) && any(f.acceptHosts, host);
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'authorization',
]);

function forwardHeaders(h: http.IncomingHttpHeaders, keepUpgrade = false): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(h)) if (!HOP_BY_HOP.has(k) || (keepUpgrade && (k === 'upgrade' || k === 'connection'))) out[k] = v;
  return out;
}

export interface ProxyOptions {
  port?: string;
  address?: string;
  acceptHosts?: string;
  acceptPaths?: string;
  rejectPaths?: string;
  rejectMethods?: string;
  apiPrefix?: string;
  disableFilter?: boolean;
}

export async function proxy(ctx: Ctx, o: ProxyOptions): Promise<number> {
  const port = Number(o.port ?? '8001');
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`invalid argument "${o.port}" for "-p, --port" flag: strconv.ParseInt: parsing "${o.port}": invalid syntax`);
  const filter: Filter = {
    acceptHosts: regexps(o.acceptHosts ?? DEFAULTS.acceptHosts, 'accept-hosts'),
    acceptPaths: regexps(o.acceptPaths ?? DEFAULTS.acceptPaths, 'accept-paths'),
    rejectPaths: regexps(o.rejectPaths ?? DEFAULTS.rejectPaths, 'reject-paths'),
    rejectMethods: regexps(o.rejectMethods ?? DEFAULTS.rejectMethods, 'reject-methods'),
  };
  if (o.disableFilter)
    process.stderr.write('W proxy.go] Request filter disabled, your proxy is vulnerable to XSRF attacks, please be cautious\n');
  const prefix = (o.apiPrefix ?? '/').replace(/\/?$/, '/');
  const client = ctx.client;
  const route = (req: http.IncomingMessage): string | undefined => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    if (!url.pathname.startsWith(prefix) && `${url.pathname}/` !== prefix) return undefined;
    const path = '/' + url.pathname.slice(prefix.length).replace(/^\//, '');
    if (!o.disableFilter && !accepts(filter, req.method ?? 'GET', path, hostOf(req.headers.host))) return 'forbidden';
    return path + url.search;
  };
  const forbidden = (res: http.ServerResponse) => {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', 'content-length': 10 });
    res.end('Forbidden\n');
  };
  const proxyRequest = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const target = route(req);
    if (!target) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
      return res.end('404 page not found\n');
    }
    if (target === 'forbidden') return forbidden(res);
    let up: http.ClientRequest;
    try {
      up = await client.rawRequest(req.method ?? 'GET', target, forwardHeaders(req.headers));
    } catch (e) {
      res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(`${(e as Error).message}\n`);
    }
    up.on('response', (r) => {
      res.writeHead(r.statusCode ?? 502, forwardHeaders(r.headers));
      r.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`${e.message}\n`);
    });
    req.pipe(up);
  };
  const proxyUpgrade = async (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const target = route(req);
    if (!target || target === 'forbidden') {
      socket.end(
        `HTTP/1.1 ${target ? '403 Forbidden' : '404 Not Found'}\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\n\r\n${target ? 'Forbidden' : '404 page not found'}\n`,
      );
      return;
    }
    let up: http.ClientRequest;
    try {
      up = await client.rawRequest(req.method ?? 'GET', target, forwardHeaders(req.headers, true));
    } catch {
      return socket.destroy();
    }
    up.on('upgrade', (r, upSocket: Socket, upHead: Buffer) => {
      const lines = [`HTTP/1.1 ${r.statusCode} ${r.statusMessage}`];
      for (let i = 0; i < r.rawHeaders.length; i += 2) lines.push(`${r.rawHeaders[i]}: ${r.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      const close = () => (socket.destroy(), upSocket.destroy());
      socket.on('error', close);
      upSocket.on('error', close);
    });
    up.on('response', (r) => {
      socket.write(`HTTP/1.1 ${r.statusCode} ${r.statusMessage}\r\nconnection: close\r\n\r\n`);
      r.pipe(socket);
    });
    up.on('error', () => socket.destroy());
    up.end();
  };
  // a failure after the upstream request is made (a write on a closed connection) ends that connection only
  const failed = (end: () => void) => (e: unknown) => {
    process.stderr.write(`E proxy.go] ${(e as Error).message}\n`);
    end();
  };
  const server = http.createServer((req, res) => {
    proxyRequest(req, res).catch(failed(() => res.destroy()));
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    proxyUpgrade(req, socket, head).catch(failed(() => socket.destroy()));
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      fail(
        new CliError(
          `listen tcp ${o.address ?? '127.0.0.1'}:${port}: bind: ${e.code === 'EADDRINUSE' ? 'address already in use' : e.message}`,
          1,
          { cause: e },
        ),
      ),
    );
    server.listen(port, o.address ?? '127.0.0.1', ok);
  });
  const addr = server.address() as { address: string; port: number };
  process.stdout.write(`Starting to serve on ${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}\n`);
  await new Promise<void>((ok) => {
    const stop = () => server.close(() => ok());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
