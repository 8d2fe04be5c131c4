// The controller process with its real nginx (Debian's) on loopback ports, against a real apiserver;
// backends are busybox httpd "pods" on the host's Docker engine, and their EndpointSlices are written
// through the API as the endpoints controller would. Requests are real HTTP and TLS (SNI) from here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, R, isNotFound, type core, type KubeObject } from '@minik8s/shared';
import {
  adminOptions,
  applyManifestRbac,
  freePort,
  kubeconfigFile,
  removeDir,
  startApiserver,
  startComponent,
  stopAll,
  tempDir,
  waitFor,
  type Proc,
} from '../../testing/procs';
import { selfSignedCert } from '../../testing/pki';
import { HttpdPods, ensureImage, type HttpdPod } from '../src/bench/pods';
import { ConfigTestError, Nginx } from '../src/nginx';
import type { EndpointSlice, Ingress } from '../src/model';

let api: ApiClient;
let ctl: Proc;
let dir: string;
const ports = { http: 0, https: 0, status: 0, health: 0 };
const pods = new HttpdPods(`ingit${process.pid}`);
const live = new Map<string, HttpdPod>();
const certs: Record<string, { crt: string; key: string }> = {};

interface Reply {
  status: number;
  body: string;
  location?: string;
}

/** One GET to the Ingress's HTTP port with a Host header, on a new connection. */
function get(host: string, path = '/'): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = http.get({ host: '127.0.0.1', port: ports.http, path, headers: { host }, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d));
      res.on('end', () => ok({ status: res.statusCode!, body: body.trim(), location: res.headers.location }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

/** One GET over TLS with SNI `servername`, trusting the CA `ca`. */
function getTls(servername: string, path = '/', ca?: string): Promise<Reply> {
  return new Promise((ok, fail) => {
    const req = https.get(
      { host: '127.0.0.1', port: ports.https, path, servername, headers: { host: servername }, ca, agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d));
        res.on('end', () => ok({ status: res.statusCode!, body: body.trim() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', fail);
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function apply<T extends KubeObject>(rt: typeof R.services, obj: T): Promise<T> {
  const rc = api.resource<T>(rt);
  try {
    const cur = await rc.get(obj.metadata.name!, obj.metadata.namespace);
    return await rc.update({ ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata.resourceVersion } });
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return rc.create(obj);
  }
}

function service(name: string): core.Service & KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  };
}

/** The EndpointSlice of a Service as the endpoints controller writes it: ready pods, and terminating ones not ready. */
function endpointSlice(svc: string, ready: HttpdPod[], terminating: HttpdPod[] = []): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${svc}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [
      ...ready.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: true, serving: true, terminating: false },
        targetRef: { kind: 'Pod', name: p.name, namespace: 'default' },
      })),
      ...terminating.map((p) => ({
        addresses: [p.ip],
        conditions: { ready: false, serving: true, terminating: true },
        targetRef: { kind: 'Pod', name: p.name, namespace: 'default' },
      })),
    ],
  };
}

function startPod(name: string): HttpdPod {
  const p = pods.start(name);
  live.set(name, p);
  return p;
}

async function events(ingress: string): Promise<string[]> {
  const list = await api
    .resource<core.Event & KubeObject>(R.events)
    .list({ namespace: 'default', fieldSelector: `involvedObject.name=${ingress}` });
  return list.items.map((e) => `${e.type} ${e.reason}: ${e.message}`);
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${ports.health}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

beforeAll(async () => {
  ensureImage();
  pods.removeAll();
  dir = tempDir('minik8s-ingress-');
  const apiserver = await startApiserver();
  api = new ApiClient(adminOptions(apiserver.url));
  await applyManifestRbac(apiserver.url, 'ingress-controller/manifests/ingress-nginx.yaml');
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  await api.resource(R.ingressclasses).create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: 'nginx', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } },
    spec: { controller: 'minik8s.io/ingress-nginx' },
  });
  ctl = await startComponent(
    'ingress-controller',
    [
      // the add-on's identity (a client certificate for the ServiceAccount its manifest binds to its role)
      '--kubeconfig',
      await kubeconfigFile(apiserver.url, {
        user: 'system:serviceaccount:ingress-nginx:ingress-nginx',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:ingress-nginx'],
      }),
      '--bind-address',
      '127.0.0.1',
      '--http-port',
      String(ports.http),
      '--https-port',
      String(ports.https),
      '--status-port',
      String(ports.status),
      '--healthz-port',
      String(ports.health),
      '--healthz-host',
      '127.0.0.1',
      '--conf-dir',
      join(dir, 'nginx'),
      '--publish-status-address',
      '127.0.0.1',
      '--access-log',
      join(dir, 'access.log'),
      '--worker-processes',
      '2',
    ],
    `http://127.0.0.1:${ports.health}/readyz`,
  );
  for (const [svc, names] of [
    ['web', ['web-1', 'web-2']],
    ['api', ['api-1']],
  ] as const) {
    await apply(R.services, service(svc));
    await apply(R.endpointslices, endpointSlice(svc, names.map(startPod)));
  }
  for (const host of ['shop.test', 'www.test']) certs[host] = selfSignedCert(dir, host);
  const tls = (name: string, crt: string, key: string) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': b64(crt), 'tls.key': b64(key) },
  });
  await api.resource(R.secrets).create(tls('shop-tls', certs['shop.test'].crt, certs['shop.test'].key));
  // a certificate with another certificate's key: broken
  await api.resource(R.secrets).create(tls('broken-tls', certs['www.test'].crt, certs['shop.test'].key));
}, 120_000);

afterAll(async () => {
  // SIGTERM: the controller stops its nginx on the way out (a SIGKILL would leave nginx running)
  await ctl?.kill('SIGTERM');
  await stopAll();
  pods.removeAll();
  if (dir) removeDir(dir);
});

describe('the Ingress controller on nginx', () => {
  it('serves two hosts, a path rule and TLS with SNI; unknown hosts get 404; the default class was given', async () => {
    const ing: Ingress = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      // the api pods serve "/" only: /api/... reaches them as /...
      metadata: { name: 'shop', namespace: 'default', annotations: { 'nginx.ingress.kubernetes.io/rewrite-target': '/' } },
      spec: {
        tls: [{ hosts: ['shop.test'], secretName: 'shop-tls' }],
        rules: [
          {
            host: 'shop.test',
            http: {
              paths: [
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
                { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
              ],
            },
          },
          {
            host: 'www.test',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] },
          },
        ],
      },
    };
    const created = await api.resource<Ingress>(R.ingresses).create(ing);
    expect(created.spec?.ingressClassName).toBe('nginx');
    await waitFor('www.test served', async () => (await get('www.test')).status === 200, 15_000);
    const www = new Set<string>();
    for (let i = 0; i < 8; i++) www.add((await get('www.test')).body);
    expect([...www].sort()).toEqual(['web-1', 'web-2']);
    // the path rule: /api and below go to api, /apixyz does not (element-wise prefix)
    expect((await get('www.test', '/api')).body).not.toBe('api-1');
    expect((await get('shop.test', '/api')).status).toBe(308); // TLS host: plain HTTP is redirected
    expect((await get('shop.test', '/api/x')).location).toBe(`https://shop.test:${ports.https}/api/x`);
    expect(await getTls('shop.test', '/api', certs['shop.test'].crt)).toEqual({ status: 200, body: 'api-1' });
    expect((await getTls('shop.test', '/apixyz', certs['shop.test'].crt)).status).toBe(404); // web has no such file
    expect(['web-1', 'web-2']).toContain((await getTls('shop.test', '/', certs['shop.test'].crt)).body);
    // curl with the name resolved to loopback, as a user would
    const curl = execFileSync(
      'curl',
      [
        '-sS',
        '--noproxy',
        '*',
        '--cacert',
        join(dir, 'shop.test.crt'),
        '--resolve',
        `shop.test:${ports.https}:127.0.0.1`,
        `https://shop.test:${ports.https}/api`,
      ],
      { encoding: 'utf8' },
    );
    expect(curl.trim()).toBe('api-1');
    const unknown = await get('nobody.test');
    expect(unknown.status).toBe(404);
    // no certificate for an unknown name: the handshake is refused
    await expect(getTls('nobody.test')).rejects.toThrow(/unrecognized name|alert/i);
    const st = await waitFor(
      'status.loadBalancer filled',
      async () => {
        const i = await api.resource<Ingress>(R.ingresses).get('shop', 'default');
        return i.status?.loadBalancer?.ingress?.length ? i.status.loadBalancer.ingress : undefined;
      },
      10_000,
    );
    expect(st).toEqual([{ ip: '127.0.0.1' }]);
    expect(await events('shop')).toEqual(['Normal Sync: Scheduled for sync']);
    const log = readFileSync(join(dir, 'access.log'), 'utf8');
    expect(log).toMatch(/"GET \/api HTTP\/1\.1" 200 \d+ .*\[default-api-http\] \d+\.\d+\.\d+\.\d+:8080 /);
    // element-wise: /apixyz is not under /api, so web answered it
    expect(log).toMatch(/"GET \/apixyz HTTP\/1\.1" 404 \d+ .*\[default-web-80\] /);
  });

  it('answers 503 for a path whose Service does not exist, with an Event; the other paths are unaffected', async () => {
    await api.resource<Ingress>(R.ingresses).create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'partial', namespace: 'default' },
      spec: {
        rules: [
          {
            host: 'partial.test',
            http: {
              paths: [
                { path: '/gone', pathType: 'Exact', backend: { service: { name: 'missing', port: { number: 80 } } } },
                { path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } },
              ],
            },
          },
        ],
      },
    });
    await waitFor('partial.test served', async () => (await get('partial.test')).status === 200, 15_000);
    expect((await get('partial.test', '/gone')).status).toBe(503);
    expect((await get('partial.test', '/')).body).toBe('api-1');
    expect((await get('www.test')).status).toBe(200);
    await waitFor(
      'ServiceNotFound event',
      async () =>
        (await events('partial')).includes(
          'Warning ServiceNotFound: partial.test/gone: service "default/missing" not found; answering 503',
        ),
      10_000,
    );
  });

  it('skips a broken TLS Secret with an Event: the proxy reloads, its host is served over HTTP, the others keep TLS', async () => {
    const before = await metric('nginx_ingress_controller_success');
    await api.resource<Ingress>(R.ingresses).create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'broken', namespace: 'default' },
      spec: {
        tls: [{ hosts: ['broken.test'], secretName: 'broken-tls' }],
        rules: [
          {
            host: 'broken.test',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } }] },
          },
        ],
      },
    });
    await waitFor('broken.test served over HTTP', async () => (await get('broken.test')).status === 200, 15_000);
    await waitFor(
      'InvalidTLSSecret event',
      async () =>
        (await events('broken')).some((e) =>
          e.startsWith('Warning InvalidTLSSecret: secret "default/broken-tls" skipped (tls.key does not match the certificate in tls.crt)'),
        ),
      10_000,
    );
    expect(await metric('nginx_ingress_controller_success')).toBeGreaterThan(before);
    expect(await metric('nginx_ingress_controller_errors')).toBe(0);
    expect(await metric('nginx_ingress_controller_config_last_reload_successful')).toBe(1);
    expect((await getTls('shop.test', '/api', certs['shop.test'].crt)).body).toBe('api-1');
    await expect(getTls('broken.test')).rejects.toThrow();
  });

  it('follows a rolling update of its backend: no failed request out of at least 200 while the EndpointSlice changes', async () => {
    const failures: string[] = [];
    const answers = new Map<string, number>();
    let n = 0;
    let updating = true;
    const loop = (async () => {
      while (updating || n < 200) {
        try {
          const r = await get('www.test');
          if (r.status === 200) answers.set(r.body, (answers.get(r.body) ?? 0) + 1);
          else failures.push(`HTTP ${r.status}`);
        } catch (e) {
          failures.push((e as Error).message);
        }
        n++;
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    // maxSurge 1, maxUnavailable 0, as a Deployment's rolling update: a new pod is ready before an old one
    // leaves the endpoints; the old one keeps serving a while (its preStop) before it stops
    let current = [live.get('web-1')!, live.get('web-2')!];
    for (const [i, old] of [...current].entries()) {
      const fresh = startPod(`web-v2-${i + 1}`);
      await waitFor(
        `pod ${fresh.name} serving`,
        () =>
          fetch(`http://${fresh.ip}:8080/`).then(
            (r) => r.ok,
            () => false,
          ),
        10_000,
      );
      current = [...current.filter((p) => p !== old), fresh];
      await apply(R.endpointslices, endpointSlice('web', current, [old]));
      await new Promise((r) => setTimeout(r, 300));
      await apply(R.endpointslices, endpointSlice('web', current));
      await new Promise((r) => setTimeout(r, 1500));
      pods.stop(old);
      live.delete(old.name);
    }
    await new Promise((r) => setTimeout(r, 500));
    updating = false;
    await loop;
    expect(failures).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(200);
    expect(answers.get('web-v2-1')! + answers.get('web-v2-2')!).toBeGreaterThan(0);
    // after the update only the new pods answer
    const after = new Set<string>();
    for (let i = 0; i < 6; i++) after.add((await get('www.test')).body);
    expect([...after].sort()).toEqual(['web-v2-1', 'web-v2-2']);
  });

  it('answers /healthz, /readyz and /metrics with reloads counted; stops its nginx when stopped', async () => {
    for (const p of ['/healthz', '/readyz']) expect((await fetch(`http://127.0.0.1:${ports.health}${p}`)).status).toBe(200);
    expect(await metric('nginx_ingress_controller_success')).toBeGreaterThanOrEqual(5);
    expect(ctl.child.exitCode).toBeNull();
    const master = Number(readFileSync(join(dir, 'nginx', 'nginx.pid'), 'utf8'));
    await ctl.kill('SIGTERM');
    expect(ctl.child.exitCode).toBe(0);
    expect(() => process.kill(master, 0)).toThrow(/ESRCH/);
  });
});

describe('nginx, driven directly', () => {
  /** GET on a new connection (a kept-alive one may still be served by a worker of the previous configuration). */
  const text = (url: string) =>
    new Promise<string>((ok, fail) =>
      http
        .get(url, { agent: false }, (r) => {
          let b = '';
          r.setEncoding('utf8')
            .on('data', (d) => (b += d))
            .on('end', () => ok(b));
        })
        .on('error', fail),
    );

  it('never installs a configuration that fails nginx -t: the running one keeps serving', async () => {
    const d = tempDir('minik8s-nginx-');
    const status = await freePort();
    const port = await freePort();
    const n = new Nginx({
      binary: 'nginx',
      confDir: d,
      statusPort: status,
      log: { info() {}, warn() {}, error() {} },
      onExit: () => undefined,
    });
    const conf = (extra: string, hash: string) => ({
      hash,
      text: `daemon off; pid ${d}/nginx.pid; error_log stderr; events {} http { access_log off; client_body_temp_path ${d}/tmp/client-body; proxy_temp_path ${d}/tmp/proxy; fastcgi_temp_path ${d}/tmp/fastcgi; uwsgi_temp_path ${d}/tmp/uwsgi; scgi_temp_path ${d}/tmp/scgi;
        server { listen 127.0.0.1:${status}; location = /configuration-hash { return 200 "${hash}"; } }
        server { listen 127.0.0.1:${port}; ${extra} location / { return 200 "${hash}"; } } }`,
    });
    try {
      await n.apply(conf('', 'one'), []);
      expect(await text(`http://127.0.0.1:${port}/`)).toBe('one');
      await expect(n.apply(conf('no_such_directive on;', 'two'), [])).rejects.toThrow(ConfigTestError);
      await expect(n.apply(conf('no_such_directive on;', 'two'), [])).rejects.toThrow(/unknown directive "no_such_directive"/);
      expect(n.current).toBe('one');
      expect(await text(`http://127.0.0.1:${port}/`)).toBe('one');
      expect(readFileSync(join(d, 'nginx.conf'), 'utf8')).toContain('"one"');
      await n.apply(conf('', 'three'), []);
      expect(await text(`http://127.0.0.1:${port}/`)).toBe('three');
      await n.stop();
      expect(n.running).toBe(false);
      await expect(text(`http://127.0.0.1:${port}/`)).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await n.stop();
      removeDir(d);
    }
  });
});
