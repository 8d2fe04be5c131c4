// End to end on the compose cluster users run: `npm run up` (the real script), then the cluster is
// exercised from the host exactly as a user would: REST, the real kubectl, load-image, docker.
// One cluster (project minik8s-e2e, its own ports and volumes) for the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterFor, runScript, sh, kubectlEnv, httpFromNode, type Cluster } from './compose';
import { freePort, waitFor } from '../../testing/procs';

let cluster: Cluster;
const NS = 'default';
const suffix = Date.now().toString(36);

async function api(method: string, path: string, body?: unknown, contentType?: string) {
  return cluster.lib.request(cluster.server + path, { method, body, contentType, timeoutMs: 15_000 });
}

async function up(): Promise<void> {
  const r = await runScript(cluster, 'up.js', [], { MINIK8S_SKIP_BUILD: process.env.MINIK8S_E2E_BUILD === '1' ? '0' : '1', MINIK8S_WAIT_DNS: '0', MINIK8S_UP_TIMEOUT: '240' });
  if (r.code !== 0) throw new Error(`npm run up failed (log ${r.log}):\n${r.output().slice(-3000)}`);
}

function httpdPod(name: string, image = 'busybox:latest') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html; exec httpd -f -p 8080 -h /www'] }],
    },
  };
}

async function runningPod(name: string, timeoutMs = 90_000) {
  return waitFor(`pod ${name} Running`, async () => {
    const r = await api('GET', `/api/v1/namespaces/${NS}/pods/${name}`);
    return r.status === 200 && r.json.status?.phase === 'Running' && r.json.status.podIP ? r.json : undefined;
  }, timeoutMs, 500);
}

beforeAll(async () => {
  cluster = clusterFor({
    COMPOSE_PROJECT_NAME: 'minik8s-e2e',
    MINIK8S_APISERVER_PORT: String(await freePort()),
    MINIK8S_REGISTRY_PORT: String(await freePort()),
    MINIK8S_NODEPORTS: '30020-30030',
  });
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  await up();
}, 600_000);

afterAll(async () => {
  if (!cluster) return;
  if (process.env.MINIK8S_E2E_KEEP !== '1') await runScript(cluster, 'down.js', ['--volumes']);
}, 180_000);

describe('the compose cluster', () => {
  it('answers the real kubectl with the written kubeconfig: every node Ready', () => {
    const env = kubectlEnv(cluster);
    const r = sh('kubectl', ['get', 'nodes', '--no-headers'], env);
    expect(r.code, r.out).toBe(0);
    const rows = r.out.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((x) => x[0]).sort()).toEqual(['node-1', 'node-2']);
    for (const row of rows) expect(row[1]).toBe('Ready');
    // the kubeconfig points at the published apiserver port
    expect(readFileSync(cluster.kubeconfig, 'utf8')).toContain(`server: ${cluster.server}`);
  });

  it('runs pods in each node container\'s own Docker engine', async () => {
    for (const node of ['node-1', 'node-2']) {
      const name = `e2e-${node}-${suffix}`;
      const pod = httpdPod(name);
      (pod.spec as Record<string, unknown>).nodeName = node;
      const r = await api('POST', `/api/v1/namespaces/${NS}/pods`, pod);
      expect(r.status, r.text).toBe(201);
    }
    for (const node of ['node-1', 'node-2']) {
      const pod = await runningPod(`e2e-${node}-${suffix}`);
      expect(pod.spec.nodeName).toBe(node);
      // the pod's containers live in the node's inner engine, not the host's
      const inner = sh('docker', ['exec', cluster.lib.containerId(node), 'docker', 'ps', '--format', '{{.Image}} {{.Names}}']);
      expect(inner.out).toContain('busybox:latest');
      expect(sh('docker', ['ps', '--format', '{{.Names}}']).out).not.toContain(`e2e-${node}-${suffix}`);
      // and answer on their pod IP inside the node
      const body = await waitFor(`pod on ${node} answers`, () => httpFromNode(cluster, node, `http://${pod.status.podIP}:8080/`), 30_000, 1000);
      expect(body.trim()).toBe(`e2e-${node}-${suffix}`);
    }
  }, 240_000);

  it('runs an image built on the host after `npm run load-image`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-img-'));
    const tag = `e2e-hello:${suffix}`;
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox:latest\nRUN mkdir -p /www && echo "hello from ${tag}" > /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`);
    const build = sh('docker', ['build', '-q', '-t', tag, dir]);
    expect(build.code, build.out).toBe(0);
    try {
      const load = await runScript(cluster, 'load-image.js', [tag]);
      expect(load.code, load.output()).toBe(0);
      const name = `e2e-hello-${suffix}`;
      const r = await api('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1', kind: 'Pod', metadata: { name },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'hello', image: tag }] },
      });
      expect(r.status, r.text).toBe(201);
      const pod = await runningPod(name);
      const body = await waitFor('the loaded image answers', () => httpFromNode(cluster, pod.spec.nodeName, `http://${pod.status.podIP}:8080/`), 30_000, 1000);
      expect(body.trim()).toBe(`hello from ${tag}`);
    } finally {
      sh('docker', ['rmi', tag]);
    }
  }, 240_000);

  it('loses nothing when etcd, then the apiserver, restart', async () => {
    const before = await api('GET', `/api/v1/namespaces/${NS}/pods`);
    const names = before.json.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();
    expect(names.length).toBeGreaterThan(0);
    for (const svc of ['etcd', 'apiserver']) {
      const r = sh('docker', ['restart', cluster.lib.containerId(svc)]);
      expect(r.code, r.out).toBe(0);
      await waitFor(`apiserver answers after ${svc} restart`, async () => (await api('GET', '/readyz')).status === 200, 120_000, 1000);
    }
    const after = await waitFor('pods listed', async () => {
      const r = await api('GET', `/api/v1/namespaces/${NS}/pods`);
      return r.status === 200 ? r.json.items : undefined;
    }, 60_000, 1000);
    expect(after.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(names);
    await waitFor('both nodes Ready again', async () => (await cluster.lib.readyNodes(cluster.server)).length === 2, 120_000, 1000);
  }, 300_000);

  it('brings every object back after down and up (data kept)', async () => {
    const before = (await api('GET', `/api/v1/namespaces/${NS}/pods`)).json.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();
    const down = await runScript(cluster, 'down.js');
    expect(down.code, down.output()).toBe(0);
    expect(cluster.lib.containerId('apiserver', true)).toBe('');
    await up();
    const after = (await api('GET', `/api/v1/namespaces/${NS}/pods`)).json.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort();
    expect(after).toEqual(before);
    // running again means answering again, on the pod IP the kubelet reports now
    for (const name of before) {
      await waitFor(`${name} answers after up`, async () => {
        const pod = await runningPod(name, 5_000);
        return httpFromNode(cluster, pod.spec.nodeName, `http://${pod.status.podIP}:8080/`);
      }, 180_000, 2000);
    }
  }, 600_000);
});
