// `npm run bench:kubelet`: pod start latency through real etcd + apiserver + kubelet on Docker
// (pod created already bound → status Running), beside the same containers (pause + app joined to its
// network/IPC) started straight through the Docker API, alternating one of each, 20 times; then the
// kubelet's RSS with 50 pods running. Last line: one JSON object.
// Knobs: BENCH_PODS (20), BENCH_RSS_PODS (50).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { ApiClient, R, freePort, httpOk, percentile, until, type Pod } from '@minik8s/shared';
import { localPki } from '@minik8s/shared/pki';

const REPO = resolve(__dirname, '..', '..');
const N = Number(process.env.BENCH_PODS ?? 20);
const RSS_PODS = Number(process.env.BENCH_RSS_PODS ?? 50);
const PAUSE = 'minik8s/pause:3.10';
const BUSYBOX = 'minik8s/busybox:1.36';

const children: ChildProcess[] = [];
const dirs: string[] = [];
const log = (msg: string) => process.stdout.write(`${new Date().toISOString()} ${msg}\n`);

function tmp(name: string): string {
  const d = mkdtempSync(join(tmpdir(), `minik8s-bench-${name}-`));
  dirs.push(d);
  return d;
}

function start(name: string, cmd: string, args: string[]): ChildProcess {
  const out = openSync(join(tmp(name), 'out.log'), 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' } });
  children.push(child);
  return child;
}

function podBody(name: string, node: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'app', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  };
}

async function main(): Promise<void> {
  for (const img of ['pause', 'busybox'])
    execFileSync('flock', [`/tmp/minik8s-image-${img}.lock`, 'sh', join(REPO, 'images', img, 'build.sh')], { stdio: 'inherit' });
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const [etcdPort, peerPort, apiPort, kubeletPort, healthzPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const node = `bench-${process.pid}`;
  // etcd, the apiserver and the kubelet secured as in the cluster (TLS, each with its identity)
  const pki = await localPki(tmp('pki'), [node]);
  const etcd = pki.etcdArgs(etcdPort, peerPort);
  start('etcd', 'etcd', ['--data-dir', tmp('etcd-data'), ...etcd.args, '--unsafe-no-fsync']);
  await until('etcd', () => pki.etcdHealthy(etcd.endpoint), 20_000);
  const api = `https://127.0.0.1:${apiPort}`;
  start('apiserver', process.execPath, [
    join(REPO, 'apiserver/dist/main.js'),
    ...pki.etcdClientArgs(etcd.endpoint),
    ...pki.apiserverArgs(),
    '--bind-address',
    '127.0.0.1',
    '--secure-port',
    String(apiPort),
  ]);
  const client = new ApiClient({ server: api, ...pki.admin });
  await until(
    'apiserver',
    () =>
      client.request('GET', '/healthz').then(
        () => true as const,
        () => undefined,
      ),
    30_000,
  );
  const kubelet = start('kubelet', process.execPath, [
    join(REPO, 'kubelet/dist/main.js'),
    ...pki.kubeletArgs(api, node),
    '--hostname-override',
    node,
    '--address',
    '127.0.0.1',
    '--port',
    String(kubeletPort),
    '--healthz-port',
    String(healthzPort),
    '--root-dir',
    tmp('root'),
  ]);
  await until('kubelet', () => httpOk(`http://127.0.0.1:${healthzPort}/healthz`), 30_000);
  const pods = client.resource<Pod>(R.pods);

  // Watch for Running instead of polling, so the measurement is not quantised by a poll period.
  const runningAt = new Map<string, number>();
  const list = await pods.list({ namespace: 'default' });
  const watch = pods.watch({ namespace: 'default', resourceVersion: list.metadata.resourceVersion }, (e) => {
    const p = e.object;
    if (p.status?.phase === 'Running' && !runningAt.has(p.metadata.name!)) runningAt.set(p.metadata.name!, Date.now());
  });
  watch.done.catch(() => undefined);

  const dockerRun = async (i: number): Promise<{ ms: number; ids: string[] }> => {
    const t0 = Date.now();
    const pause = await docker.createContainer({
      name: `bench-docker-pause-${process.pid}-${i}`,
      Image: PAUSE,
      Labels: { 'io.minik8s.bench': node },
      HostConfig: { IpcMode: 'shareable' },
    });
    await pause.start();
    const app = await docker.createContainer({
      name: `bench-docker-app-${process.pid}-${i}`,
      Image: BUSYBOX,
      Cmd: ['sleep', '3600'],
      Labels: { 'io.minik8s.bench': node },
      HostConfig: { NetworkMode: `container:${pause.id}`, IpcMode: `container:${pause.id}` },
    });
    await app.start();
    return { ms: Date.now() - t0, ids: [pause.id, app.id] };
  };

  const kube: number[] = [];
  const base: number[] = [];
  const dockerIds: string[] = [];
  log(`measuring ${N} pod starts (kubelet) beside ${N} docker pause+app starts`);
  for (let i = 0; i < N; i++) {
    const d = await dockerRun(i);
    base.push(d.ms);
    dockerIds.push(...d.ids);
    const name = `lat-${i}`;
    const t0 = Date.now();
    await pods.create(podBody(name, node), { namespace: 'default' });
    await until(`${name} Running`, () => runningAt.get(name), 60_000, 5);
    kube.push(runningAt.get(name)! - t0);
  }
  await Promise.all(
    dockerIds.map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );

  const extra = Math.max(0, RSS_PODS - N);
  log(`starting ${extra} more pods (${N + extra} in all) for the RSS measurement`);
  for (let i = 0; i < extra; i++) await pods.create(podBody(`rss-${i}`, node), { namespace: 'default' });
  await until(`${RSS_PODS} pods Running`, () => (runningAt.size >= N + extra ? true : undefined), 300_000, 500);
  await new Promise((r) => setTimeout(r, 5000));
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${kubelet.pid}/status`, 'utf8'))?.[1] ?? 0);
  watch.stop();

  const p50k = percentile(kube, 50),
    p99k = percentile(kube, 99),
    p50d = percentile(base, 50),
    p99d = percentile(base, 99);
  log(
    `kubelet pod start ms: p50 ${p50k} p99 ${p99k}; docker pause+app ms: p50 ${p50d} p99 ${p99d}; kubelet RSS ${(rssKb / 1024).toFixed(1)} MB with ${N + extra} pods`,
  );
  const result = {
    bench: 'kubelet',
    pods: N,
    kubelet_start_ms_p50: p50k,
    kubelet_start_ms_p99: p99k,
    docker_start_ms_p50: p50d,
    docker_start_ms_p99: p99d,
    start_ratio_vs_docker_p50: Number((p50k / p50d).toFixed(2)),
    start_ratio_vs_docker_p99: Number((p99k / p99d).toFixed(2)),
    rss_mb_50_pods: Number((rssKb / 1024).toFixed(1)),
  };
  await cleanup(docker, node);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function cleanup(docker: Docker, node: string): Promise<void> {
  for (const c of children) c.kill('SIGKILL');
  // The kubelet's containers, and the baseline's (labelled apart so the kubelet does not take them for orphans).
  for (const label of [`io.minik8s.node=${node}`, `io.minik8s.bench=${node}`]) {
    const list = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
    await Promise.all(
      list.map((c) =>
        docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

main().catch(async (e) => {
  console.error(`bench:kubelet failed: ${(e as Error).stack ?? e}`);
  await cleanup(new Docker({ socketPath: '/var/run/docker.sock' }), `bench-${process.pid}`);
  process.exit(1);
});
