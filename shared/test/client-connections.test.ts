// ApiClient's connection pools: requests answered at once share a bounded number of keep-alive connections
// (more wait for a free one); streams (watches) have their own and are never held up by them.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ApiClient } from '../src';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

/** A server that answers a request only when release() is called; it counts the connections it saw. */
async function heldServer() {
  const sockets = new Set<Socket>();
  const held: ServerResponse[] = [];
  let waiting: (() => void) | undefined;
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    sockets.add(req.socket);
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url?.startsWith('/watch')) return void res.write('{"type":"ADDED","object":{}}\n');
    held.push(res);
    waiting?.();
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const heldCount = async (n: number) => {
    while (held.length < n) await new Promise<void>((r) => (waiting = r));
  };
  const releaseAll = () => held.splice(0).forEach((r) => r.end('{}'));
  return { url, sockets, heldCount, releaseAll, held };
}

describe('ApiClient connections', () => {
  it('opens at most maxConnections for requests in flight and queues the rest', async () => {
    const s = await heldServer();
    const c = new ApiClient({ server: s.url, maxConnections: 2 });
    const all = Promise.all(Array.from({ length: 5 }, () => c.request('GET', '/api/v1/namespaces')));
    await s.heldCount(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.held.length).toBe(2);
    for (let answered = 0; answered < 5;) {
      answered += s.held.length;
      s.releaseAll();
      if (answered < 5) await s.heldCount(1);
    }
    expect(await all).toEqual(Array.from({ length: 5 }, () => ({})));
    expect(s.sockets.size).toBe(2);
    c.close();
  });

  it('a stream gets a connection while every request connection is busy', async () => {
    const s = await heldServer();
    const c = new ApiClient({ server: s.url, maxConnections: 1 });
    const pending = c.request('GET', '/api/v1/pods');
    await s.heldCount(1);
    const watch = await c.request('GET', '/watch', { stream: true });
    const line = await new Promise<string>((r) => watch.once('data', (b: Buffer) => r(b.toString())));
    expect(JSON.parse(line).type).toBe('ADDED');
    watch.destroy();
    s.releaseAll();
    expect(await pending).toEqual({});
    c.close();
  });
});
