// port-forward: local listeners whose connections each become a pair of SPDY streams (error + data, one
// requestID) on one SPDY/3.1 session to pods/portforward, tunnelled in a WebSocket
// (SPDY/3.1+portforward.k8s.io) as kubectl ≥ 1.30 does. As kubectl v1.32: an error on one connection
// ends the whole forward ("lost connection to pod"), Ctrl-C ends it cleanly.
import { createServer, type Server, type Socket } from 'node:net';
import type { SpdySession, SpdyStream } from '@minik8s/shared/spdy';
import { getObject } from '../api';
import { parseResourceArgs, builtinType } from '../args';
import type { Ctx } from '../context';
import { CliError, usageError } from '../errors';
import { parseAddresses, parsePorts, podPorts, servicePorts, type ForwardedPort, type ListenAddress } from '../ports';
import { resourcePath, type KubeObject } from '../shared';
import { resolvePod } from './pods';

const TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';
const STAND_IN = 'portforward.k8s.io';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Pod = KubeObject & { spec?: any; status?: any };

const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

async function dial(ctx: Ctx, pod: Pod): Promise<SpdySession> {
  const url = ctx.client.url(resourcePath(builtinType('pods'), pod.metadata.namespace, pod.metadata.name, 'portforward'));
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const { default: WebSocket, createWebSocketStream } = await import('ws');
  const { SpdySession } = await import('@minik8s/shared/spdy');
  // ws only sends and accepts RFC 6455 token subprotocols, and Kubernetes' has a '/': ws negotiates a
  // stand-in while the request carries the real name, which the answer's header is mapped back from.
  const ws = new WebSocket(url, [STAND_IN], {
    // the kubeconfig's TLS settings and credentials, as every other request
    ...(await ctx.client.connectionOptions()),
    finishRequest: (req) => {
      req.setHeader('Sec-WebSocket-Protocol', TUNNEL_PROTOCOL);
      req.prependListener('upgrade', (res) => {
        if (res.headers['sec-websocket-protocol'] === TUNNEL_PROTOCOL) res.headers['sec-websocket-protocol'] = STAND_IN;
      });
      req.end();
    },
  });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', (e) => fail(new CliError(`error upgrading connection: ${e.message}`)));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        let msg = body;
        try {
          msg = JSON.parse(body).message ?? body;
        } catch {
          // not a Status: the body as it is
        }
        fail(new CliError(`error upgrading connection: ${msg}`));
      });
    });
  });
  return new SpdySession(createWebSocketStream(ws), 'client');
}

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((ok) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.once('end', () => ok(text));
    s.once('close', () => ok(text));
  });
}

class Forwarder {
  private requestId = 0;
  private servers: Server[] = [];

  constructor(private session: SpdySession) {}

  /** Listen on every address for one port; kubectl's rule: localhost may lose one of its two listeners, a given IP none. */
  async listen(port: ForwardedPort, addresses: ListenAddress[]): Promise<void> {
    const failed: string[] = [];
    let allOk = 0;
    for (const a of addresses) {
      try {
        const server = createServer((c) => void this.handle(c, port));
        await new Promise<void>((ok, fail) => {
          server.once('error', fail);
          server.listen({ host: a.address, port: port.local, ipv6Only: a.family === 6 }, () => ok());
        });
        port.local = (server.address() as { port: number }).port;
        this.servers.push(server);
        if (a.failureMode === 'all') allOk++;
        process.stdout.write(`Forwarding from ${hostPort(a.address, port.local)} -> ${port.remote}\n`);
      } catch (e) {
        failed.push(
          `${a.failureMode}: unable to create listener: Error listen tcp${a.family} ${hostPort(a.address, port.local)}: ${(e as Error).message}`,
        );
      }
    }
    const lost = (mode: string) => failed.filter((f) => f.startsWith(`${mode}:`)).length;
    if ((allOk === 0 && lost('all') > 0) || lost('any') > 0) {
      throw new Error(`Listeners failed to create with the following errors: [${failed.map((f) => f.replace(/^\w+: /, '')).join(' ')}]`);
    }
  }

  close(): void {
    for (const s of this.servers) s.close();
  }

  /** One local connection: an error stream and a data stream, then bytes both ways until the pod's side ends. */
  private async handle(conn: Socket, port: ForwardedPort): Promise<void> {
    process.stdout.write(`Handling connection for ${port.local}\n`);
    conn.on('error', () => undefined);
    const headers = { streamType: 'error', port: String(port.remote), requestID: String(this.requestId++) };
    let errorStream: SpdyStream;
    let data: SpdyStream;
    try {
      errorStream = await this.session.open(headers);
    } catch (e) {
      process.stderr.write(`error creating error stream for port ${port.local} -> ${port.remote}: ${(e as Error).message}\n`);
      conn.destroy();
      return;
    }
    errorStream.end(); // we write nothing on it
    const message = readAll(errorStream);
    try {
      data = await this.session.open({ ...headers, streamType: 'data' });
    } catch (e) {
      process.stderr.write(`error creating forwarding stream for port ${port.local} -> ${port.remote}: ${(e as Error).message}\n`);
      conn.destroy();
      return;
    }
    data.pipe(conn);
    conn.pipe(data);
    await new Promise<void>((ok) => {
      data.once('end', ok);
      data.once('close', ok);
      conn.once('error', ok);
    });
    data.reset();
    const text = await message;
    conn.end();
    if (text) {
      process.stderr.write(`an error occurred forwarding ${port.local} -> ${port.remote}: ${text}\n`);
      this.session.close();
    }
  }
}

export async function portForward(ctx: Ctx, args: string[], o: { address?: string[] }): Promise<number> {
  if (args.length < 2) throw usageError('TYPE/NAME and list of ports are required for port-forward', 'port-forward');
  const [target, ...specs] = args;
  let pod = await resolvePod(ctx, target);
  const kind = target.includes('/') ? (await parseResourceArgs(ctx, [target], 'port-forward'))[0].rt.kind : 'Pod';
  const translated =
    kind === 'Service'
      ? servicePorts(specs, await getObject(ctx, builtinType('services'), ctx.namespace, target.split('/')[1]), pod)
      : podPorts(specs, pod);
  const ports = parsePorts(translated);
  const addresses = parseAddresses(o.address ?? ['localhost']);
  pod = await getObject<Pod>(ctx, builtinType('pods'), pod.metadata.namespace, pod.metadata.name!);
  if (pod.status?.phase !== 'Running')
    throw new CliError(`unable to forward port because pod is not running. Current status=${pod.status?.phase ?? ''}`);

  const session = await dial(ctx, pod);
  const fwd = new Forwarder(session);
  let listening = false;
  for (const p of ports) {
    try {
      await fwd.listen(p, addresses);
      listening = true;
    } catch (e) {
      process.stderr.write(`Unable to listen on port ${p.local}: ${(e as Error).message}\n`);
    }
  }
  if (!listening) {
    session.close();
    throw new CliError(`unable to listen on any of the requested ports: [${ports.map((p) => `{${p.local} ${p.remote}}`).join(' ')}]`);
  }
  const stopped = await new Promise<boolean>((ok) => {
    const stop = () => ok(true);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    session.once('close', () => ok(false));
  });
  fwd.close();
  session.close();
  if (!stopped) throw new CliError('lost connection to pod');
  return 0;
}
