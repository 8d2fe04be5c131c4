// Small HTTP helpers for the apiserver integration tests (fetch over TLS as the test admin, no client library in the way).
import { tlsFetch, type Identity } from '../../testing/pki';

export interface Res {
  code: number;
  body: any;
  text: string;
}

export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
  as: Identity | null = 'admin',
): Promise<Res> {
  const init: { method: string; headers: Record<string, string>; signal: AbortSignal; body?: string | Uint8Array } = {
    method,
    headers: { ...headers },
    signal: AbortSignal.timeout(30_000),
  };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (contentType) init.headers['content-type'] = contentType;
  }
  const r = await tlsFetch(base + path, init, as);
  const text = await r.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { code: r.status, body: parsed, text };
}

export interface WatchStream {
  code: number;
  events: { type: string; object: any }[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  stop(): void;
}

/** Open a watch and collect its events as they arrive. */
export async function watch(base: string, path: string): Promise<WatchStream> {
  const ac = new AbortController();
  const r = await tlsFetch(base + path, { signal: ac.signal });
  const events: { type: string; object: any }[] = [];
  let buf = '';
  const ended = (async () => {
    if (!r.body) return;
    const dec = new TextDecoder();
    try {
      for await (const chunk of r.body as any) {
        buf += dec.decode(chunk, { stream: true });
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) events.push(JSON.parse(line));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { code: r.status, events, ended, stop: () => ac.abort() };
}

export const pod = (name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...extra },
});

export const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
  },
});
