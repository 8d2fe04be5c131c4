// The whole apiserver in-process on the in-memory store (memstore.ts), for unit tests that go through its
// routes: `req` injects a request (no socket) and parses the JSON answer.
import { createLogger } from '@minik8s/shared';
import { buildServer } from '../src/server';
import { MemoryStore } from './memstore';

export interface Answer {
  code: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, string | string[] | number | undefined>;
  raw: Buffer;
}

export type InProcess = ReturnType<typeof inProcessServer>;

export function inProcessServer() {
  const store = new MemoryStore();
  const server = buildServer(
    {
      etcdPrefix: '/registry',
      bindAddress: '127.0.0.1',
      securePort: 6443,
      serviceClusterIpRange: '10.96.0.0/12',
      serviceNodePortRange: '30000-32767',
      advertiseAddress: '127.0.0.1',
      etcdCompactionIntervalMs: 0,
      watchCacheSize: 100,
      bookmarkIntervalMs: 10_000,
      logger: createLogger('apiserver', { level: 'silent' }),
    },
    store.asStore,
  );
  store.onCommit = (key, rev, obj) => server.registry.committed(key, rev, obj);

  /** A request; a Buffer body is sent as it is (protobuf), anything else as JSON. */
  async function req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const r = await server.app.inject({ method: method as 'GET', url, payload, headers: { 'content-type': 'application/json', ...headers } });
    let parsed: unknown;
    try {
      parsed = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { code: r.statusCode, body: parsed, headers: r.headers, raw: r.rawPayload };
  }

  /** Ready, with the default namespace created by the bootstrap. */
  async function ready(): Promise<void> {
    await server.app.ready();
    for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/default')).code !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  }

  return { store, server, req, ready, close: () => server.close() };
}
