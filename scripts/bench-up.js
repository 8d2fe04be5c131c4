#!/usr/bin/env node
'use strict';
// npm run bench:up — time-to-k8s as minikube's benchmark defines it: from the start command until a
// test Deployment is Running and the cluster DNS answers. On a compose project of its own
// (minik8s-bench, own ports), from a wiped cluster each time:
//   warm: images already built (npm run up as a user runs it, tsc -b included), and the registry
//         keeps the pod images pushed before (as minikube's warm start keeps its image cache); etcd
//         and the nodes' Docker volumes are wiped;
//   cold: every minik8s image rebuilt without the Docker build cache, and the nodes' image volumes
//         wiped (the base image, node:20-bookworm-slim or the debootstrapped one, is kept).
// Then memory of the control plane (etcd, apiserver, scheduler, controller-manager) and of one node
// container (dockerd, containerd, kubelet, kube-proxy and pod processes) running 10 pods: as `docker
// stats` shows it (the containers' cgroup memory: *_mem_mb), and as the sum of the processes' RSS and
// of their PSS (shared pages divided among the processes mapping them).
// Last line: {"bench":"up","time_to_k8s_warm_s":…,"time_to_k8s_cold_s":…,"control_plane_mem_mb":…,"node_mem_mb_10_pods":…,"control_plane_rss_mb":…,"node_rss_mb_10_pods":…}
// (time_to_k8s_* is null when the cluster DNS never answered; time_to_running_deployment_* is also given.)
// BENCH_UP_SKIP_COLD=1 measures warm only.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const net = require('node:net');

/** n distinct loopback ports nothing listens on now (other work on the machine may hold any fixed one). */
async function freePorts(n) {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve(s));
  })));
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** scripts/cluster.js for the bench's project, loaded by main() once its ports are chosen. */
let c;

const ns = 'default';
const api = (method, p, body) => c.request(c.SERVER + p, { method, body, timeoutMs: 15_000 });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function script(name, args = [], env = {}) {
  const r = spawnSync(process.execPath, [path.join(__dirname, name), ...args], { cwd: c.REPO, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} failed:\n${(r.stdout + r.stderr).slice(-3000)}`);
  return r.stdout;
}

function deployment(name, replicas, nodeName) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas, selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          ...(nodeName ? { nodeSelector: { 'kubernetes.io/hostname': nodeName } } : {}),
          containers: [{ name: 'web', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['httpd', '-f', '-p', '8080', '-h', '/etc'] }],
        },
      },
    },
  };
}

async function runningPods(app) {
  const r = await api('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3D${app}`);
  return r.json.items.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);
}

/** Remove the cluster, and its volumes but the registry's when keepRegistry. */
function wipe(keepRegistry) {
  if (!keepRegistry) return script('down.js', ['--volumes']);
  script('down.js');
  const vols = c.run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${process.env.COMPOSE_PROJECT_NAME}`]).stdout.split('\n').filter((v) => v && !v.endsWith('_registry-data'));
  if (vols.length && c.run('docker', ['volume', 'rm', ...vols]).status !== 0) throw new Error(`could not remove the volumes ${vols.join(' ')}`);
}

/** One time-to-k8s run from a wiped cluster: seconds, with where they went. */
async function timeToK8s(label, env, keepRegistry) {
  wipe(keepRegistry);
  const t0 = Date.now();
  const out = script('up.js', [], { MINIK8S_WAIT_DNS: '0', MINIK8S_WAIT_INGRESS: '0', ...env });
  const up = (Date.now() - t0) / 1000;
  // up.js's stage lines ("✔ images — … (1.2 s)"): where the time goes
  for (const line of out.split('\n')) if (/^[✔✘]/.test(line)) console.log(`  up.js ${line.slice(2)}`);
  const r = await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('time-to-k8s', 1));
  if (r.status !== 201) throw new Error(`create deployment: ${r.status} ${r.text}`);
  await until('the test Deployment Running', async () => (await runningPods('time-to-k8s')).length === 1, 300_000);
  const deployed = (Date.now() - t0) / 1000;
  let dns = true;
  try {
    await until('the cluster DNS', () => c.dnsAnswers(), 120_000);
  } catch {
    dns = false;
  }
  const s = (Date.now() - t0) / 1000;
  console.log(`${label}: up.js ${up.toFixed(1)} s, then the Deployment Running at ${deployed.toFixed(1)} s${dns ? `, a DNS answer at ${s.toFixed(1)} s` : ' (the cluster DNS never answered)'}`);
  return { k8s: dns ? s : null, deployed };
}

/** Memory (MB) of every process ps sees inside a service's container: the sum of their RSS, and of
 *  their PSS (shared pages, such as the node binary's or a Go binary's text mapped by every shim,
 *  divided among the processes that map them instead of counted once per process). */
function memMb(service) {
  const r = c.execIn(service, ['sh', '-c', 'for p in $(ps -eo pid=); do grep -E "^(Rss|Pss):" /proc/$p/smaps_rollup 2>/dev/null; done; true']);
  if (r.status !== 0) throw new Error(`memory of ${service}: ${r.stderr}`);
  const sum = (k) => r.stdout.split('\n').filter((l) => l.startsWith(`${k}:`)).reduce((a, l) => a + Number(l.split(/\s+/)[1]), 0) / 1024;
  return { rss: sum('Rss'), pss: sum('Pss') };
}

/** Memory (MB) of services' containers as `docker stats` shows it to a laptop user: the cgroup's
 *  usage without its inactive file cache (what the containers' processes, kernel memory and page
 *  cache they use cost, shared pages counted once). */
function statsMb(services) {
  const ids = services.map((s) => c.containerId(s));
  const r = c.run('docker', ['stats', '--no-stream', '--format', '{{.MemUsage}}', ...ids]);
  if (r.status !== 0) throw new Error(`docker stats: ${r.stderr}`);
  const unit = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024, kB: 1e3 / 2 ** 20, MB: 1e6 / 2 ** 20, GB: 1e9 / 2 ** 20 };
  return r.stdout.trim().split('\n').reduce((sum, line) => {
    const m = /^([\d.]+)\s*([A-Za-z]+)/.exec(line.trim());
    if (!m || !(m[2] in unit)) throw new Error(`docker stats: cannot read ${line}`);
    return sum + Number(m[1]) * unit[m[2]];
  }, 0);
}

async function main() {
  const [apiserverPort, registryPort, ingressHttpPort, ingressHttpsPort] = await freePorts(4);
  Object.assign(process.env, {
    COMPOSE_PROJECT_NAME: 'minik8s-bench',
    MINIK8S_APISERVER_PORT: String(apiserverPort),
    MINIK8S_REGISTRY_PORT: String(registryPort),
    MINIK8S_NODEPORTS: '30040-30050',
    MINIK8S_INGRESS_HTTP_PORT: String(ingressHttpPort),
    MINIK8S_INGRESS_HTTPS_PORT: String(ingressHttpsPort),
  });
  c = require('./cluster');
  const cold = process.env.BENCH_UP_SKIP_COLD === '1' ? null : await timeToK8s('cold (images rebuilt without cache)', { MINIK8S_FORCE_REBUILD: '1' }, false);
  if (!c.ok('docker', ['volume', 'inspect', `${process.env.COMPOSE_PROJECT_NAME}_registry-data`])) {
    console.log('priming: one npm run up to build the images and fill the registry (not measured)');
    wipe(false);
    script('up.js', [], { MINIK8S_WAIT_DNS: '0', MINIK8S_WAIT_INGRESS: '0' });
  }
  const warm = await timeToK8s('warm (images built, registry kept)', {}, true);

  // memory: 10 pods on node-1, then RSS
  const r = await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('ten', 10, 'node-1'));
  if (r.status !== 201) throw new Error(`create deployment: ${r.status} ${r.text}`);
  await until('10 pods Running on node-1', async () => (await runningPods('ten')).length === 10, 300_000);
  await sleep(5000);
  const cp = ['etcd', 'apiserver', 'scheduler', 'controller-manager'].map((s) => [s, memMb(s)]);
  const controlPlane = { rss: cp.reduce((a, [, v]) => a + v.rss, 0), pss: cp.reduce((a, [, v]) => a + v.pss, 0) };
  const node = memMb('node-1');
  controlPlane.stats = statsMb(cp.map(([s]) => s));
  node.stats = statsMb(['node-1']);
  const mb = (m) => `docker stats ${m.stats.toFixed(0)} MiB, RSS ${m.rss.toFixed(0)} MB, PSS ${m.pss.toFixed(0)} MB`;
  console.log(`control plane: ${mb(controlPlane)} (RSS ${cp.map(([s, v]) => `${s} ${v.rss.toFixed(0)}`).join(', ')}); node-1 with 10 pods: ${mb(node)}`);
  console.log('anchors (minikube time-to-k8s page): k3d 19.9 s, kind 33.0 s, minikube 50.8 s; targets: warm ≤ 10 s, control plane < 300 MB, node < 200 MB');
  script('down.js', ['--volumes']);
  const round = (x) => (x === null ? null : Math.round(x * 10) / 10);
  console.log(JSON.stringify({
    bench: 'up',
    time_to_k8s_warm_s: round(warm.k8s),
    time_to_k8s_cold_s: cold ? round(cold.k8s) : null,
    time_to_running_deployment_warm_s: round(warm.deployed),
    time_to_running_deployment_cold_s: cold ? round(cold.deployed) : null,
    control_plane_mem_mb: Math.round(controlPlane.stats),
    node_mem_mb_10_pods: Math.round(node.stats),
    control_plane_rss_mb: Math.round(controlPlane.rss),
    node_rss_mb_10_pods: Math.round(node.rss),
    control_plane_pss_mb: Math.round(controlPlane.pss),
    node_pss_mb_10_pods: Math.round(node.pss),
  }));
}

main().catch((e) => {
  console.error(`bench:up: ${e.stack || e}`);
  try {
    if (c) script('down.js', ['--volumes']);
  } catch {
    /* best effort */
  }
  process.exit(1);
});
