// `npm run bench:scheduler`: 1000 pods onto 100 nodes through real etcd + apiserver + scheduler.
// Nodes are hollow (kubemark): all in one `kubelet/dist/hollow-nodes.js` process, or with
// BENCH_NODE_MODE=hollow-procs one `kubelet --hollow` process each, or =objects plain Node objects.
// Reports pods bound per second from the first create to the last binding (creates 32 at a time
// while the scheduler runs) with p50/p99 creation→binding; the scheduler alone on a backlog of as
// many pods created while it was stopped (first to last binding); and (with hollow nodes and a
// working controller-manager) a 1000-replica Deployment's time to all ready. Last line: one JSON object.
// Knobs: BENCH_PODS, BENCH_NODES, BENCH_NODE_MODE=hollow|hollow-procs|objects, BENCH_PARALLEL_BINDS,
// BENCH_CPU_PROF=DIR (V8 CPU profiles of the apiserver, scheduler and hollow nodes, written when they stop).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient, ApiError, R, httpOk, isNodeReady, percentile, until, type Node, type Pod } from '@minik8s/shared';
import { localPki, type LocalPki } from '@minik8s/shared/pki';

/** The run's cluster PKI: etcd, the apiserver and every component talk TLS with their own identity. */
let pki: LocalPki;

const REPO = resolve(__dirname, '..', '..');
const PODS = Number(process.env.BENCH_PODS ?? 1000);
const NODES = Number(process.env.BENCH_NODES ?? 100);
const children: ChildProcess[] = [];
const dirs: string[] = [];
let stopping = false;

const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);

// Listening ports come from below the ephemeral range (100 kubelets' own client sockets would
// otherwise grab a port between our probe and the kubelet's listen()) and below the NodePort range
// 30000-32767, which a compose cluster on this machine publishes on 127.0.0.1.
const usedPorts = new Set<number>();
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 10000);
    if (usedPorts.has(port)) continue;
    const ok = await new Promise<boolean>((res) => {
      const s = createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    });
    if (ok) {
      usedPorts.add(port);
      return port;
    }
  }
}

const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
const profiled: ChildProcess[] = [];

/** A control-plane node process, profiled when BENCH_CPU_PROF is set. */
function startProfiled(name: string, role: string, script: string, args: string[]): ChildProcess {
  const prof = CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF, '--cpu-prof-name', `${name}.cpuprofile`] : [];
  const child = start(name, process.execPath, [...prof, script, ...args], role);
  if (CPU_PROF) profiled.push(child);
  return child;
}

/** Which component each child is, to add up CPU time per component. */
const roles = new Map<ChildProcess, string>();

/** CPU seconds (user + system) each component's live processes have used, from /proc (clock ticks of 10 ms). */
function cpuSeconds(): Map<string, number> {
  const out = new Map<string, number>();
  const self = process.cpuUsage();
  out.set('bench', (self.user + self.system) / 1e6);
  for (const [ch, role] of roles) {
    if (ch.exitCode !== null || !ch.pid) continue;
    try {
      const f = readFileSync(`/proc/${ch.pid}/stat`, 'utf8');
      const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(role, (out.get(role) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}

/** Milliseconds of CPU per pod each component spent between two cpuSeconds() samples. */
function cpuPerPod(before: Map<string, number>, after: Map<string, number>, pods: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [role, s] of after) out[role] = Math.round(((s - (before.get(role) ?? 0)) * 1000 * 100) / pods) / 100;
  return out;
}

function start(name: string, cmd: string, args: string[], role = name): ChildProcess {
  const dir = mkdtempSync(join(tmpdir(), `minik8s-schedbench-${name}-`));
  dirs.push(dir);
  const out = openSync(join(dir, 'out.log'), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  children.push(child);
  roles.set(child, role);
  return child;
}

/** Run `fn` over `items` with at most `n` in flight. */
async function pool<T>(items: T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]);
    }),
  );
}

async function startNodes(c: ApiClient, server: string, mode: string): Promise<void> {
  const names = Array.from({ length: NODES }, (_, i) => `hollow-${String(i).padStart(3, '0')}`);
  let nodesGone: Promise<never> | undefined;
  const hollowFlags = [
    ...pki.kubeletArgs(server, 'hollow'),
    '--healthz-port',
    '0',
    '--node-ip',
    '127.0.0.1',
    '--address',
    '127.0.0.1',
    '--capacity',
    'cpu=4,memory=8Gi',
    '--node-status-update-frequency',
    '20',
  ];
  if (mode === 'hollow') {
    // All hollow nodes in one process (same API traffic as one process each, without 100 runtimes' CPU).
    const child = startProfiled('hollow-nodes', 'kubelets', join(REPO, 'kubelet', 'dist', 'hollow-nodes.js'), [
      '--count',
      String(NODES),
      '--hostname-override',
      'hollow',
      ...hollowFlags,
    ]);
    child.once('exit', (code) => stopping || log(`hollow nodes exited (${code})`));
    // Until they are Ready, their exit fails the bench at once (a crash would otherwise mean a 5-minute wait).
    nodesGone = new Promise((_, fail) =>
      child.once('exit', (code) => fail(new Error(`hollow nodes exited (${code}) before ${NODES} nodes were Ready`))),
    );
    nodesGone.catch(() => undefined);
  } else if (mode === 'hollow-procs') {
    const startKubelet = async (name: string, tries: number): Promise<void> => {
      const port = await freePort();
      const child = start(
        name,
        process.execPath,
        [join(REPO, 'kubelet', 'dist', 'main.js'), '--hollow', '--hostname-override', name, '--port', String(port), ...hollowFlags],
        'kubelets',
      );
      child.once('exit', (code) => {
        if (stopping) return;
        log(`hollow kubelet ${name} exited (${code})${tries > 0 ? '; restarting' : ''}`);
        if (tries > 0) void startKubelet(name, tries - 1);
      });
    };
    for (const name of names) await startKubelet(name, 3);
  } else {
    await pool(names, 16, async (name) => {
      const status = {
        capacity: { cpu: '4', memory: '8Gi', pods: '110' },
        allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'KubeletReady',
            lastHeartbeatTime: new Date().toISOString(),
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      };
      await c
        .resource(R.nodes)
        .create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, status });
      await c.resource(R.nodes).patch(name, { status }, 'merge', { subresource: 'status' });
    });
  }
  const ready = until(
    `${NODES} Ready nodes`,
    async () => {
      const nodes = (await c.resource<Node>(R.nodes).list()).items;
      const ready = nodes.filter((n) => n.status?.allocatable?.cpu && isNodeReady(n));
      return ready.length >= NODES ? true : undefined;
    },
    300_000,
    1000,
  );
  await (nodesGone ? Promise.race([ready, nodesGone]) : ready);
}

/** Watches a namespace for pods getting spec.nodeName; `done` resolves once `count` are bound. */
function watchBindings(c: ApiClient, namespace: string, rv: string, count: number) {
  const bound = new Map<string, number>();
  let allBound!: () => void;
  const all = new Promise<void>((r) => (allBound = r));
  const watch = c.resource<Pod>(R.pods).watch({ namespace, resourceVersion: rv, allowWatchBookmarks: true }, (ev) => {
    const p = ev.object;
    const name = p.metadata?.name;
    if (!name || !p.spec?.nodeName || bound.has(name)) return;
    bound.set(name, Date.now());
    if (bound.size === count) allBound();
  });
  watch.done.catch((e) => log(`watch ended: ${(e as Error).message}`));
  const done = Promise.race([
    all,
    new Promise<never>((_, fail) =>
      setTimeout(() => fail(new Error(`only ${bound.size}/${count} pods bound after 10 min`)), 600_000).unref(),
    ),
  ]).finally(() => watch.stop());
  return { bound, done };
}

/** Creates `count` pods in a new namespace, 32 requests in flight; returns when each create was sent. */
async function createPods(c: ApiClient, namespace: string, count: number): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  const names = Array.from({ length: count }, (_, i) => `pod-${i}`);
  await pool(names, 32, async (name) => {
    sent.set(name, Date.now());
    await afterTooMany(() =>
      c.resource<Pod>(R.pods).create(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, labels: { app: 'bench' } },
          spec: { containers: [{ name: 'c', image: 'minik8s/pause:3.10', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
        },
        { namespace },
      ),
    );
  });
  return sent;
}

/**
 * A request the apiserver refused for its in-flight limit (429) sent again after the Retry-After it gave, up
 * to 10 times, as client-go does: with the kubelets keeping up, their writes and the bench's creates can
 * exceed --max-mutating-requests-inflight together.
 */
async function afterTooMany<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      if (!(e instanceof ApiError) || e.code !== 429 || attempt >= 10) throw e;
      const seconds = Math.min(10, Math.max(1, Number(e.status.details?.retryAfterSeconds ?? 1)));
      await new Promise((r) => setTimeout(r, seconds * 1000));
    }
  }
}

async function newNamespace(c: ApiClient, name: string): Promise<string> {
  await c.resource(R.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  return (await c.resource(R.pods).list({ namespace: name, limit: 1 })).metadata.resourceVersion!;
}

/** The apiserver's request counts by verb, resource and subresource (apiserver_request_total) and its etcd calls by operation. */
async function apiRequests(c: ApiClient): Promise<Map<string, number>> {
  const text = String(await c.request<string>('GET', '/metrics', { accept: 'text/plain' }));
  const out = new Map<string, number>();
  const add = (key: string, n: string) => out.set(key, (out.get(key) ?? 0) + Number(n));
  const labels = (s: string) => Object.fromEntries([...s.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} ([0-9.e+]+)$/gm)) {
    const l = labels(m[1]);
    // failed requests apart, with their code (a 409 retried, a 429 from the in-flight limit)
    add(`${l.verb} ${l.resource}${l.subresource ? '/' + l.subresource : ''}${Number(l.code) >= 400 ? ' ' + l.code : ''}`, m[2]);
  }
  for (const m of text.matchAll(/^etcd_request_duration_seconds_count\{([^}]*)\} ([0-9.e+]+)$/gm))
    add(`etcd ${labels(m[1]).operation}`, m[2]);
  return out;
}

/** Requests per pod between two apiRequests readings (those under 0.05 per pod left out). */
function requestsPerPod(before: Map<string, number>, after: Map<string, number>, pods: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of after) {
    const per = Math.round(((v - (before.get(k) ?? 0)) / pods) * 100) / 100;
    if (per >= 0.05) out[k] = per;
  }
  return out;
}

/** Pods created while the scheduler runs: from the first create to the last binding, and creation→binding latency. */
async function benchPods(c: ApiClient): Promise<{
  podsPerS: number;
  p99: number;
  p50: number;
  createPerS: number;
  cpu: Record<string, number>;
  requests: Record<string, number>;
}> {
  const w = watchBindings(c, 'bench', await newNamespace(c, 'bench'), PODS);
  const req0 = await apiRequests(c);
  const cpu0 = cpuSeconds();
  const t0 = Date.now();
  const sent = await createPods(c, 'bench', PODS);
  const created = Date.now();
  log(`created ${PODS} pods in ${((created - t0) / 1000).toFixed(1)} s`);
  await w.done;
  const cpu = cpuPerPod(cpu0, cpuSeconds(), PODS);
  const requests = requestsPerPod(req0, await apiRequests(c), PODS);
  const last = Math.max(...w.bound.values());
  const lat = [...sent].map(([n, at]) => w.bound.get(n)! - at);
  return {
    podsPerS: PODS / ((last - t0) / 1000),
    p99: percentile(lat, 99),
    p50: percentile(lat, 50),
    createPerS: PODS / ((created - t0) / 1000),
    cpu,
    requests,
  };
}

/**
 * The scheduler alone: pods created while it is stopped, then bound by a fresh scheduler. From its
 * first binding to its last, no pod creation competes for the apiserver.
 */
async function benchBacklog(
  c: ApiClient,
  stopScheduler: () => Promise<void>,
  startScheduler: () => Promise<void>,
): Promise<{ podsPerS: number; cpu: Record<string, number> }> {
  await stopScheduler();
  const w = watchBindings(c, 'bench-backlog', await newNamespace(c, 'bench-backlog'), PODS);
  await createPods(c, 'bench-backlog', PODS);
  const cpu0 = cpuSeconds();
  await startScheduler();
  await w.done;
  // The scheduler's share includes its start-up (listing every pod); its process was not running at cpu0.
  const cpu = cpuPerPod(cpu0, cpuSeconds(), PODS);
  const times = [...w.bound.values()];
  return { podsPerS: (PODS - 1) / ((Math.max(...times) - Math.min(...times)) / 1000), cpu };
}

/** Hollow kubelets report every bound pod Running; let them finish before timing the Deployment. */
async function podsRunning(c: ApiClient): Promise<void> {
  await until(
    'every bench pod Running',
    async () => {
      const l = await c.resource(R.pods).list({ fieldSelector: 'status.phase!=Running', limit: 1 });
      return l.items.length === 0 ? true : undefined;
    },
    300_000,
    1000,
  );
}

async function benchDeployment(c: ApiClient, server: string): Promise<{ seconds: number; cpu: Record<string, number> } | null> {
  const cm = join(REPO, 'controller-manager', 'dist', 'main.js');
  const port = await freePort();
  const child = start('controller-manager', process.execPath, [
    cm,
    '--kubeconfig',
    pki.kubeconfig(server, 'controller-manager'),
    '--leader-elect=false',
    '--bind-address',
    '127.0.0.1',
    '--secure-port',
    String(port),
  ]);
  const up = await until<true | 'exited'>(
    'controller-manager healthz',
    () => (child.exitCode !== null ? 'exited' : httpOk(`http://127.0.0.1:${port}/healthz`)),
    30_000,
  ).catch(() => 'timed out');
  if (up !== true) {
    log('controller-manager did not start: deploy_1000_s = null');
    return null;
  }
  const cpu0 = cpuSeconds();
  const t0 = Date.now();
  await c.request('POST', '/apis/apps/v1/namespaces/bench/deployments', {
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'big' },
      spec: {
        replicas: 1000,
        selector: { matchLabels: { app: 'big' } },
        template: {
          metadata: { labels: { app: 'big' } },
          spec: { containers: [{ name: 'c', image: 'minik8s/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
        },
      },
    },
  });
  await until(
    '1000 ready replicas',
    async () => {
      const d = await c.request<{ status?: { readyReplicas?: number } }>('GET', '/apis/apps/v1/namespaces/bench/deployments/big');
      return (d.status?.readyReplicas ?? 0) >= 1000 ? true : undefined;
    },
    600_000,
    250,
  );
  return { seconds: (Date.now() - t0) / 1000, cpu: cpuPerPod(cpu0, cpuSeconds(), 1000) };
}

async function main(): Promise<void> {
  const mode = process.env.BENCH_NODE_MODE ?? (existsSync(join(REPO, 'kubelet', 'dist', 'hollow-nodes.js')) ? 'hollow' : 'objects');
  if (!['hollow', 'hollow-procs', 'objects'].includes(mode))
    throw new Error(`BENCH_NODE_MODE=${mode}: want hollow, hollow-procs or objects`);
  const etcdPort = await freePort();
  const peerPort = await freePort();
  const etcdDir = mkdtempSync(join(tmpdir(), 'minik8s-schedbench-etcd-'));
  dirs.push(etcdDir);
  pki = await localPki(join(etcdDir, 'pki'), ['hollow']);
  const etcd = pki.etcdArgs(etcdPort, peerPort);
  start('etcd', 'etcd', ['--data-dir', join(etcdDir, 'data'), ...etcd.args, '--unsafe-no-fsync']);
  await until('etcd', () => pki.etcdHealthy(etcd.endpoint), 30_000);
  const apiPort = await freePort();
  const server = `https://127.0.0.1:${apiPort}`;
  startProfiled('apiserver', 'apiserver', join(REPO, 'apiserver', 'dist', 'main.js'), [
    ...pki.etcdClientArgs(etcd.endpoint),
    ...pki.apiserverArgs(),
    '--bind-address',
    '127.0.0.1',
    '--secure-port',
    String(apiPort),
  ]);
  // as many connections as the creates in flight (32), so the client does not bound the load it drives
  const c = new ApiClient({ server, ...pki.admin, maxConnections: 64 });
  await until(
    'apiserver',
    () =>
      c.request('GET', '/healthz').then(
        () => true as const,
        () => undefined,
      ),
    60_000,
  );
  log(
    `starting ${NODES} nodes (${{ hollow: 'hollow nodes in one process', 'hollow-procs': 'one hollow kubelet process each', objects: 'Node objects, no kubelet' }[mode]})`,
  );
  await startNodes(c, server, mode);
  const schedPort = await freePort();
  let scheduler: ChildProcess;
  let runs = 0;
  const startScheduler = async () => {
    const name = runs++ ? `scheduler-${runs}` : 'scheduler';
    scheduler = startProfiled(name, 'scheduler', join(REPO, 'scheduler', 'dist', 'main.js'), [
      '--kubeconfig',
      pki.kubeconfig(server, 'scheduler'),
      '--leader-elect=false',
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(schedPort),
      ...(process.env.BENCH_PARALLEL_BINDS ? ['--parallel-binds', process.env.BENCH_PARALLEL_BINDS] : []),
    ]);
    await until('scheduler', () => httpOk(`http://127.0.0.1:${schedPort}/healthz`), 60_000);
  };
  const stopScheduler = () =>
    new Promise<void>((res) => {
      scheduler.once('exit', () => res());
      scheduler.kill('SIGTERM');
    });
  await startScheduler();
  log(`scheduling ${PODS} pods`);
  const r = await benchPods(c);
  log(`bound ${PODS} pods: ${r.podsPerS.toFixed(1)} pods/s (created at ${r.createPerS.toFixed(1)}/s), p50 ${r.p50} ms, p99 ${r.p99} ms`);
  // The scheduler's own CPU time per decision, to tell its cost apart from the apiserver's.
  const metrics = await (await fetch(`http://127.0.0.1:${schedPort}/metrics`)).text();
  const metric = (name: string) =>
    [...metrics.matchAll(new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+-]+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
  const algoMs =
    (metric('scheduler_scheduling_attempt_duration_seconds_sum') /
      Math.max(1, metric('scheduler_scheduling_attempt_duration_seconds_count'))) *
    1000;
  log(`scheduling algorithm: ${algoMs.toFixed(2)} ms per attempt`);
  const backlog = await benchBacklog(c, stopScheduler, startScheduler);
  log(`CPU ms per pod while creating and binding: ${JSON.stringify(r.cpu)}`);
  log(`apiserver requests per pod while creating and binding: ${JSON.stringify(r.requests)}`);
  log(
    `a backlog of ${PODS} pods bound at ${backlog.podsPerS.toFixed(1)} pods/s (first to last binding); CPU ms per pod: ${JSON.stringify(backlog.cpu)}`,
  );
  let deploy: { seconds: number; cpu: Record<string, number> } | null = null;
  if (mode !== 'objects')
    deploy = await podsRunning(c)
      .then(() => benchDeployment(c, server))
      .catch((e) => (log(`deployment bench failed: ${(e as Error).message}`), null));
  else log('no hollow kubelets: deploy_1000_s = null');
  if (deploy) log(`1000-replica Deployment ready in ${deploy.seconds.toFixed(1)} s; CPU ms per pod: ${JSON.stringify(deploy.cpu)}`);
  process.stdout.write(
    `${JSON.stringify({ bench: 'scheduler', pods_per_s: Math.round(r.podsPerS * 10) / 10, p99_ms: r.p99, p50_ms: r.p50, create_per_s: Math.round(r.createPerS * 10) / 10, backlog_pods_per_s: Math.round(backlog.podsPerS * 10) / 10, cpu_ms_per_pod: r.cpu, requests_per_pod: r.requests, backlog_cpu_ms_per_pod: backlog.cpu, algo_ms_per_pod: Math.round(algoMs * 100) / 100, nodes: NODES, pods: PODS, node_mode: mode, deploy_1000_s: deploy && Math.round(deploy.seconds * 10) / 10, deploy_cpu_ms_per_pod: deploy?.cpu ?? null })}\n`,
  );
}

/** Logs are kept (and named) when the bench fails. */
async function cleanup(ok: boolean): Promise<void> {
  stopping = true;
  for (const ch of children) if (ch.exitCode === null && !profiled.includes(ch)) ch.kill('SIGKILL');
  // Profiled processes write their profile on a clean exit (SIGTERM → shutdown hooks → exit);
  // the scheduler first, so the apiserver has no watch left open when it closes.
  for (const ch of [...profiled].reverse()) {
    if (ch.exitCode !== null) continue;
    await new Promise<void>((res) => {
      const t = setTimeout(() => (ch.kill('SIGKILL'), res()), 20_000);
      ch.once('exit', () => (clearTimeout(t), res()));
      ch.kill('SIGTERM');
    });
  }
  if (CPU_PROF) log(`CPU profiles in ${CPU_PROF}`);
  if (ok) for (const d of dirs) rmSync(d, { recursive: true, force: true });
  else process.stderr.write(`logs: ${dirs.join(' ')}\n`);
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void cleanup(false).then(() => process.exit(130)));

main()
  .then(() => cleanup(true).then(() => process.exit(0)))
  .catch((e) => {
    process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
    return cleanup(false).then(() => process.exit(1));
  });
