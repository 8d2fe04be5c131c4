// ApiClient.waitForApiserver: components started beside their apiserver (the compose cluster starts
// every service at once) begin as soon as it answers /readyz, not after a back-off.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient } from '../src';

const servers: Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});

/** A server whose /readyz answers codes[i] to its i-th request (the last one afterwards). */
function serve(codes: number[], port = 0): Promise<{ port: number; hits: () => number }> {
  let n = 0;
  const s = createServer((req, res) => {
    const code = codes[Math.min(n++, codes.length - 1)];
    res.writeHead(req.url === '/readyz' ? code : 404, { 'Content-Type': 'text/plain' }).end(code === 200 ? 'ok' : 'etcd unreachable');
  });
  servers.push(s);
  return new Promise((ok) => s.listen(port, '127.0.0.1', () => ok({ port: (s.address() as AddressInfo).port, hits: () => n })));
}

describe('ApiClient.waitForApiserver', () => {
  it('waits through 500s (etcd not reachable yet) until /readyz is ok', async () => {
    const { port, hits } = await serve([500, 500, 200]);
    await new ApiClient({ server: `http://127.0.0.1:${port}` }).waitForApiserver({ intervalMs: 10 });
    expect(hits()).toBe(3);
  });

  it('waits for a server that is not listening yet, and logs that it waits', async () => {
    const { port } = await serve([200]);
    servers.pop()!.close();
    const lines: string[] = [];
    const waiting = new ApiClient({ server: `http://127.0.0.1:${port}` }).waitForApiserver({ intervalMs: 20, logger: { info: (_o, m) => lines.push(m ?? '') } });
    await new Promise((r) => setTimeout(r, 100));
    const { hits } = await serve([200], port);
    await waiting;
    expect(hits()).toBe(1);
    expect(lines).toEqual(['waiting for the apiserver', 'the apiserver answers']);
  });

  it('an answer that is not a 5xx counts: a 403 is for the component to report', async () => {
    const { port, hits } = await serve([403]);
    await new ApiClient({ server: `http://127.0.0.1:${port}` }).waitForApiserver({ intervalMs: 10 });
    expect(hits()).toBe(1);
  });
});
