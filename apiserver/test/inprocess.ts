// The whole apiserver in-process on the in-memory store (memstore.ts), for unit tests of routes and kinds.
import { createLogger } from '@minik8s/shared';
import { buildServer } from '../src/server';
import { MemoryStore } from './memstore';

export interface InProcess {
  server: ReturnType<typeof buildServer>;
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ code: number; body: any }>;
  close(): Promise<void>;
}

/** An apiserver on a fresh in-memory store, ready once the default namespace exists. */
export async function inProcessServer(): Promise<InProcess> {
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
  const req: InProcess['req'] = async (method, url, body, headers = {}) => {
    const type = headers['content-type'] ?? 'application/json';
    const r = await server.app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : JSON.stringify(body), headers: { ...headers, 'content-type': type } });
    let parsed: any;
    try {
      parsed = r.body ? r.json() : undefined;
    } catch {
      parsed = r.body;
    }
    return { code: r.statusCode, body: parsed };
  };
  await server.app.ready();
  for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/default')).code !== 200; i++) await new Promise((r) => setTimeout(r, 20));
  return { server, req, close: () => server.close() };
}
