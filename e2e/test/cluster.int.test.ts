// End to end on the compose cluster users run: `npm run up` (the real script), then the cluster is
// exercised from the host exactly as a user would: REST, the real kubectl, load-image, docker.
// One cluster (project minik8s-e2e, its own ports and volumes) for the whole e2e suite: bringing a
// cluster up takes minutes here, so the Services suite (services.ts) is registered in this file too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterFor, runScript, sh, kubectlEnv, httpFromNode, diagnose, Steps, type Cluster } from './compose';
import { servicesSuite } from './services';
import { ingressSuite } from './ingress';
import { storageSuite } from './storage';
import { apiSuite } from './api';
import { isPodReady } from '@minik8s/shared';
import { freePort, waitFor } from '../../testing/procs';

let cluster: Cluster;
const NS = 'default';
const suffix = Date.now().toString(36);

let kenv: NodeJS.ProcessEnv;
const nodePort = 30025;

interface WebPod {
  name: string;
  node: string;
  image: string;
  ready: boolean;
  terminating: boolean;
  startedAt: number;
}

async function webPods(): Promise<WebPod[]> {
  const r = await api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3Dweb`);
  if (r.status !== 200) throw new Error(`list pods: ${r.status} ${r.text}`);
  return r.json.items.map((p: any) => ({
    name: p.metadata.name,
    node: p.spec.nodeName,
    image: p.spec.containers[0].image,
    terminating: !!p.metadata.deletionTimestamp,
    startedAt: Date.parse(p.status?.containerStatuses?.[0]?.state?.running?.startedAt ?? '') || 0,
    ready: p.status?.phase === 'Running' && isPodReady(p),
  }));
}

/** Wait for the web Deployment to have exactly n ready pods and nothing else (whose containers started since `since`). */
async function webReady(n: number, timeoutMs = 180_000, since = 0): Promise<WebPod[]> {
  return waitFor(
    `${n} web pods ready`,
    async () => {
      const d = await api('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
      const st = d.json?.status ?? {};
      if (d.status !== 200 || st.observedGeneration !== d.json.metadata.generation) return undefined;
      if (st.readyReplicas !== n || st.updatedReplicas !== n || st.replicas !== n) return undefined;
      const ps = (await webPods()).filter((p) => !p.terminating);
      return ps.length === n && ps.every((p) => p.ready && p.startedAt >= since) ? ps : undefined;
    },
    timeoutMs,
    1000,
  );
}

/** kind/name/uid of what the tests created (pods being deleted left out): what must survive restarts. */
async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  for (const [kind, path] of [
    ['deployments', `/apis/apps/v1/namespaces/${NS}/deployments`],
    ['services', `/api/v1/namespaces/${NS}/services`],
    ['configmaps', `/api/v1/namespaces/${NS}/configmaps`],
    ['pods', `/api/v1/namespaces/${NS}/pods`],
  ]) {
    const r = await api('GET', path);
    if (r.status !== 200) throw new Error(`list ${kind}: ${r.status}`);
    for (const o of r.json.items)
      if (!o.metadata.deletionTimestamp && !o.metadata.name.startsWith('kube-root-ca'))
        out.push(`${kind}/${o.metadata.name}/${o.metadata.uid}`);
  }
  return out.sort();
}

async function api(method: string, path: string, body?: unknown, contentType?: string) {
  return cluster.lib.request(cluster.server + path, { method, body, contentType, timeoutMs: 15_000 });
}

async function up(): Promise<void> {
  const r = await runScript(cluster, 'up.js', [], {
    MINIK8S_SKIP_BUILD: process.env.MINIK8S_E2E_BUILD === '1' ? '0' : '1',
    MINIK8S_WAIT_DNS: '0',
    MINIK8S_UP_TIMEOUT: '240',
  });
  if (r.code !== 0) throw new Error(`npm run up failed (log ${r.log}):\n${r.output().slice(-3000)}`);
}

function httpdPod(name: string, image = 'busybox:latest') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'web',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html; exec httpd -f -p 8080 -h /www'],
        },
      ],
    },
  };
}

async function runningPod(name: string, timeoutMs = 90_000) {
  return waitFor(
    `pod ${name} Running`,
    async () => {
      const r = await api('GET', `/api/v1/namespaces/${NS}/pods/${name}`);
      return r.status === 200 && r.json.status?.phase === 'Running' && r.json.status.podIP ? r.json : undefined;
    },
    timeoutMs,
    500,
  );
}

beforeAll(async () => {
  cluster = clusterFor({
    COMPOSE_PROJECT_NAME: process.env.MINIK8S_E2E_PROJECT || 'minik8s-e2e',
    // fixed ports (MINIK8S_E2E_APISERVER_PORT/_REGISTRY_PORT) let a kept cluster be reused by the next run
    MINIK8S_APISERVER_PORT: process.env.MINIK8S_E2E_APISERVER_PORT || String(await freePort()),
    MINIK8S_REGISTRY_PORT: process.env.MINIK8S_E2E_REGISTRY_PORT || String(await freePort()),
    MINIK8S_NODEPORTS: process.env.MINIK8S_E2E_NODEPORTS || '30020-30030', // must hold the tour's 30025
    MINIK8S_INGRESS_HTTP_PORT: process.env.MINIK8S_E2E_INGRESS_HTTP_PORT || String(await freePort()),
    MINIK8S_INGRESS_HTTPS_PORT: process.env.MINIK8S_E2E_INGRESS_HTTPS_PORT || String(await freePort()),
  });
  process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
  // A run cut off before its afterAll leaves the project's volumes (etcd's objects) behind: start clean.
  if (process.env.MINIK8S_E2E_KEEP !== '1') await runScript(cluster, 'down.js', ['--volumes']);
  await up();
  kenv = kubectlEnv(cluster);
}, 600_000);

afterAll(async () => {
  if (!cluster) return;
  if (process.env.MINIK8S_E2E_KEEP !== '1') await runScript(cluster, 'down.js', ['--volumes']);
}, 180_000);

describe('the compose cluster', () => {
  it('answers the real kubectl with the written kubeconfig: every node Ready', () => {
    const r = sh('kubectl', ['get', 'nodes', '--no-headers'], kenv);
    expect(r.code, r.out).toBe(0);
    const rows = r.out
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    expect(rows.map((x) => x[0]).sort()).toEqual(['node-1', 'node-2']);
    for (const row of rows) expect(row[1]).toBe('Ready');
    // the kubeconfig points at the published apiserver port, with the cluster CA and the admin's certificate
    const kc = readFileSync(cluster.kubeconfig, 'utf8');
    expect(kc).toContain(`server: "${cluster.server}"`);
    for (const field of ['certificate-authority-data', 'client-certificate-data', 'client-key-data']) expect(kc).toContain(field);
    expect(kc).not.toContain('insecure-skip-tls-verify');
    expect(sh('kubectl', ['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.groups}'], kenv).out).toContain('system:masters');
  });

  it('answers nobody without credentials: the apiserver 401; from inside a pod, etcd is unreachable and the kubelets answer 401', async () => {
    const ca = readFileSync(join(cluster.lib.STATE, 'pki', 'ca.crt'));
    const anonymous = await new Promise<number>((ok, fail) => {
      https.get(`${cluster.server}/api/v1/namespaces/kube-system/secrets`, { ca }, (res) => ok(res.statusCode ?? 0)).on('error', fail);
    });
    expect(anonymous).toBe(401);
    // the cluster DNS pods run node (and use their mounted ServiceAccount token and CA to watch the API)
    const dnsPod = await waitFor(
      'a running cluster-dns pod',
      () => {
        const r = sh(
          'kubectl',
          [
            '-n',
            'kube-system',
            'get',
            'pods',
            '-l',
            'k8s-app=kube-dns',
            '--field-selector=status.phase=Running',
            '-o',
            'jsonpath={.items[0].metadata.name}',
          ],
          kenv,
        );
        return r.code === 0 && r.out.trim() ? r.out.trim() : undefined;
      },
      180_000,
      2000,
    );
    const nodeIPs = (await api('GET', '/api/v1/nodes')).json.items.map(
      (n: any) => n.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address,
    );
    const etcdIP = sh('docker', [
      'inspect',
      '-f',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
      cluster.lib.containerId('etcd'),
    ])
      .out.trim()
      .split(' ')[0];
    expect(etcdIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const probe = `const net=require('net'),https=require('https'),fs=require('fs');
const tcp=(h,p)=>new Promise(ok=>{const s=net.connect({host:h,port:p,timeout:3000});s.on('connect',()=>{s.destroy();ok('connected')});s.on('timeout',()=>{s.destroy();ok('timeout')});s.on('error',e=>ok(e.code))});
const get=(u)=>new Promise(ok=>https.get(u,{rejectUnauthorized:false,timeout:5000},r=>{r.resume();ok('HTTP '+r.statusCode)}).on('error',e=>ok(e.code)));
(async()=>{const out={etcd:await tcp(${JSON.stringify(etcdIP)},2379),kubelets:{},token:fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/token','utf8').split('.').length,ns:fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace','utf8')};
for(const ip of ${JSON.stringify(nodeIPs)})out.kubelets[ip]=[await get('https://'+ip+':10250/pods'),await get('https://'+ip+':10250/exec/kube-system/x/y?command=id')];
console.log(JSON.stringify(out))})()`;
    const r = sh('kubectl', ['-n', 'kube-system', 'exec', dnsPod, '--', 'node', '-e', probe], kenv);
    expect(r.code, r.out).toBe(0);
    const out = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(out.etcd).not.toBe('connected');
    for (const ip of nodeIPs) expect(out.kubelets[ip]).toEqual(['HTTP 401', 'HTTP 401']);
    expect(out).toMatchObject({ token: 3, ns: 'kube-system' });
  });

  it("runs pods in each node container's own Docker engine", async () => {
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
      const body = await waitFor(
        `pod on ${node} answers`,
        () => httpFromNode(cluster, node, `http://${pod.status.podIP}:8080/`),
        30_000,
        1000,
      );
      expect(body.trim()).toBe(`e2e-${node}-${suffix}`);
    }
    for (const node of ['node-1', 'node-2']) await api('DELETE', `/api/v1/namespaces/${NS}/pods/e2e-${node}-${suffix}`);
  }, 240_000);

  // Before the tour: both name their Service `web` (the Services suite deletes its objects at its end).
  servicesSuite(() => ({ cluster, kenv }));
  ingressSuite(() => ({ cluster, kenv }));
  storageSuite(() => ({ cluster, kenv }));
  apiSuite(() => ({ cluster, kenv }));

  it('runs an image built on the host after `npm run load-image`', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-img-'));
    const tag = `e2e-hello:${suffix}`;
    writeFileSync(
      join(dir, 'Dockerfile'),
      `FROM busybox:latest\nRUN mkdir -p /www && echo "hello from ${tag}" > /www/index.html\nCMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n`,
    );
    const build = sh('docker', ['build', '-q', '-t', tag, dir]);
    expect(build.code, build.out).toBe(0);
    try {
      const load = await runScript(cluster, 'load-image.js', [tag]);
      expect(load.code, load.output()).toBe(0);
      const name = `e2e-hello-${suffix}`;
      const r = await api('POST', `/api/v1/namespaces/${NS}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name },
        spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'hello', image: tag }] },
      });
      expect(r.status, r.text).toBe(201);
      const pod = await runningPod(name);
      const body = await waitFor(
        'the loaded image answers',
        () => httpFromNode(cluster, pod.spec.nodeName, `http://${pod.status.podIP}:8080/`),
        30_000,
        1000,
      );
      expect(body.trim()).toBe(`hello from ${tag}`);
      await api('DELETE', `/api/v1/namespaces/${NS}/pods/${name}`);
    } finally {
      sh('docker', ['rmi', tag]);
    }
  }, 240_000);

  // The five-minute tour of docs/cluster.md, with the real kubectl.
  it('runs the tour: Deployment, NodePort, curl, wget/nslookup/curl from a tools pod, scale, rolling update, pods on both nodes', async () => {
    const k = (...args: string[]) => {
      const r = sh('kubectl', args, kenv);
      expect(r.code, `kubectl ${args.join(' ')}: ${r.out}`).toBe(0);
      return r.out;
    };
    k('create', 'deployment', 'web', '--image=busybox:latest', '--replicas=3', '--', 'httpd', '-f', '-p', '8080', '-h', '/etc');
    k('expose', 'deployment', 'web', '--type=NodePort', '--port=80', '--target-port=8080');
    k('patch', 'service', 'web', '-p', JSON.stringify({ spec: { ports: [{ port: 80, targetPort: 8080, nodePort: nodePort }] } }));
    await webReady(3);
    // from the laptop: NodePort published on 127.0.0.1, answered by one of the pods (its hostname)
    const names = await webPods();
    const answer = await waitFor(
      'curl 127.0.0.1:nodePort',
      async () => {
        const r = await cluster.lib.request(`http://127.0.0.1:${nodePort}/hostname`, { timeoutMs: 3000 });
        return r.status === 200 ? r.text.trim() : undefined;
      },
      60_000,
      1000,
    );
    expect(names.map((p) => p.name)).toContain(answer);

    // from inside the cluster, with the tools image: wget, nslookup and curl by the Service's name
    k('run', 'client', '--image=minik8s/tools:1.0', '--', 'sleep', '3600');
    await runningPod('client');
    const fromPod = await waitFor(
      'wget -qO- http://web/hostname in a pod',
      () => {
        const r = sh('kubectl', ['exec', 'client', '--', 'wget', '-qO-', 'http://web/hostname'], kenv);
        return r.code === 0 ? r.out.trim() : undefined;
      },
      60_000,
      1000,
    );
    expect(names.map((p) => p.name)).toContain(fromPod);
    const clusterIP = JSON.parse(k('get', 'service', 'web', '-o', 'json')).spec.clusterIP;
    expect(k('exec', 'client', '--', 'nslookup', 'web.default.svc.cluster.local')).toContain(`Address: ${clusterIP}`);
    expect(names.map((p) => p.name)).toContain(k('exec', 'client', '--', 'curl', '-s', 'web.default/hostname').trim());
    k('delete', 'pod', 'client', '--now');

    k('scale', 'deployment', 'web', '--replicas=5');
    await webReady(5);

    k('set', 'image', 'deployment/web', 'busybox=minik8s/busybox:1.36');
    k('rollout', 'status', 'deployment/web', '--timeout=180s');
    const pods = await webReady(5);
    for (const p of pods) expect(p.image).toBe('minik8s/busybox:1.36');
    expect(new Set(pods.map((p) => p.node))).toEqual(new Set(['node-1', 'node-2']));
    // every pod answers through the NodePort eventually (endpoints follow the rollout)
    const seen = new Set<string>();
    await waitFor(
      'answers from pods on both nodes through the NodePort',
      async () => {
        const r = await cluster.lib.request(`http://127.0.0.1:${nodePort}/hostname`, { timeoutMs: 3000 });
        if (r.status === 200) seen.add(r.text.trim());
        const current = await webPods();
        const nodesSeen = new Set(current.filter((p) => seen.has(p.name)).map((p) => p.node));
        return nodesSeen.size === 2;
      },
      90_000,
      200,
    );
  }, 420_000);

  // The tour's polite variant of losing a node: a PodDisruptionBudget, then kubectl drain.
  it('drains a node within a PodDisruptionBudget, then uncordons it', async () => {
    const k = (...args: string[]) => sh('kubectl', args, kenv);
    expect(k('create', 'pdb', 'web', '--selector=app=web', '--min-available=4').code).toBe(0);
    await waitFor(
      'the budget allows 1 disruption',
      async () => {
        const r = await api('GET', `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/web`);
        return r.json?.status?.disruptionsAllowed === 1 && r.json.status.observedGeneration === r.json.metadata.generation;
      },
      60_000,
      500,
    );
    // --force: a bare pod an earlier test is still deleting must not stop the drain; the add-on
    // DaemonSet pods (the local-path provisioner) stay, as kube-proxy's do upstream
    const d = k('drain', 'node-1', '--force', '--ignore-daemonsets', '--timeout=240s');
    expect(d.code, d.out).toBe(0);
    expect(d.out).toContain('node/node-1 drained');
    // kubectl evicts the pods together: all but one wait for the budget
    expect(d.out).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    const pods = await webReady(5);
    expect(pods.every((p) => p.node === 'node-2')).toBe(true);
    expect(k('uncordon', 'node-1').code).toBe(0);
    expect(k('delete', 'pdb', 'web').code).toBe(0);
  }, 300_000);

  it('moves the pods of a stopped node, and the node rejoins when started', async () => {
    const node2 = cluster.lib.containerId('node-2');
    expect(sh('docker', ['stop', node2]).code).toBe(0);
    try {
      await waitFor('node-2 NotReady', async () => !(await cluster.lib.readyNodes(cluster.server)).includes('node-2'), 120_000, 1000);
      // grace 20 s + toleration 10 s (docker-compose.yml), then the ReplicaSet replaces them on node-1
      const pods = await waitFor(
        '5 web pods Running on node-1',
        async () => {
          const ps = await webPods();
          const live = ps.filter((p) => !p.terminating && p.ready);
          return live.length === 5 && live.every((p) => p.node === 'node-1') ? live : undefined;
        },
        180_000,
        1000,
      );
      expect(pods).toHaveLength(5);
      const r = await waitFor(
        'NodePort answers with node-2 down',
        async () => {
          const x = await cluster.lib.request(`http://127.0.0.1:${nodePort}/hostname`, { timeoutMs: 3000 });
          return x.status === 200 ? x.text.trim() : undefined;
        },
        60_000,
        1000,
      );
      expect(pods.map((p) => p.name)).toContain(r);
    } finally {
      expect(sh('docker', ['start', node2]).code).toBe(0);
    }
    const since = Date.now();
    await waitFor(
      'node-2 Ready again',
      async () => (await cluster.lib.readyNodes(cluster.server, since)).includes('node-2'),
      180_000,
      1000,
    );
  }, 480_000);

  it('loses nothing when etcd, then the apiserver, restart', async () => {
    const cm = await api('POST', `/api/v1/namespaces/${NS}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `e2e-${suffix}` },
      data: { tour: 'done' },
    });
    expect(cm.status, cm.text).toBe(201);
    const before = await snapshot();
    expect(before.filter((x) => x.startsWith('pods/')).length).toBeGreaterThanOrEqual(5);
    for (const svc of ['etcd', 'apiserver']) {
      const r = sh('docker', ['restart', cluster.lib.containerId(svc)]);
      expect(r.code, r.out).toBe(0);
      await waitFor(`apiserver answers after ${svc} restart`, async () => (await api('GET', '/readyz')).status === 200, 120_000, 1000);
    }
    expect(await waitFor('objects listed', () => snapshot().catch(() => undefined), 60_000, 1000)).toEqual(before);
    const since = Date.now();
    await waitFor('both nodes Ready again', async () => (await cluster.lib.readyNodes(cluster.server, since)).length === 2, 120_000, 1000);
  }, 300_000);

  it('brings every object back after down and up (data kept)', async () => {
    const steps = new Steps();
    const why = () => diagnose(cluster, 'web', 'app=web');
    const before = await snapshot();
    await steps.step('npm run down', async () => {
      const down = await runScript(cluster, 'down.js');
      expect(down.code, down.output()).toBe(0);
    });
    expect(cluster.lib.containerId('apiserver', true)).toBe('');
    expect(cluster.lib.containerId('node-1', true)).toBe('');
    const upAt = Date.now();
    await steps.step('npm run up', () => up());
    // the same objects (same uids), and the pods run again: restarted by the kubelets after up (the
    // statuses kept in etcd said Ready before they were), all ready, answering through the NodePort
    await steps.step('5 web pods restarted and ready', () => webReady(5, 300_000, upAt), why);
    expect(await snapshot()).toEqual(before);
    await steps.step(
      'the NodePort answers',
      () =>
        waitFor(
          'NodePort answers after up',
          async () => (await cluster.lib.request(`http://127.0.0.1:${nodePort}/hostname`, { timeoutMs: 3000 })).status === 200,
          120_000,
          1000,
        ),
      why,
    );
  }, 600_000);
});
