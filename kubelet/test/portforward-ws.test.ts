// port-forward's WebSocket channel protocol (the JavaScript and Python clients' way), against a real
// WebSocket pair on loopback and an echo server as the pod.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '@minik8s/shared';
import { decodeFrame, encodeFrame, serveWsPortForward, wsPorts, WS_CHANNEL_PROTOCOLS } from '../src/server/portforward-ws';
import { dialPodIp } from '../src/server/pod-dial';

describe('ports of a WebSocket port-forward (?port=)', () => {
  it.each<[string[], number[] | { error: string }]>([
    [['80'], [80]],
    [['80,8080', '9090'], [80, 8080, 9090]],
    [[], { error: 'query parameter "port" is required' }],
    [[''], { error: 'query parameter "port" cannot be empty' }],
    [['http'], { error: 'unable to parse "http" as a port' }],
    [['80,x'], { error: 'unable to parse "80,x" as a port' }],
    [['65536'], { error: 'unable to parse "65536" as a port' }],
    [['0'], { error: 'port "0" must be > 0' }],
  ])('%j → %j', (values, want) => expect(wsPorts(values)).toEqual(want));
});

describe('channel frames', () => {
  it('binary: the channel byte, then the data; base64: the channel digit, then base64', () => {
    expect(encodeFrame(2, Buffer.from('hi'), false)).toEqual(Buffer.from([2, 0x68, 0x69]));
    expect(encodeFrame(1, Buffer.from('hi'), true)).toBe('1aGk=');
    expect(decodeFrame(Buffer.from([0, 0x68, 0x69]), true, false)).toEqual({ channel: 0, data: Buffer.from('hi') });
    expect(decodeFrame(Buffer.from('0aGk='), false, true)).toEqual({ channel: 0, data: Buffer.from('hi') });
    expect(decodeFrame(Buffer.alloc(0), true, false)).toBeUndefined();
    expect(decodeFrame(Buffer.from('xaGk='), false, true)).toBeUndefined();
  });
});

describe('serveWsPortForward', () => {
  let echo: Server;
  let echoPort: number;
  let front: HttpServer;
  let frontPort: number;
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (ps) => [...ps].find((p) => WS_CHANNEL_PROTOCOLS.includes(p)) ?? false });

  beforeAll(async () => {
    echo = createServer((c) => c.pipe(c));
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', ok));
    echoPort = (echo.address() as { port: number }).port;
    front = createHttpServer();
    front.on('upgrade', (req, socket, head) => {
      const ports = wsPorts(new URL(req.url!, 'http://x').searchParams.getAll('port')) as number[];
      wss.handleUpgrade(req, socket, head, (ws) => serveWsPortForward(ws, ports, { pod: 'web_default', uid: 'u1', dial: dialPodIp('127.0.0.1') }, createLogger('test', { level: 'silent' })));
    });
    await new Promise<void>((ok) => front.listen(0, '127.0.0.1', ok));
    frontPort = (front.address() as { port: number }).port;
  });

  afterAll(() => {
    echo.close();
    front.close();
  });

  /** A client session: every message by channel, and the close code. */
  function open(ports: number[], protocol = 'v4.channel.k8s.io') {
    const ws = new WebSocket(`ws://127.0.0.1:${frontPort}/?${ports.map((p) => `port=${p}`).join('&')}`, ['v5.channel.k8s.io', protocol]);
    const base64 = protocol.includes('base64');
    const got = new Map<number, Buffer[]>();
    ws.on('message', (m: Buffer, isBinary: boolean) => {
      const f = decodeFrame(m, isBinary, base64)!;
      got.set(f.channel, [...(got.get(f.channel) ?? []), f.data]);
    });
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    const opened = new Promise<void>((ok, fail) => {
      ws.once('open', ok);
      ws.once('error', fail);
    });
    const text = (channel: number) => Buffer.concat((got.get(channel) ?? []).slice(1)).toString();
    return { ws, got, closed, opened, text, send: (channel: number, s: string) => ws.send(encodeFrame(channel, Buffer.from(s), base64), { binary: !base64 }) };
  }

  const waitFor = async (f: () => boolean) => {
    for (let i = 0; i < 200 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(f()).toBe(true);
  };

  it.each(['v4.channel.k8s.io', 'v4.base64.channel.k8s.io'])('%s: the port first on both channels, then bytes both ways; two ports at once', async (protocol) => {
    const c = open([echoPort, echoPort], protocol);
    await c.opened;
    expect(c.ws.protocol).toBe(protocol);
    const portBytes = Buffer.from([echoPort & 0xff, echoPort >> 8]);
    await waitFor(() => [0, 1, 2, 3].every((ch) => c.got.get(ch)?.[0]?.equals(portBytes)));
    c.send(0, 'to the first');
    c.send(2, 'to the second');
    await waitFor(() => c.text(0) === 'to the first' && c.text(2) === 'to the second');
    c.ws.close();
    expect(await c.closed).toBe(1005);
  });

  it('a refused dial: its message on the error channel, then the session ends', async () => {
    const closedServer = createServer();
    await new Promise<void>((ok) => closedServer.listen(0, '127.0.0.1', ok));
    const port = (closedServer.address() as { port: number }).port;
    await new Promise<void>((ok) => closedServer.close(() => ok()));
    const c = open([port]);
    expect(await c.closed).toBe(1000);
    expect(c.text(1)).toBe(`error forwarding port ${port} to pod web_default, uid u1: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(c.text(0)).toBe('');
  });
});
