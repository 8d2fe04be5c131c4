// `npm run bench:ingress`: requests/s and p99 latency through the Ingress (the controller and its
// nginx on loopback) beside the same pod reached directly at its IP, alternating round by round so both
// see the same machine load (wrk from Debian, keep-alive, medians of the rounds); then the time from an
// EndpointSlice change to traffic at the new endpoint (API watch, model, nginx -t, reload), beside a bare
// reload of nginx (test + SIGHUP until new workers serve) measured on the same machine. The backend pods
// are busybox httpd on the host's Docker engine (one connection, one fork per request, as the tour's pods).
// Last line: one JSON object with the figures.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient, R, freePort, httpOk, median, percentile, until, type KubeObject } from '@minik8s/shared';
import { HttpdPods, ensureImage, type HttpdPod } from './bench/pods';
import { Nginx } from './nginx';
import type { EndpointSlice } from './model';

const REPO = resolve(__dirname, '../..');
const ROUNDS = Number(process.env.BENCH_INGRESS_ROUNDS ?? 5);
const SECONDS = Number(process.env.BENCH_INGRESS_SECONDS ?? 4);
const CONNECTIONS = 8;
const RELOADS = Number(process.env.BENCH_INGRESS_RELOADS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'minik8s-bench-ingress-'));
const children: ChildProcess[] = [];
let controller: ChildProcess | undefined;
const pods = new HttpdPods(`ingbench${process.pid}`);

function start(name: string, cmd: string, args: string[]): ChildProcess {
  const out = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  children.push(child);
  return child;
}

interface WrkResult {
  rps: number;
  p99Ms: number;
  errors: number;
}

/** One wrk run; errors are socket errors plus non-2xx answers. */
function wrk(url: string, host?: string): Promise<WrkResult> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${SECONDS}s`, '--latency', ...(host ? ['-H', `Host: ${host}`] : []), url];
  return new Promise((ok, fail) =>
    execFile('wrk', args, { timeout: (SECONDS + 30) * 1000 }, (err, stdout) => {
      if (err) return fail(new Error(`wrk ${args.join(' ')}: ${err.message}`, { cause: err }));
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
      const p = /^\s+99%\s+([\d.]+)(us|ms|s)$/m.exec(stdout);
      const p99Ms = p ? Number(p[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[p[2]] : NaN;
      const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
      const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
      const errors = (socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
      if (!Number.isFinite(rps) || !Number.isFinite(p99Ms)) return fail(new Error(`wrk output not understood:\n${stdout}`));
      ok({ rps, p99Ms, errors });
    }),
  );
}

/** GET / through the Ingress on a new connection: the answering pod's name. */
function whoAnswers(port: number, host: string): Promise<string> {
  return new Promise((ok) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { host }, agent: false, timeout: 2000 }, (res) => {
      let b = '';
      res.setEncoding('utf8').on('data', (d) => (b += d));
      res.on('end', () => ok(b.trim()));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => ok(''));
  });
}

function slice(ps: HttpdPod[]): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-bench', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: ps.map((p) => ({ addresses: [p.ip], conditions: { ready: true } })),
  };
}

/** A bare nginx reload on this machine: a configuration of the same shape, tested and installed by SIGHUP. */
async function bareReloads(n: number): Promise<number[]> {
  const d = join(dir, 'bare');
  const status = await freePort();
  const port = await freePort();
  const nginx = new Nginx({ binary: 'nginx', confDir: d, statusPort: status, log: { info() {}, warn() {}, error() {} }, onExit: () => undefined });
  const conf = (i: number) => {
    const text = `daemon off; worker_processes 2; pid ${d}/nginx.pid; error_log stderr; events {} http { access_log off; client_body_temp_path ${d}/tmp/client-body; proxy_temp_path ${d}/tmp/proxy; fastcgi_temp_path ${d}/tmp/fastcgi; uwsgi_temp_path ${d}/tmp/uwsgi; scgi_temp_path ${d}/tmp/scgi;
      upstream u { server 10.255.0.${i % 2 ? 1 : 2}:8080; keepalive 64; }
      server { listen 127.0.0.1:${status}; location = /configuration-hash { return 200 "h${i}"; } }
      server { listen 127.0.0.1:${port}; server_name bench.test; location / { proxy_pass http://u; } } }`;
    return { text, hash: `h${i}` };
  };
  const times: number[] = [];
  try {
    await nginx.apply(conf(0), []);
    for (let i = 1; i <= n; i++) {
      const t = performance.now();
      await nginx.apply(conf(i), []);
      times.push(performance.now() - t);
    }
  } finally {
    await nginx.stop();
  }
  return times;
}

async function main(): Promise<void> {
  ensureImage();
  pods.removeAll();
  const [etcdPort, peerPort, apiPort, httpPort, httpsPort, statusPort, healthPort] = await Promise.all(Array.from({ length: 7 }, () => freePort()));
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  start('etcd', 'etcd', ['--data-dir', join(dir, 'etcd'), '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl, '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-cluster', `default=http://127.0.0.1:${peerPort}`, '--unsafe-no-fsync']);
  await until('etcd', () => httpOk(`${etcdUrl}/health`), 30_000, 200);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  start('apiserver', process.execPath, [join(REPO, 'apiserver/dist/main.js'), '--etcd-servers', etcdUrl, '--bind-address', '127.0.0.1', '--secure-port', String(apiPort)]);
  await until('apiserver', () => httpOk(`${apiUrl}/healthz`), 30_000, 200);
  const api = new ApiClient({ server: apiUrl });
  controller = start('ingress-controller', process.execPath, [
    join(REPO, 'ingress-controller/dist/main.js'), '--master', apiUrl, '--bind-address', '127.0.0.1', '--http-port', String(httpPort), '--https-port', String(httpsPort),
    '--status-port', String(statusPort), '--healthz-port', String(healthPort), '--healthz-host', '127.0.0.1', '--conf-dir', join(dir, 'nginx'), '--publish-status-address', '127.0.0.1',
  ]);
  await until('ingress controller', () => httpOk(`http://127.0.0.1:${healthPort}/readyz`), 30_000, 200);

  const [a, b] = [pods.start('pod-a'), pods.start('pod-b')];
  for (const p of [a, b]) await until(`${p.name} serving`, () => httpOk(`http://${p.ip}:8080/`), 15_000, 100);
  await api.resource(R.ingressclasses).create({ apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'minik8s.io/ingress-nginx' } });
  await api.resource(R.services).create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
  const slices = api.resource<EndpointSlice & KubeObject>(R.endpointslices);
  let current = await slices.create(slice([a]));
  const endpointsTo = async (p: HttpdPod) => {
    current = await slices.update({ ...slice([p]), metadata: { ...slice([p]).metadata, resourceVersion: current.metadata.resourceVersion } });
  };
  await api.resource(R.ingresses).create({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'bench', namespace: 'default' },
    spec: { ingressClassName: 'nginx', rules: [{ host: 'bench.test', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] },
  });
  await until('the Ingress serves pod-a', async () => (await whoAnswers(httpPort, 'bench.test')) === 'pod-a', 30_000, 100);

  // 1. throughput and latency, directly to a pod and through the Ingress to a twin pod, back to back. The
  // pods close every connection, so each request is a new connection to the pod: fresh pods (fresh IPs:
  // they stay until the end, or Docker gives their IPs to the next ones) each round, or the host's
  // ephemeral ports toward one pod IP run out (TIME_WAIT lasts a minute).
  const direct: WrkResult[] = [];
  const through: WrkResult[] = [];
  for (let r = -1; r < ROUNDS; r++) {
    const [d, i] = [pods.start(`direct-${r + 1}`), pods.start(`ingress-${r + 1}`)];
    for (const p of [d, i]) await until(`${p.name} serving`, () => httpOk(`http://${p.ip}:8080/`), 15_000, 100);
    await endpointsTo(i);
    await until(`the Ingress serves ${i.name}`, async () => (await whoAnswers(httpPort, 'bench.test')) === i.name, 30_000, 20);
    const x = await wrk(`http://${d.ip}:8080/`);
    const y = await wrk(`http://127.0.0.1:${httpPort}/`, 'bench.test');
    if (r < 0) continue; // warm-up
    direct.push(x);
    through.push(y);
    console.log(`round ${r + 1}/${ROUNDS}: direct ${x.rps.toFixed(0)} req/s p99 ${x.p99Ms.toFixed(2)} ms; ingress ${y.rps.toFixed(0)} req/s p99 ${y.p99Ms.toFixed(2)} ms`);
  }

  // 2. an EndpointSlice change until traffic reaches the new endpoint
  const reloads: number[] = [];
  for (let i = 0; i < RELOADS; i++) {
    const to = i % 2 === 0 ? b : a;
    const t = performance.now();
    await endpointsTo(to);
    await until(`traffic at ${to.name}`, async () => (await whoAnswers(httpPort, 'bench.test')) === to.name, 30_000, 1);
    reloads.push(performance.now() - t);
  }
  const bare = await bareReloads(RELOADS);

  const med = (xs: number[]) => median(xs);
  const directRps = med(direct.map((x) => x.rps));
  const ingressRps = med(through.map((x) => x.rps));
  const summary = {
    bench: 'ingress',
    rounds: ROUNDS,
    seconds_per_round: SECONDS,
    connections: CONNECTIONS,
    direct_rps: Math.round(directRps),
    ingress_rps: Math.round(ingressRps),
    // each round's pair ran back to back under the same machine load: the median of the per-round ratios
    ingress_rps_ratio_vs_direct: Number(med(through.map((x, i) => x.rps / direct[i].rps)).toFixed(3)),
    direct_p99_ms: Number(med(direct.map((x) => x.p99Ms)).toFixed(2)),
    ingress_p99_ms: Number(med(through.map((x) => x.p99Ms)).toFixed(2)),
    errors: [...direct, ...through].reduce((s, x) => s + x.errors, 0),
    ingress_reload_ms: Number(med(reloads).toFixed(1)),
    ingress_reload_p90_ms: Number(percentile(reloads, 90).toFixed(1)),
    nginx_bare_reload_ms: Number(med(bare).toFixed(1)),
  };
  console.log(`reload after an EndpointSlice change: p50 ${summary.ingress_reload_ms} ms, p90 ${summary.ingress_reload_p90_ms} ms (${RELOADS} changes); bare nginx -t + reload: p50 ${summary.nginx_bare_reload_ms} ms`);
  await stop();
  console.log(JSON.stringify(summary));
}

/** The controller first, by SIGTERM (it stops its nginx), then the rest. */
async function stop(): Promise<void> {
  const c = controller;
  if (c && c.exitCode === null && c.signalCode === null) {
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  }
  for (const x of children) if (x.exitCode === null && x.signalCode === null) x.kill('SIGKILL');
  pods.removeAll();
}

main().then(
  () => rmSync(dir, { recursive: true, force: true }),
  async (e) => {
    console.error(`bench:ingress failed: ${(e as Error).stack ?? e} (logs in ${dir})`);
    await stop();
    process.exit(1);
  },
);
