import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApiClient,
  ApiError,
  ConnectionError,
  LineSplitter,
  R,
  isGone,
  isNotFound,
  loadKubeconfig,
  KubeconfigError,
  warningsOf,
  type WatchEvent,
} from '../src';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_q, _b, res) => res.end();
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString(), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const json = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('ApiClient', () => {
  it('builds URLs, sends JSON and parses answers', async () => {
    let seen: { method?: string; url?: string; body?: string; ct?: string } = {};
    handler = (req, body, res) => {
      seen = { method: req.method, url: req.url, body, ct: req.headers['content-type'] };
      json(res, 201, { kind: 'Pod', metadata: { name: 'p', namespace: 'ns1' } });
    };
    const c = new ApiClient({ server: url });
    const pods = c.resource(R.pods);
    const p = await pods.create({ metadata: { name: 'p', namespace: 'ns1' } });
    expect(p.metadata.name).toBe('p');
    expect(seen).toEqual({
      method: 'POST',
      url: '/api/v1/namespaces/ns1/pods',
      body: '{"metadata":{"name":"p","namespace":"ns1"}}',
      ct: 'application/json',
    });

    await c.resource(R.deployments).patch('web', { spec: { replicas: 3 } }, 'strategic', { namespace: 'x', subresource: 'scale' });
    expect(seen).toMatchObject({
      method: 'PATCH',
      url: '/apis/apps/v1/namespaces/x/deployments/web/scale',
      ct: 'application/strategic-merge-patch+json',
    });

    await pods.list({ labelSelector: 'app in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: 10 });
    expect(seen.url).toBe('/api/v1/pods?labelSelector=app+in+%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1&limit=10');

    await pods.delete('p', { gracePeriodSeconds: 0, propagationPolicy: 'Background' });
    expect(seen.method).toBe('DELETE');
    expect(seen.url).toBe('/api/v1/namespaces/default/pods/p');
    expect(JSON.parse(seen.body!)).toEqual({
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Background',
    });

    await c.resource(R.nodes).get('n1', 'ignored');
    expect(seen.url).toBe('/api/v1/nodes/n1');
    await pods.createSubresource('p', 'binding', { target: { name: 'n1' } }, { namespace: 'a' });
    expect(seen.url).toBe('/api/v1/namespaces/a/pods/p/binding');
    c.close();
  });

  it('throws ApiError with the Status, or a Status made from a non-Status body', async () => {
    const c = new ApiClient({ server: url });
    handler = (_q, _b, res) =>
      json(res, 404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'NotFound',
        message: 'pods "x" not found',
        code: 404,
      });
    const e1 = await c
      .resource(R.pods)
      .get('x')
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(ApiError);
    expect(isNotFound(e1)).toBe(true);
    expect((e1 as ApiError).message).toBe('pods "x" not found');

    handler = (_q, _b, res) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
      res.end('bad gateway');
    };
    const e2 = (await c.request('GET', '/x').catch((e: unknown) => e)) as ApiError;
    expect(e2.code).toBe(502);
    expect(e2.status.kind).toBe('Status');
    expect(e2.message).toContain('bad gateway');

    handler = (_q, _b, res) => {
      res.writeHead(404);
      res.end();
    };
    const e3 = (await c.request('GET', '/y').catch((e: unknown) => e)) as ApiError;
    expect(e3.reason).toBe('NotFound');
    expect(e3.message).toBe('the server could not find the requested resource');
    c.close();
  });

  it('retries an idempotent request once when a reused keep-alive socket was closed by the server', async () => {
    const served = new WeakSet<object>();
    let resets = 0;
    handler = (req, _b, res) => {
      if (served.has(req.socket)) {
        resets++;
        req.socket.destroy();
        return;
      }
      served.add(req.socket);
      json(res, 200, { ok: true });
    };
    const c = new ApiClient({ server: url });
    expect(await c.request('GET', '/a')).toEqual({ ok: true });
    expect(await c.request('GET', '/b')).toEqual({ ok: true });
    expect(resets).toBe(1);
    c.close();
  });

  it('reports a refused connection like kubectl', async () => {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise((r) => s.close(r));
    const c = new ApiClient({ server: `http://127.0.0.1:${port}` });
    const e = await c.request('GET', '/version').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toBe(
      `The connection to the server 127.0.0.1:${port} was refused - did you specify the right host or port?`,
    );
  });
});

describe('watch', () => {
  const events = [
    { type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } },
    { type: 'MODIFIED', object: { metadata: { name: 'ü-é', resourceVersion: '6' } } },
    { type: 'BOOKMARK', object: { metadata: { resourceVersion: '7' } } },
    { type: 'DELETED', object: { metadata: { name: 'a', resourceVersion: '8' } } },
  ];

  it('streams events in order across arbitrary chunk boundaries', async () => {
    let seenUrl = '';
    handler = (req, _b, res) => {
      seenUrl = req.url!;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + '\n').join(''));
      let i = 0;
      const step = () => {
        if (i >= bytes.length) return res.end();
        const n = 1 + (i % 7);
        res.write(bytes.subarray(i, i + n));
        i += n;
        setImmediate(step);
      };
      step();
    };
    const c = new ApiClient({ server: url });
    const got: WatchEvent[] = [];
    const w = c
      .resource(R.pods)
      .watch({ namespace: 'ns', resourceVersion: '4', allowWatchBookmarks: true, timeoutSeconds: 30 }, async (e) => {
        await new Promise((r) => setTimeout(r, 1));
        got.push(e);
      });
    await w.done;
    expect(seenUrl).toBe('/api/v1/namespaces/ns/pods?watch=1&resourceVersion=4&allowWatchBookmarks=true&timeoutSeconds=30');
    // Objects get the kind/apiVersion the wire format leaves out of list/watch items.
    expect(got).toEqual(events.map((e) => (e.type === 'BOOKMARK' ? e : { ...e, object: { kind: 'Pod', apiVersion: 'v1', ...e.object } })));
    c.close();
  });

  it('rejects done with 410 on an ERROR event and on an HTTP 410', async () => {
    const c = new ApiClient({ server: url });
    const gone = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Expired',
      message: 'too old resource version: 1 (5)',
      code: 410,
    };
    handler = (_q, _b, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify(events[0]) + '\n');
      res.end(JSON.stringify({ type: 'ERROR', object: gone }) + '\n');
    };
    const got: WatchEvent[] = [];
    const e1 = await c
      .resource(R.pods)
      .watch({ resourceVersion: '1' }, (e) => void got.push(e))
      .done.catch((e: unknown) => e);
    expect(isGone(e1)).toBe(true);
    expect(got).toHaveLength(1);

    handler = (_q, _b, res) => json(res, 410, gone);
    const e2 = await c
      .resource(R.pods)
      .watch({ resourceVersion: '1' }, () => undefined)
      .done.catch((e: unknown) => e);
    expect(isGone(e2)).toBe(true);
    expect((e2 as ApiError).message).toContain('too old resource version');
    c.close();
  });

  it('stop() ends an open watch and resolves done', async () => {
    handler = (_q, _b, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(JSON.stringify(events[0]) + '\n');
    };
    const c = new ApiClient({ server: url });
    const got: WatchEvent[] = [];
    const w = c.resource(R.pods).watch({}, (e) => void got.push(e));
    while (got.length === 0) await new Promise((r) => setTimeout(r, 5));
    w.stop();
    await expect(w.done).resolves.toBeUndefined();
    c.close();
  });
});

describe('LineSplitter', () => {
  it('joins lines split inside multi-byte characters', () => {
    const s = new LineSplitter();
    const b = Buffer.from('{"a":"ü"}\n\n{"b":1}\n{"c"');
    const out: string[] = [];
    for (let i = 0; i < b.length; i++) out.push(...s.push(b.subarray(i, i + 1)));
    out.push(...s.end());
    expect(out).toEqual(['{"a":"ü"}', '{"b":1}', '{"c"']);
  });
});

describe('loadKubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-test-'));
  writeFileSync(join(dir, 'ca.crt'), 'CA-PEM');
  const kc1 = join(dir, 'one.yaml');
  writeFileSync(
    kc1,
    `apiVersion: v1
kind: Config
current-context: a
clusters:
- name: c1
  cluster: { server: "https://10.0.0.1:6443/", certificate-authority: ca.crt }
- name: c2
  cluster: { server: "http://127.0.0.1:8080", insecure-skip-tls-verify: true }
users:
- name: u1
  user: { token: tok1, client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')} }
contexts:
- name: a
  context: { cluster: c1, user: u1, namespace: team }
- name: b
  context: { cluster: c2, user: nobody }
- name: c
  context: { cluster: c2 }
`,
  );
  const kc2 = join(dir, 'two.yaml');
  writeFileSync(kc2, `current-context: c\nclusters:\n- name: c1\n  cluster: { server: "https://other" }\n`);
  const env = { HOME: dir };

  it('resolves the current context, relative files and inline data', () => {
    const cfg = loadKubeconfig({ path: kc1, env });
    expect(cfg).toEqual({
      server: 'https://10.0.0.1:6443',
      context: 'a',
      namespace: 'team',
      ca: Buffer.from('CA-PEM'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
      token: 'tok1',
    });
  });
  it('honours --context, --server and KUBECONFIG lists (first wins)', () => {
    expect(loadKubeconfig({ path: kc1, context: 'c', env })).toEqual({
      server: 'http://127.0.0.1:8080',
      context: 'c',
      insecureSkipTLSVerify: true,
    });
    expect(loadKubeconfig({ path: kc1, context: 'c', server: 'http://127.0.0.1:1', env }).server).toBe('http://127.0.0.1:1');
    const cfg = loadKubeconfig({ env: { HOME: dir, KUBECONFIG: `${join(dir, 'missing.yaml')}:${kc2}:${kc1}` } });
    expect(cfg.context).toBe('c');
    const a = loadKubeconfig({ context: 'a', env: { HOME: dir, KUBECONFIG: `${kc2}:${kc1}` } });
    expect(a.server).toBe('https://other');
    expect(loadKubeconfig({ server: '127.0.0.1:6443', env: { HOME: join(dir, 'nohome') } })).toEqual({ server: 'https://127.0.0.1:6443' });
  });
  it('fails clearly', () => {
    expect(() => loadKubeconfig({ path: join(dir, 'nope.yaml'), env })).toThrow(/nope.yaml: no such file or directory/);
    expect(() => loadKubeconfig({ path: kc1, context: 'zz', env })).toThrow(/context "zz" does not exist/);
    expect(() => loadKubeconfig({ path: kc1, context: 'b', env })).toThrow(/user "nobody"/);
    expect(() => loadKubeconfig({ env: { HOME: join(dir, 'nohome') } })).toThrow(KubeconfigError);
  });
  it('ApiClient.fromKubeconfig carries the namespace', () => {
    const c = ApiClient.fromKubeconfig({ path: kc1, context: 'c', env });
    expect(c.server).toBe('http://127.0.0.1:8080');
  });
});

describe('server warnings', () => {
  it('reads 299 warnings from each Warning header, several per value, escapes undone, UTF-8 kept', () => {
    const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
    expect(
      warningsOf([
        'Content-Type',
        'application/json',
        'Warning',
        '299 - "would violate PodSecurity \\"restricted:latest\\": x (a, b)"',
        'warning',
        `299 - "one", 299 - "two ${utf8('é')}", 199 - "misc"`,
      ]),
    ).toEqual(['would violate PodSecurity "restricted:latest": x (a, b)', 'one', 'two é']);
  });
});
