// The kubelet API (plain HTTP on --address:--port): /healthz, /metrics, /pods, /containerLogs,
// /exec and /attach (WebSocket v5.channel.k8s.io), /portForward (SPDY/3.1, upgraded or tunnelled in a
// WebSocket; or a WebSocket with the channel protocol), /stats/summary.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { MAX_WS_PAYLOAD, SpdySession, type core, type Logger, type Registry } from '@minik8s/shared';
import type { DockerRuntime } from '../runtime/docker';
import type { RuntimeContainer } from '../runtime/types';
import { containerSpec, latest, previous } from '../pod/actions';
import { pipeDockerStream, exitStatus, type StreamOptions } from './streams';
import { statsSummary } from './stats';
import { PORT_FORWARD_PROTOCOL, PORT_FORWARD_TUNNEL_PROTOCOL, servePortForward, type PortForwardTarget } from './portforward';
import { serveWsPortForward, wsPorts, WS_CHANNEL_PROTOCOLS } from './portforward-ws';
import { canEnterNetns, dialPodIp, startNetnsHelper } from './pod-dial';

export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export interface KubeletServerDeps {
  nodeName: string;
  runtime?: DockerRuntime;
  registry: Registry;
  log: Logger;
  pods(): core.Pod[];
  healthy(): boolean;
}

class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

function sendStatus(res: ServerResponse, code: number, message: string): void {
  const reason = code === 404 ? 'NotFound' : code === 400 ? 'BadRequest' : 'InternalError';
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

/** How long an attach to a container found stopped may still deliver its output before it is closed. */
const ATTACH_END_GRACE_MS = 2000;

export class KubeletServer {
  private server: Server;
  // a message above MAX_WS_PAYLOAD closes the connection (1009) instead of being buffered
  private wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD,
    handleProtocols: (protocols) => STREAM_PROTOCOLS.find((p) => protocols.has(p)) ?? false,
  });
  // ws refuses subprotocols that are not RFC 6455 tokens, and Kubernetes' has a '/': the request's
  // header is checked and taken out before ws sees it, and the answer is added back here.
  private pfWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD }).on('headers', (headers) => headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_TUNNEL_PROTOCOL}`));
  private channelWss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_WS_PAYLOAD,
    handleProtocols: (protocols) => [...protocols].find((p) => WS_CHANNEL_PROTOCOLS.includes(p)) ?? false,
  });

  constructor(private d: KubeletServerDeps) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e) => {
        const code = e instanceof HttpError ? e.code : 500;
        if (!res.headersSent) sendStatus(res, code, (e as Error).message);
        else res.destroy();
      });
    });
    this.server.on('upgrade', (req, socket, head) => {
      this.upgrade(req, socket, head).catch((e) => {
        const code = e instanceof HttpError ? e.code : 500;
        const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: (e as Error).message, code });
        socket.end(`HTTP/1.1 ${code} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      });
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((ok, fail) => {
      this.server.once('error', fail);
      this.server.listen(port, host, () => ok());
    });
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }

  private pod(ns: string, name: string): core.Pod {
    const p = this.d.pods().find((x) => x.metadata?.namespace === ns && x.metadata?.name === name);
    if (!p) throw new HttpError(404, `pod "${name}" not found in namespace "${ns}"`);
    return p;
  }

  /** The Docker container of a pod's container (newest, or the one before with previous=true). */
  private async container(ns: string, name: string, cname: string, prev = false): Promise<RuntimeContainer> {
    const rtm = this.d.runtime;
    if (!rtm) throw new HttpError(400, 'hollow kubelet: no containers');
    const pod = this.pod(ns, name);
    const role = (['app', 'init', 'ephemeral'] as const).find((r) => containerSpec(pod, r, cname));
    if (!role) throw new HttpError(400, `container ${cname} is not valid for pod ${name}`);
    const rt = (await rtm.listPods(pod.metadata!.uid)).get(pod.metadata!.uid!);
    const c = prev ? previous(rt, cname, role) : latest(rt, cname, role);
    if (!c) {
      if (prev) throw new HttpError(400, `previous terminated container "${cname}" in pod "${name}" not found`);
      throw new HttpError(400, `container "${cname}" in pod "${name}" is waiting to start: ContainerCreating`);
    }
    return c;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const q = url.searchParams;
    const text = (code: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(body);
    };
    switch (parts[0]) {
      case 'healthz':
        return text(this.d.healthy() ? 200 : 500, this.d.healthy() ? 'ok' : 'container runtime is down');
      case 'metrics':
        return text(200, await this.d.registry.metrics(), this.d.registry.contentType);
      case 'pods':
        return text(200, JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items: this.d.pods() }), 'application/json');
      case 'stats':
        if (parts[1] !== 'summary') break;
        return text(200, JSON.stringify(await statsSummary(this.d.nodeName, this.d.runtime, this.d.pods())), 'application/json');
      case 'containerLogs': {
        if (parts.length !== 4) break;
        const [, ns, name, cname] = parts;
        const c = await this.container(ns, name, cname, q.get('previous') === 'true');
        const follow = q.get('follow') === 'true';
        const tail = q.get('tailLines') !== null ? Math.max(0, Number(q.get('tailLines'))) : undefined;
        const since = q.get('sinceSeconds') ? Math.floor(Date.now() / 1000) - Number(q.get('sinceSeconds')) : q.get('sinceTime') ? Math.floor(Date.parse(q.get('sinceTime')!) / 1000) : undefined;
        const rtm = this.d.runtime!;
        const tty = await rtm.tty(c.id);
        const stream = await rtm.logs(c.id, { follow, tail, timestamps: q.get('timestamps') === 'true', since });
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Transfer-Encoding': 'chunked' });
        const limit = q.get('limitBytes') ? Number(q.get('limitBytes')) : Infinity;
        let sent = 0;
        const { Writable } = await import('node:stream');
        const sink = new Writable({
          write(chunk: Buffer, _e, cb) {
            if (sent >= limit) return cb();
            const part = chunk.subarray(0, Math.max(0, limit - sent));
            sent += part.length;
            res.write(part, () => cb());
          },
        });
        if (tty) stream.pipe(sink);
        else rtm.docker.modem.demuxStream(stream, sink, sink);
        await new Promise<void>((ok) => {
          stream.on('end', ok);
          stream.on('close', ok);
          stream.on('error', ok);
          res.on('close', () => {
            (stream as unknown as { destroy(): void }).destroy?.();
            ok();
          });
        });
        res.end();
        return;
      }
    }
    return text(404, '404 page not found');
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const kind = parts[0];
    if (kind === 'portForward' && parts.length === 3) return this.portForward(req, socket, head, parts[1], parts[2]);
    if ((kind !== 'exec' && kind !== 'attach') || parts.length !== 4) throw new HttpError(404, 'not found');
    const [, ns, name, cname] = parts;
    const q = url.searchParams;
    const o: StreamOptions = {
      stdin: q.get('stdin') === 'true' || q.get('input') === '1',
      stdout: q.get('stdout') !== 'false' && q.get('output') !== '0',
      stderr: q.get('stderr') === 'true' || q.get('error') === '1',
      tty: q.get('tty') === 'true',
    };
    const cmd = q.getAll('command');
    if (kind === 'exec' && cmd.length === 0) throw new HttpError(400, 'you must specify at least 1 command');
    const c = await this.container(ns, name, cname);
    if (c.state !== 'running') throw new HttpError(400, `container ${cname} is not running`);
    const docker = this.d.runtime!.docker;
    const dc = docker.getContainer(c.id);
    let stream: Duplex;
    let resize: (w: number, h: number) => Promise<unknown>;
    let finish: () => Promise<Record<string, unknown>>;
    let closeStdin = true;
    if (kind === 'exec') {
      const exec = await dc.exec({ Cmd: cmd, AttachStdin: o.stdin, AttachStdout: o.stdout, AttachStderr: o.stderr || o.tty, Tty: o.tty });
      stream = (await exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as unknown as Duplex;
      resize = (w, h) => exec.resize({ w, h });
      finish = async () => exitStatus((await exec.inspect()).ExitCode ?? 0, cmd);
    } else {
      const config = (await dc.inspect()).Config;
      o.tty = !!config?.Tty;
      closeStdin = config?.StdinOnce === true;
      stream = (await dc.attach({ stream: true, stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, hijack: true })) as unknown as Duplex;
      resize = (w, h) => dc.resize({ w, h });
      finish = async () => ({ metadata: {}, status: 'Success' });
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.d.log.debug({ kind, pod: `${ns}/${name}`, container: cname, protocol: ws.protocol }, 'stream session');
      pipeDockerStream(ws, docker, stream, o, resize, finish, closeStdin);
      // A container that exited between the state check above and Docker's attach leaves that attach
      // open until the container starts again, which ours never does: look again now that it is wired.
      // One that exits just after the attach (a shell fed its input at once, as `kubectl debug -i` does)
      // ends the stream itself once its last output is sent: it gets a moment to do so.
      if (kind === 'attach')
        dc.inspect().then(
          (i) => (i.State?.Running ? undefined : setTimeout(() => stream.destroy(), ATTACH_END_GRACE_MS).unref()),
          () => stream.destroy(),
        );
    });
  }

  /**
   * /portForward/NS/NAME: a WebSocket offering SPDY/3.1+portforward.k8s.io (SPDY bytes in binary messages),
   * a SPDY/3.1 upgrade with X-Stream-Protocol-Version: portforward.k8s.io (kubectl's fallback), or a
   * WebSocket with the channel protocol and ?port=... (portforward-ws.ts).
   */
  private async portForward(req: IncomingMessage, socket: Duplex, head: Buffer, ns: string, name: string): Promise<void> {
    const pod = this.pod(ns, name);
    const rtm = this.d.runtime;
    if (!rtm) throw new HttpError(400, 'hollow kubelet: no containers');
    const ip = pod.status?.podIP;
    if (pod.status?.phase !== 'Running' || !ip) throw new HttpError(400, `pod ${name} is not running and cannot be forwarded; current phase is ${pod.status?.phase ?? 'Pending'}`);
    const websocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    const tunnelled = websocket && offered.includes(PORT_FORWARD_TUNNEL_PROTOCOL);
    let wsPortList: number[] = [];
    if (websocket && !tunnelled) {
      // the channel protocol: its ports are in the query
      if (offered.length && !offered.some((p) => WS_CHANNEL_PROTOCOLS.includes(p))) {
        throw new HttpError(400, `unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${[PORT_FORWARD_TUNNEL_PROTOCOL, ...WS_CHANNEL_PROTOCOLS].join(' ')}]`);
      }
      const ports = wsPorts(new URL(req.url ?? '/', 'http://kubelet').searchParams.getAll('port'));
      if ('error' in ports) throw new HttpError(400, ports.error);
      wsPortList = ports;
    } else if (!websocket) {
      if (String(req.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1') throw new HttpError(400, `unsupported upgrade "${req.headers.upgrade ?? ''}": use websocket or SPDY/3.1`);
      const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((p) => p.trim());
      if (!versions.includes(PORT_FORWARD_PROTOCOL)) throw new HttpError(403, `unable to negotiate a stream protocol: the client asked for [${versions.join(' ')}], the server speaks [${PORT_FORWARD_PROTOCOL}]`);
    }
    const uid = pod.metadata?.uid ?? '';
    let dial = dialPodIp(ip);
    if (canEnterNetns()) {
      const sandbox = (await rtm.listPods(uid)).get(uid)?.sandboxes.find((c) => c.state === 'running');
      const pid = sandbox && (await rtm.docker.getContainer(sandbox.id).inspect()).State.Pid;
      if (!pid) throw new HttpError(400, `pod ${name} has no running sandbox`);
      const helper = await startNetnsHelper(pid);
      socket.once('close', () => helper.stop());
      dial = helper.dial;
    }
    const target: PortForwardTarget = { pod: `${name}_${ns}`, uid, dial };
    if (websocket && !tunnelled) {
      this.channelWss.handleUpgrade(req, socket, head, (ws) => serveWsPortForward(ws, wsPortList, target, this.d.log));
      return;
    }
    if (tunnelled) {
      delete req.headers['sec-websocket-protocol'];
      this.pfWss.handleUpgrade(req, socket, head, (ws) => {
        servePortForward(new SpdySession(createWebSocketStream(ws), 'server'), target, this.d.log);
      });
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`);
    if (head.length) socket.unshift(head);
    servePortForward(new SpdySession(socket, 'server'), target, this.d.log);
  }
}
