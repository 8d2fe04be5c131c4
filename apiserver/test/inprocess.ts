// The whole apiserver in-process on the in-memory store (memstore.ts), for unit tests that go through its
// routes: `req` injects a request (no socket) and parses the JSON answer. It has the defaults of an
// apiserver started by hand (AlwaysAllow, anonymous requests) and a self-signed certificate in a
// throwaway --cert-dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@minik8s/shared';
import { buildServer } from '../src/server';
import { parseFlags } from '../src/flags';
import { MemoryStore } from './memstore';

export interface Answer {
  code: number;
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
  raw: Buffer;
}

type Built = Awaited<ReturnType<typeof buildServer>>;
export type InProcess = ReturnType<typeof inProcessServer>;

export function inProcessServer() {
  const store = new MemoryStore();
  let built: Built | undefined;
  let certDir: string | undefined;
  /** The server, once `ready` resolved. */
  const server = (): Built => {
    if (!built) throw new Error('the in-process apiserver is not ready: await ready() first');
    return built;
  };

  /** A request; a Buffer body is sent as it is (protobuf), anything else as JSON. */
  async function req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const r = await server().app.inject({
      method: method as 'GET',
      url,
      payload,
      headers: { 'content-type': 'application/json', ...headers },
    });
    let parsed: unknown;
    try {
      parsed = r.body ? JSON.parse(r.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { code: r.statusCode, body: parsed, headers: r.headers, raw: r.rawPayload };
  }

  /** Built and ready, with the default namespace created by the bootstrap. */
  async function ready(): Promise<void> {
    certDir = mkdtempSync(join(tmpdir(), 'minik8s-inprocess-'));
    built = await buildServer(
      {
        ...parseFlags(['--cert-dir', certDir]),
        advertiseAddress: '127.0.0.1',
        etcdCompactionIntervalMs: 0,
        watchCacheSize: 100,
        bookmarkIntervalMs: 10_000,
        logger: createLogger('apiserver', { level: 'silent' }),
      },
      store.asStore,
    );
    store.onCommit = (key, rev, obj) => built!.registry.committed(key, rev, obj);
    await built.app.ready();
    for (let i = 0; i < 100 && (await req('GET', '/api/v1/namespaces/default')).code !== 200; i++)
      await new Promise((r) => setTimeout(r, 20));
  }

  async function close(): Promise<void> {
    await built?.close();
    if (certDir) rmSync(certDir, { recursive: true, force: true });
  }

  return { store, server, req, ready, close };
}
