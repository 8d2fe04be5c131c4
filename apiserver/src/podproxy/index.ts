// pods/log, pods/exec and pods/attach: the apiserver finds the pod's node and relays to its kubelet
// (http://<InternalIP>:<daemonEndpoints.kubeletEndpoint.Port>). Logs stream through as-is; exec and
// attach are WebSocket upgrades (subprotocol v5.channel.k8s.io, kubectl-compat.md §8.2) whose frames are
// relayed unchanged in both directions, so the kubelet's channel protocol reaches kubectl intact.
// portforward's upgrade (a WebSocket with subprotocol SPDY/3.1+portforward.k8s.io, kubectl's SPDY/3.1
// fallback, or a WebSocket with the channel protocol and ?ports=) goes to the kubelet as it came and the
// connection is piped through (§8.3): the kubelet does the handshake, so the subprotocol, which is no
// RFC 6455 token, never meets a WebSocket library here.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import WebSocket, { WebSocketServer } from 'ws';
import { ApiError, MAX_WS_PAYLOAD, failure, statusFor, type Status } from '@minik8s/shared';
import type { ApiContext } from '../context';
import { pods as podKind } from '../kinds/core/pod';
import { nodes as nodeKind } from '../kinds/core/node';

interface PodLike {
  metadata: { name?: string; namespace?: string; annotations?: Record<string, string> };
  spec?: { nodeName?: string; containers?: Array<{ name: string }>; initContainers?: Array<{ name: string }>; ephemeralContainers?: Array<{ name: string }> };
  status?: { phase?: string };
}

interface NodeLike {
  status?: { addresses?: Array<{ type: string; address: string }>; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

export interface Target {
  host: string;
  port: number;
  container: string;
  pod: PodLike;
}

/** The container a request is about: ?container=, else the default-container annotation, else the only one. */
export function pickContainer(pod: PodLike, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
  if (requested) {
    if (!all.includes(requested)) throw new ApiError(statusFor.badRequest(`container ${requested} is not valid for pod ${name}`));
    return requested;
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && all.includes(annotated)) return annotated;
  const main = (pod.spec?.containers ?? []).map((c) => c.name);
  if (main.length === 1) return main[0];
  throw new ApiError(statusFor.badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`));
}

/** Where the kubelet of a node listens (InternalIP, else Hostname; port from daemonEndpoints, default 10250). */
export function kubeletAddress(node: NodeLike): { host: string; port: number } | undefined {
  const addrs = node.status?.addresses ?? [];
  const host = addrs.find((a) => a.type === 'InternalIP')?.address ?? addrs.find((a) => a.type === 'Hostname')?.address;
  if (!host) return undefined;
  return { host, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || 10250 };
}

/** The pod's kubelet; `container` null for portforward, which is about the whole pod and needs it running. */
async function resolve(ctx: ApiContext, ns: string, name: string, container: string | undefined | null): Promise<Target> {
  const pod = (await ctx.get(ctx.resource(podKind), name, ns)) as unknown as PodLike;
  if (container === null && pod.status?.phase !== 'Running') {
    throw new ApiError(statusFor.badRequest(`pod ${name} is not running and cannot be forwarded; current phase is ${pod.status?.phase ?? 'Pending'}`));
  }
  const c = container === null ? '' : pickContainer(pod, container);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw new ApiError(statusFor.badRequest(`pod ${name} does not have a host assigned`));
  const node = (await ctx.get(ctx.resource(nodeKind), nodeName)) as unknown as NodeLike;
  const addr = kubeletAddress(node);
  if (!addr) throw new ApiError(statusFor.badRequest(`node ${nodeName} has no address to reach its kubelet`));
  return { ...addr, container: c, pod };
}

function toStatus(e: unknown): Status {
  if (e instanceof ApiError) return e.status;
  return failure(503, 'ServiceUnavailable', `error reaching the kubelet: ${(e as Error).message}`);
}

const LOG_PARAMS = ['follow', 'previous', 'timestamps', 'tailLines', 'sinceSeconds', 'sinceTime', 'limitBytes'];
const STREAM_PARAMS = ['command', 'stdin', 'stdout', 'stderr', 'tty'];

function forwardQuery(query: URLSearchParams, keys: string[]): string {
  const out = new URLSearchParams();
  for (const k of keys) for (const v of query.getAll(k)) out.append(k, v);
  const s = out.toString();
  return s ? `?${s}` : '';
}

/** ?ports=80,8080&ports=9090 (PodPortForwardOptions) as the kubelet's ?port=80&port=8080&port=9090, or a 400 Status. */
export function portQuery(values: string[]): string | Status {
  const out = new URLSearchParams();
  for (const v of values) {
    for (const p of v.split(',')) {
      if (!/^\d{1,5}$/.test(p) || Number(p) < 1 || Number(p) > 65535) return statusFor.badRequest(`invalid port ${JSON.stringify(p)} in ports=${v}: a port is a number from 1 to 65535`);
      out.append('port', String(Number(p)));
    }
  }
  const s = out.toString();
  return s ? `?${s}` : '';
}

const STREAM_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|attach|portforward)$/;

function writeHttpStatus(socket: Duplex, st: Status): void {
  const body = JSON.stringify(st);
  const retry = st.details?.retryAfterSeconds ? `Retry-After: ${st.details.retryAfterSeconds}\r\n` : '';
  socket.end(`HTTP/1.1 ${st.code} ${st.reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${retry}Connection: close\r\n\r\n${body}`);
}

/** Bytes queued toward one side of a relay before the other side's reads pause. */
const MAX_BUFFERED = 4 * 1024 * 1024;

/** exec, attach, portforward: find the pod's kubelet and relay the upgrade there. */
async function relayUpgrade(ctx: ApiContext, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, m: RegExpExecArray): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://apiserver');
  const [, ns, name, kind] = m;
  let target: Target;
  try {
    target = await resolve(ctx, decodeURIComponent(ns), decodeURIComponent(name), kind === 'portforward' ? null : url.searchParams.get('container') ?? undefined);
  } catch (e) {
    return writeHttpStatus(socket, toStatus(e));
  }
  if (kind === 'portforward') {
    // clients of the WebSocket channel protocol name the ports here (?ports=), the kubelet reads ?port=
    const ports = portQuery(url.searchParams.getAll('ports'));
    if (typeof ports !== 'string') return writeHttpStatus(socket, ports);
    return pipeUpgrade(req, socket, head, target, `/portForward/${ns}/${name}${ports}`);
  }
  relayWebSocket(wss, req, socket, head, `ws://${target.host}:${target.port}/${kind}/${ns}/${name}/${encodeURIComponent(target.container)}${forwardQuery(url.searchParams, STREAM_PARAMS)}`);
}

/** An upgrade the kubelet answers itself: the request goes there as it came (path rewritten), then bytes both ways. */
function pipeUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, target: Target, path: string): void {
  const upstream = connect({ host: target.host, port: target.port, noDelay: true });
  const headers = Object.entries(req.headers)
    .filter(([k]) => !['host', 'authorization', 'content-length', 'transfer-encoding'].includes(k))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}\r\n`)
    .join('');
  upstream.once('connect', () => {
    upstream.write(`${req.method} ${path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n${headers}\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(socket);
    socket.pipe(upstream);
  });
  upstream.once('error', (e) => (upstream.bytesRead === 0 && socket.writable ? writeHttpStatus(socket, toStatus(e)) : socket.destroy()));
  socket.once('error', () => upstream.destroy());
  socket.once('close', () => upstream.destroy());
}

/** Relay one WebSocket session: client ⇄ apiserver ⇄ kubelet, frames unchanged. */
function relayWebSocket(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer, upstreamUrl: string): void {
  const protocols = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const upstream = new WebSocket(upstreamUrl, protocols, { handshakeTimeout: 10_000, maxPayload: MAX_WS_PAYLOAD });
  upstream.on('unexpected-response', (_r, res) => {
    const chunks: Buffer[] = [];
    res.on('data', (d: Buffer) => chunks.push(d));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      let st: Status;
      try {
        st = JSON.parse(text) as Status;
        if (st.kind !== 'Status') throw new Error('not a Status');
      } catch {
        st = failure(res.statusCode ?? 500, 'InternalError', text || `kubelet answered ${res.statusCode}`);
      }
      writeHttpStatus(socket, st);
    });
  });
  upstream.on('error', (e) => {
    if (!(socket as { upgraded?: boolean }).upgraded && socket.writable) writeHttpStatus(socket, toStatus(e));
  });
  upstream.once('open', () => {
    (socket as { upgraded?: boolean }).upgraded = true;
    wss.handleUpgrade(req, socket, head, (client) => {
      // backpressure: a side that cannot keep up pauses the other's reads
      const relay = (from: WebSocket, to: WebSocket) =>
        from.on('message', (data, isBinary) => {
          if (to.readyState !== WebSocket.OPEN) return;
          to.send(data, { binary: isBinary });
          if (to.bufferedAmount > MAX_BUFFERED) {
            from.pause();
            const resume = () => (to.bufferedAmount > MAX_BUFFERED / 2 && to.readyState === WebSocket.OPEN ? setTimeout(resume, 10) : from.resume());
            setTimeout(resume, 10);
          }
        });
      relay(client, upstream);
      relay(upstream, client);
      upstream.on('close', (code, reason) => {
        if (client.readyState === WebSocket.OPEN) client.close(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000, reason);
      });
      client.on('close', () => {
        if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.close(1000);
      });
      client.on('error', () => upstream.terminate());
    });
  });
}

export function registerPodProxy(app: FastifyInstance, ctx: ApiContext): void {
  app.get('/api/v1/namespaces/:namespace/pods/:name/log', async (req: FastifyRequest, reply: FastifyReply) => {
    const { namespace, name } = req.params as { namespace: string; name: string };
    const query = new URL(req.url, 'http://apiserver').searchParams;
    let target: Target;
    try {
      target = await resolve(ctx, namespace, name, query.get('container') ?? undefined);
    } catch (e) {
      return ctx.sendStatus(reply, toStatus(e));
    }
    const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(target.container)}${forwardQuery(query, LOG_PARAMS)}`;
    let upstream: IncomingMessage;
    try {
      upstream = await new Promise<IncomingMessage>((ok, fail) => {
        const r = httpRequest({ host: target.host, port: target.port, path, method: 'GET', timeout: 10_000 }, ok);
        r.on('timeout', () => r.destroy(new Error('timeout')));
        r.on('error', fail);
        r.end();
      });
    } catch (e) {
      return ctx.sendStatus(reply, toStatus(e));
    }
    if ((upstream.statusCode ?? 500) >= 400) {
      const text = await new Promise<string>((ok) => {
        const chunks: Buffer[] = [];
        upstream.on('data', (d: Buffer) => chunks.push(d));
        upstream.on('end', () => ok(Buffer.concat(chunks).toString()));
        upstream.on('error', () => ok(''));
      });
      try {
        const st = JSON.parse(text) as Status;
        if (st.kind === 'Status') return ctx.sendStatus(reply, st);
      } catch {
        // not JSON: wrap it
      }
      return ctx.sendStatus(reply, failure(upstream.statusCode ?? 500, 'InternalError', text));
    }
    upstream.socket?.setTimeout(0);
    reply.raw.on('close', () => upstream.destroy());
    return reply.code(200).type('text/plain').send(upstream);
  });

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD,
    handleProtocols: (offered) => (offered.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : [...offered][0] ?? false),
  });
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '/').split('?')[0];
    const m = STREAM_PATH.exec(path);
    if (!m) {
      // Nobody else handles upgrades: answer instead of leaving the socket hanging.
      if (app.server.listenerCount('upgrade') === 1) writeHttpStatus(socket, failure(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const slot = ctx.admitStream(req.socket.remoteAddress ?? '');
    if ('refuse' in slot) return writeHttpStatus(socket, slot.refuse);
    socket.once('close', slot.release);
    relayUpgrade(ctx, wss, req, socket, head, m).catch((e) => writeHttpStatus(socket, toStatus(e)));
  });

  // Without an upgrade (e.g. kubectl's SPDY fallback POST): the same checks, then a clear Status.
  const noUpgrade = async (req: FastifyRequest, reply: FastifyReply) => {
    const { namespace, name } = req.params as { namespace: string; name: string };
    const query = new URL(req.url, 'http://apiserver').searchParams;
    const forward = req.url.split('?')[0].endsWith('/portforward');
    try {
      await resolve(ctx, namespace, name, forward ? null : query.get('container') ?? undefined);
    } catch (e) {
      return ctx.sendStatus(reply, toStatus(e));
    }
    const speaks = forward ? 'WebSocket SPDY/3.1+portforward.k8s.io or SPDY/3.1' : 'WebSocket v5.channel.k8s.io (SPDY is not supported)';
    return ctx.sendStatus(reply, statusFor.badRequest(`Upgrade request required: this server speaks ${speaks}`));
  };
  for (const sub of ['exec', 'attach', 'portforward']) {
    app.get(`/api/v1/namespaces/:namespace/pods/:name/${sub}`, noUpgrade);
    app.post(`/api/v1/namespaces/:namespace/pods/:name/${sub}`, noUpgrade);
  }
}
