// The whole apiserver in-process on the in-memory store, for unit tests that drive it through HTTP
// (fastify's inject: no socket): the server, its store, a request helper, and a wait for the bootstrap.
import { createLogger } from '@minik8s/shared';
import { buildServer } from '../src/server';
import { MemoryStore } from './memstore';

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
  async function req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const r = await server.app.inject({ method: method as 'GET', url, payload, headers: { 'content-type': 'application/json', ...headers } });
    return { code: r.statusCode, body: r.body ? r.json() : undefined };
  }

  /** Resolves once the bootstrap objects (the default namespace) are served. */
  async function ready(): Promise<void> {
    await server.app.ready();
    for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/default')).code !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  }

  return { store, server, req, ready };
}
