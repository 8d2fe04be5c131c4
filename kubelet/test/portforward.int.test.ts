// port-forward end to end: the real kubectl (v1.32: SPDY/3.1 tunnelled in a WebSocket, or its SPDY
// upgrade fallback), mkctl and a WebSocket channel-protocol client → apiserver podproxy → kubelet → a
// busybox httpd pod.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { R } from '@minik8s/shared';
import { adminOptions, kubeEnv, stopAll, waitFor, tlsFetch } from '../../testing/procs';
import { createPod, ctr, podSpec, startKubeletEnv, waitPod, type KubeletEnv } from '../../testing/kubelet';

const MKCTL = join(resolve(__dirname, '..', '..'), 'kubectl', 'dist', 'main.js');
type Tool = 'kubectl' | 'mkctl';

let env: KubeletEnv;
let kenv: NodeJS.ProcessEnv;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await startKubeletEnv();
  kenv = { ...process.env, ...kubeEnv(env.api.url) };
  const web = podSpec(
    'web',
    {
      containers: [
        ctr(
          'httpd',
          'mkdir -p /www /local && echo hello-from-pod > /www/index.html && yes 0123456789abcdef | head -c 2097152 > /www/big && echo only-on-localhost > /local/index.html && httpd -p 127.0.0.1:8081 -h /local && exec httpd -f -p 8080 -h /www',
          { ports: [{ name: 'http', containerPort: 8080 }] },
        ),
      ],
    },
    env.node,
    { app: 'web' },
  );
  await createPod(env, web);
  await env.client.resource(R.services).create(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
    },
    { namespace: 'default' },
  );
  await waitPod(env, 'web', 'Running with an IP', (p) => p.status?.phase === 'Running' && !!p.status.podIP);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await env?.cleanup();
  await stopAll();
});

interface Forward {
  child: ChildProcess;
  port: number;
  out(): string;
  err(): string;
  exited: Promise<number | null>;
}

/** Start `TOOL port-forward ARGS` and wait for its "Forwarding from 127.0.0.1:P -> R" line. */
async function forward(tool: Tool, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Forward> {
  const argv = ['port-forward', ...args];
  const child =
    tool === 'kubectl'
      ? spawn('kubectl', argv, { env: { ...kenv, ...extraEnv } })
      : spawn(process.execPath, [MKCTL, ...argv], { env: { ...kenv, ...extraEnv } });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  const port = await Promise.race([
    waitFor(
      `${tool} forwarding`,
      () => {
        const m = /Forwarding from 127\.0\.0\.1:(\d+) -> \d+/.exec(out);
        return m ? Number(m[1]) : undefined;
      },
      20_000,
      50,
    ),
    exited.then((code) => Promise.reject(new Error(`${tool} exited ${code}: ${err}`))),
  ]);
  return { child, port, out: () => out, err: () => err, exited };
}

/** GET / on a fresh connection: the status and body, or the connection error. */
function httpGet(port: number, path = '/'): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((ok) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => ok({ status: res.statusCode, body }));
      res.on('error', (e) => ok({ error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => ok({ error: e.message }));
  });
}

describe.each<Tool>(['kubectl', 'mkctl'])('%s port-forward', (tool) => {
  it('pod/NAME :8080 forwards a random local port; two connections at once', async () => {
    const f = await forward(tool, ['pod/web', ':8080']);
    try {
      // the two listen lines may reach us in separate reads
      const both = /^Forwarding from 127\.0\.0\.1:\d+ -> 8080\nForwarding from \[::1\]:\d+ -> 8080\n/;
      await waitFor('the IPv4 and IPv6 listen lines', () => both.test(f.out()) || undefined, 10_000, 20).catch(() => undefined);
      expect(f.out()).toMatch(both);
      expect(await httpGet(f.port)).toEqual({ status: 200, body: 'hello-from-pod\n' });
      const [a, b] = await Promise.all([httpGet(f.port), httpGet(f.port)]);
      expect(a).toEqual({ status: 200, body: 'hello-from-pod\n' });
      expect(b).toEqual({ status: 200, body: 'hello-from-pod\n' });
      expect(f.out()).toContain(`Handling connection for ${f.port}\n`);
      // 2 MiB: far past SPDY's default 64 KiB window, which neither side enforces (as spdystream)
      const big = await httpGet(f.port, '/big');
      expect(big.body?.length).toBe(2097152);
      expect(big.body?.startsWith('0123456789abcdef\n0123')).toBe(true);
      expect(f.child.exitCode).toBe(null);
    } finally {
      f.child.kill('SIGINT');
      await f.exited;
    }
  });

  it('svc/NAME PORT is mapped to the targetPort (a named container port) of one of its pods', async () => {
    const f = await forward(tool, ['svc/web', ':80']);
    try {
      expect(f.out()).toMatch(/-> 8080\n/);
      expect(await httpGet(f.port)).toEqual({ status: 200, body: 'hello-from-pod\n' });
    } finally {
      f.child.kill('SIGINT');
      await f.exited;
    }
  });

  // The kubelet dials inside the pod's network namespace when it may (root), as upstream.
  it.runIf(process.getuid?.() === 0)('a server bound to 127.0.0.1 in the pod', async () => {
    const f = await forward(tool, ['pod/web', ':8081']);
    try {
      expect(await httpGet(f.port)).toEqual({ status: 200, body: 'only-on-localhost\n' });
    } finally {
      f.child.kill('SIGINT');
      await f.exited;
    }
  });

  it('a port nothing listens on: the error for that connection, then the forward ends (lost connection to pod)', async () => {
    const f = await forward(tool, ['pod/web', ':9999']);
    const r = await httpGet(f.port);
    expect(r.status).toBeUndefined();
    const code = await f.exited;
    expect(f.err()).toMatch(
      new RegExp(
        `an error occurred forwarding ${f.port} -> 9999: error forwarding port 9999 to pod web_default, uid [0-9a-f-]+: .*ECONNREFUSED`,
      ),
    );
    expect(f.err()).toContain('error: lost connection to pod');
    expect(code).toBe(1);
  });
});

describe('kubectl port-forward transports', () => {
  it.each([
    [
      'SPDY tunnelled in a WebSocket (the default)',
      {},
      [
        /GET .*\/pods\/web\/portforward/,
        /Sec-Websocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io/,
        /negotiated protocol: portforward\.k8s\.io/,
      ],
    ],
    [
      'the SPDY/3.1 upgrade (its fallback)',
      { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' },
      [/POST .*\/pods\/web\/portforward/, /X-Stream-Protocol-Version: portforward\.k8s\.io/],
    ],
  ])('%s', async (_name, extraEnv, logged) => {
    const f = await forward('kubectl', ['web', ':8080', '-v=7'], extraEnv);
    try {
      expect(await httpGet(f.port)).toEqual({ status: 200, body: 'hello-from-pod\n' });
      for (const re of logged) expect(f.err()).toMatch(re);
      expect(f.err()).toMatch(/Response Status: 101 Switching Protocols/);
    } finally {
      f.child.kill('SIGINT');
      await f.exited;
    }
  });
});

describe('the WebSocket channel protocol (the JavaScript and Python clients)', () => {
  /** One session through the apiserver: the messages by channel (port bytes stripped) and the close code. */
  function session(query: string): Promise<{ channels: Map<number, string>; code: number; protocol: string }> {
    // as the admin, verifying the apiserver with the cluster CA
    const { ca, cert, key } = adminOptions(env.api.url);
    const ws = new WebSocket(
      `${env.api.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/web/portforward?${query}`,
      ['v5.channel.k8s.io', 'v4.channel.k8s.io'],
      { ca, cert, key },
    );
    const channels = new Map<number, string>();
    const seen = new Set<number>();
    ws.on('open', () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('GET / HTTP/1.0\r\n\r\n')])));
    ws.on('message', (m: Buffer) => {
      const ch = m[0];
      if (!seen.has(ch)) return void seen.add(ch); // the port, first on each channel
      channels.set(ch, (channels.get(ch) ?? '') + m.subarray(1).toString());
    });
    return new Promise((ok, fail) => {
      ws.on('close', (code) => ok({ channels, code, protocol: ws.protocol }));
      ws.on('error', fail);
      ws.on('unexpected-response', (_r, res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => fail(new Error(`${res.statusCode} ${body}`)));
      });
    });
  }

  it('?ports=8080: an HTTP exchange with the pod on channel 0; the session ends with the connection', async () => {
    const r = await session('ports=8080');
    expect(r.protocol).toBe('v4.channel.k8s.io');
    expect(r.channels.get(0)).toMatch(/^HTTP\/1\.[01] 200 OK[\s\S]*hello-from-pod\n$/);
    expect(r.channels.get(1) ?? '').toBe('');
    expect(r.code).toBe(1000);
  });

  it('?ports= that is no port: a 400 Status from the apiserver', async () => {
    const e = (await session('ports=http').catch((x: Error) => x)) as Error;
    const [code, body] = [e.message.slice(0, 3), JSON.parse(e.message.slice(4))];
    expect({ code, body }).toMatchObject({
      code: '400',
      body: { kind: 'Status', reason: 'BadRequest', message: 'invalid port "http" in ports=http: a port is a number from 1 to 65535' },
    });
  });
});

describe('errors before the upgrade', () => {
  it('the apiserver answers a Status: 404 for a missing pod, 400 for a pod not running', async () => {
    await createPod(env, podSpec('pending', { containers: [ctr('c', 'sleep 1')] }, 'no-such-node'));
    const missing = await tlsFetch(`${env.api.url}/api/v1/namespaces/default/pods/nosuch/portforward`, { method: 'POST' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nosuch" not found' });
    const pending = await new Promise<{ status?: number; body: string }>((ok) => {
      const { ca, cert, key } = adminOptions(env.api.url);
      const req = request(`${env.api.url}/api/v1/namespaces/default/pods/pending/portforward`, {
        ca,
        cert,
        key,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
        },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => ok({ status: res.statusCode, body }));
      });
      req.end();
    });
    expect(pending.status).toBe(400);
    expect(JSON.parse(pending.body)).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      message: 'pod pending is not running and cannot be forwarded; current phase is Pending',
    });
  });

  it.each([
    [['nosuch', '80'], 'Error from server (NotFound): pods "nosuch" not found'],
    [['pending', '80'], 'error: unable to forward port because pod is not running. Current status=Pending'],
    [['web', 'nohttp'], "error: Pod 'web' does not have a named port 'nohttp'"],
    [['svc/web', '81'], 'error: Service web does not have a service port 81'],
  ])('kubectl and mkctl say the same: port-forward %j', async (args, message) => {
    for (const tool of ['kubectl', 'mkctl'] as const) {
      const r =
        tool === 'kubectl'
          ? spawnSync('kubectl', ['port-forward', ...args], { env: kenv, encoding: 'utf8', timeout: 30_000 })
          : spawnSync(process.execPath, [MKCTL, 'port-forward', ...args], { env: kenv, encoding: 'utf8', timeout: 30_000 });
      expect({ tool, code: r.status, err: r.stderr.trim() }).toEqual({ tool, code: 1, err: message });
    }
  });
});
