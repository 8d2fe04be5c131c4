#!/usr/bin/env node
'use strict';
// npm run bench:up — time-to-k8s as minikube's benchmark defines it: from the start command until a
// test Deployment is Running and the cluster DNS answers. On a compose project of its own
// (minik8s-bench, own ports), from a wiped cluster each time:
//   warm: images already built (npm run up as a user runs it, tsc -b included);
//   cold: every minik8s image rebuilt without the Docker build cache, and the nodes' image volumes
//         wiped (the base image, node:20-bookworm-slim or the debootstrapped one, is kept).
// Then memory: RSS of the control plane (etcd, apiserver, scheduler, controller-manager) and of one
// node container (dockerd, containerd, kubelet, kube-proxy and pod processes) running 10 pods.
// Last line: {"bench":"up","time_to_k8s_warm_s":…,"time_to_k8s_cold_s":…,"control_plane_rss_mb":…,"node_rss_mb_10_pods":…}
// (time_to_k8s_* is null when the cluster DNS never answered; time_to_running_deployment_* is also given.)
// BENCH_UP_SKIP_COLD=1 measures warm only.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

Object.assign(process.env, { COMPOSE_PROJECT_NAME: 'minik8s-bench', MINIK8S_APISERVER_PORT: '16443', MINIK8S_REGISTRY_PORT: '15000', MINIK8S_NODEPORTS: '30040-30050' });
const c = require('./cluster');

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

/** One time-to-k8s run from a wiped cluster: seconds. */
async function timeToK8s(label, env) {
  script('down.js', ['--volumes']);
  const t0 = Date.now();
  script('up.js', [], { MINIK8S_WAIT_DNS: '0', ...env });
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
  console.log(`${label}: ${deployed.toFixed(1)} s to a Running Deployment${dns ? `, ${s.toFixed(1)} s to a DNS answer` : ' (the cluster DNS never answered)'}`);
  return { k8s: dns ? s : null, deployed };
}

/** Sum of RSS (MB) of every process ps sees inside a service's container. */
function rssMb(service) {
  const r = c.execIn(service, ['ps', '-eo', 'rss=']);
  if (r.status !== 0) throw new Error(`ps in ${service}: ${r.stderr}`);
  return r.stdout.split('\n').map(Number).filter((n) => n > 0).reduce((a, b) => a + b, 0) / 1024;
}

async function main() {
  const cold = process.env.BENCH_UP_SKIP_COLD === '1' ? null : await timeToK8s('cold (images rebuilt without cache)', { MINIK8S_FORCE_REBUILD: '1' });
  const warm = await timeToK8s('warm (images built)', {});

  // memory: 10 pods on node-1, then RSS
  const r = await api('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, deployment('ten', 10, 'node-1'));
  if (r.status !== 201) throw new Error(`create deployment: ${r.status} ${r.text}`);
  await until('10 pods Running on node-1', async () => (await runningPods('ten')).length === 10, 300_000);
  await sleep(5000);
  const cp = ['etcd', 'apiserver', 'scheduler', 'controller-manager'].map((s) => [s, rssMb(s)]);
  const controlPlane = cp.reduce((a, [, v]) => a + v, 0);
  const node = rssMb('node-1');
  console.log(`control plane RSS: ${controlPlane.toFixed(0)} MB (${cp.map(([s, v]) => `${s} ${v.toFixed(0)}`).join(', ')}); node-1 with 10 pods: ${node.toFixed(0)} MB`);
  console.log('anchors (minikube time-to-k8s page): k3d 19.9 s, kind 33.0 s, minikube 50.8 s; targets: warm ≤ 10 s, control plane < 300 MB, node < 200 MB');
  script('down.js', ['--volumes']);
  const round = (x) => (x === null ? null : Math.round(x * 10) / 10);
  console.log(JSON.stringify({
    bench: 'up',
    time_to_k8s_warm_s: round(warm.k8s),
    time_to_k8s_cold_s: cold ? round(cold.k8s) : null,
    time_to_running_deployment_warm_s: round(warm.deployed),
    time_to_running_deployment_cold_s: cold ? round(cold.deployed) : null,
    control_plane_rss_mb: Math.round(controlPlane),
    node_rss_mb_10_pods: Math.round(node),
  }));
}

main().catch((e) => {
  console.error(`bench:up: ${e.stack || e}`);
  try {
    script('down.js', ['--volumes']);
  } catch {
    /* best effort */
  }
  process.exit(1);
});
