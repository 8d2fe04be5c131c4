// The whole apiserver in-process on the in-memory store, for unit tests that go through its routes.
import { createLogger } from '@minik8s/shared';
import { buildServer } from '../src/server';
import { MemoryStore } from './memstore';

export interface InProcess {
  server: ReturnType<typeof buildServer>;
  /** A request through the routes (JSON body unless a content-type says otherwise); the answer's code and JSON. */
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ code: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Ready, with the `default` namespace made by the bootstrap. */
  ready(): Promise<void>;
}

export function inProcessServer(): InProcess {
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
    const r = await server.app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });
    return { code: r.statusCode, body: r.body ? r.json() : undefined };
  };
  return {
    server,
    req,
    async ready() {
      await server.app.ready();
      for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/default')).code !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
