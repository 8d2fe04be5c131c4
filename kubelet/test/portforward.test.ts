import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpdySession, createLogger, type SpdyStream } from '@minik8s/shared';
import { servePortForward, streamPort } from '../src/server/portforward';
import { canEnterNetns, dialPodIp, startNetnsHelper, type Dial } from '../src/server/pod-dial';

describe('port-forward stream headers', () => {
  it.each([
    [{ streamtype: 'data', port: '80' }, { port: 80 }],
    [{ streamtype: 'error', port: '65535', requestid: '3' }, { port: 65535 }],
    [{ streamtype: 'data' }, { error: '"port" header is required' }],
    [{ streamtype: 'data', port: 'http' }, { error: 'unable to parse "http" as a port' }],
    [{ streamtype: 'data', port: '65536' }, { error: 'unable to parse "65536" as a port' }],
    [{ streamtype: 'data', port: '0' }, { error: 'port "0" must be > 0' }],
    [{ streamtype: 'stdin', port: '80' }, { error: 'invalid stream type "stdin"' }],
  ])('%j → %j', (headers, want) => {
    expect(streamPort(headers)).toEqual(want);
  });
});

function readAll(s: SpdyStream): Promise<string> {
  return new Promise((ok) => {
    let text = '';
    s.on('data', (d: Buffer) => (text += d.toString()));
    s.once('end', () => ok(text));
  });
}

describe('servePortForward', () => {
  let echo: Server;
  let echoPort: number;
  let client: SpdySession;

  async function sessions(creationTimeoutMs?: number, dial: Dial = dialPodIp('127.0.0.1')): Promise<SpdySession> {
    const front = createServer();
    await new Promise<void>((ok) => front.listen(0, '127.0.0.1', ok));
    const accepted = new Promise<Socket>((ok) => front.once('connection', ok));
    const socket = connect((front.address() as { port: number }).port, '127.0.0.1');
    servePortForward(
      new SpdySession(await accepted, 'server'),
      { pod: 'web_default', uid: 'u1', dial },
      createLogger('test', { level: 'silent' }),
      creationTimeoutMs,
    );
    front.close();
    return new SpdySession(socket, 'client');
  }

  beforeAll(async () => {
    // The "pod": an echo server that closes when the client half-closes.
    echo = createServer((c) => c.pipe(c));
    await new Promise<void>((ok) => echo.listen(0, '127.0.0.1', ok));
    echoPort = (echo.address() as { port: number }).port;
    client = await sessions();
  });

  afterAll(() => {
    client.close();
    echo.close();
  });

  async function pair(port: number, requestID: string): Promise<{ error: SpdyStream; data: SpdyStream }> {
    const error = await client.open({ streamType: 'error', port: String(port), requestID });
    error.end();
    const data = await client.open({ streamType: 'data', port: String(port), requestID });
    return { error, data };
  }

  it('pipes each request pair to the pod port; pairs run side by side', async () => {
    const [a, b] = await Promise.all([pair(echoPort, '0'), pair(echoPort, '1')]);
    const got = [readAll(a.data), readAll(b.data), readAll(a.error), readAll(b.error)];
    a.data.end('first');
    b.data.end('second');
    expect(await Promise.all(got)).toEqual(['first', 'second', '', '']);
  });

  it('a megabyte each way', async () => {
    const p = await pair(echoPort, '9');
    const got = readAll(p.data);
    const chunk = 'x'.repeat(1024);
    for (let i = 0; i < 1024; i++) p.data.write(chunk);
    p.data.end();
    expect((await got).length).toBe(1024 * 1024);
  });

  it('a refused dial is reported on the error stream, and both streams end', async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((ok) => closed.close(() => ok()));
    const p = await pair(port, '2');
    const [message, data] = await Promise.all([readAll(p.error), readAll(p.data)]);
    expect(message).toBe(`error forwarding port ${port} to pod web_default, uid u1: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(data).toBe('');
  });

  it('an error stream whose data stream never comes is given up with a message', async () => {
    const lonely = await sessions(0);
    const error = await lonely.open({ streamType: 'error', port: String(echoPort), requestID: '7' });
    error.end();
    expect(await readAll(error)).toBe('timed out waiting for streams of request 7');
    lonely.close();
  });

  // nsenter into our own network namespace: the relay path of real pods, without a pod.
  it.runIf(canEnterNetns())('through nsenter and the helper: bytes both ways, and a refused dial', async () => {
    const helper = await startNetnsHelper(process.pid);
    const viaNetns = await sessions(undefined, helper.dial);
    const error = await viaNetns.open({ streamType: 'error', port: String(echoPort), requestID: '0' });
    error.end();
    const data = await viaNetns.open({ streamType: 'data', port: String(echoPort), requestID: '0' });
    const got = readAll(data);
    data.end('through the relay');
    expect([await got, await readAll(error)]).toEqual(['through the relay', '']);
    const refused = await viaNetns.open({ streamType: 'error', port: '1', requestID: '1' });
    refused.end();
    await viaNetns.open({ streamType: 'data', port: '1', requestID: '1' });
    expect(await readAll(refused)).toBe('error forwarding port 1 to pod web_default, uid u1: connect ECONNREFUSED 127.0.0.1:1');
    const big = await viaNetns.open({ streamType: 'error', port: String(echoPort), requestID: '2' });
    big.end();
    const bigData = await viaNetns.open({ streamType: 'data', port: String(echoPort), requestID: '2' });
    const echoed = readAll(bigData);
    bigData.end('y'.repeat(3 << 20));
    expect((await echoed).length).toBe(3 << 20);
    viaNetns.close();
    helper.stop();
  });

  it('a stream with bad headers is reset', async () => {
    await expect(client.open({ streamType: 'data', port: 'x', requestID: '3' })).rejects.toThrow(/reset/);
  });
});
