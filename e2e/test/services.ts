// Issue 5's acceptance where users meet it: Services on real pods in the compose cluster (kube-proxy
// and the routed pod network in node-1/node-2, the cluster DNS add-on). Registered by
// cluster.int.test.ts so that it runs on that file's cluster (one `npm run up` for the whole e2e suite).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { REPO, getsFromNode, requestLoopFromNode, sh, type Answer, type Cluster } from './compose';
import { isPodReady } from '@minik8s/shared';
import { waitFor } from '../../testing/procs';

export interface SuiteEnv {
  cluster: Cluster;
  kenv: NodeJS.ProcessEnv;
}

/** The real kubectl in namespace `ns` of the suite's cluster (its admin kubeconfig), from the repo root. */
export function namespacedKubectl(env: () => SuiteEnv, ns: string) {
  return (args: string[], input?: string) => {
    const r = spawnSync('kubectl', ['-n', ns, ...args], {
      cwd: REPO,
      env: { ...process.env, ...env().kenv },
      input,
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { code: r.status ?? 1, out: (r.stdout ?? '') + (r.stderr ?? ''), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
}

const NS = 'default';
const APP = 'svc-web'; // not the tour's app=web: the tour lists its pods by that label
const NODE_PORT = 30026; // the tour uses 30025
const NODES = ['node-1', 'node-2'];
const SPN = `${NS}/web:http`; // kube-proxy's rule comment for the Service port

/** The backends: busybox httpd answering with the pod's name, ready when it serves. */
function webDeployment(revision: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: APP } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { app: APP }, annotations: { 'e2e.minik8s.io/revision': revision } },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [
            {
              name: 'web',
              image: 'busybox:latest',
              imagePullPolicy: 'IfNotPresent',
              // stops at once on SIGTERM, like most servers (httpd as PID 1 would ignore it until the SIGKILL)
              command: [
                'sh',
                '-c',
                'mkdir -p /www && hostname > /www/index.html; httpd -f -p 8080 -h /www & trap "kill $!; exit 0" TERM; wait',
              ],
              ports: [{ name: 'http', containerPort: 8080 }],
              // a request each spreads the pods over both nodes (LeastAllocated)
              resources: { requests: { cpu: '100m' } },
              readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
              // What real users do for zero-downtime rollouts (upstream too): keep serving for a moment
              // after deletion, while the endpoint removal reaches kube-proxy on every node.
              lifecycle: { preStop: { exec: { command: ['sleep', '5'] } } },
            },
          ],
        },
      },
    },
  };
}

function service(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...spec },
  };
}

/** A client pod on the tools image (wget, curl, nslookup, nc, ping), as a user would start one. */
function clientPod(name: string, node?: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      ...(node ? { nodeName: node } : {}),
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'c', image: 'minik8s/tools:1.0', command: ['sleep', '3600'] }],
    },
  };
}

/**
 * A shell loop: n GETs with wget (a new connection each), one answer line `R:<body or wget's error>`
 * each. For the tools image's GNU wget and for busybox's (the backends', whose -T crashes: timeout instead).
 */
function wgetGets(host: string, port: number, n: number): string {
  return `for i in $(seq ${n}); do echo "R:$(timeout 5 wget -qO- http://${host}:${port}/ 2>&1 || echo "wget failed: $?")"; done`;
}

export function servicesSuite(env: () => SuiteEnv): void {
  describe('Services on the compose cluster (issue 5)', () => {
    const suffix = Date.now().toString(36);
    const otherNs = `e2e-other-${suffix}`;
    const clients: Record<string, string> = { 'node-1': `client-1-${suffix}`, 'node-2': `client-2-${suffix}` };
    const otherClient = `client-x-${suffix}`;
    let clusterIP = '';
    let stickyIP = '';
    let emptyIP = '';
    let nodeIPs: Record<string, string> = {};

    const api = (method: string, path: string, body?: unknown, contentType?: string) =>
      env().cluster.lib.request(env().cluster.server + path, { method, body, contentType, timeoutMs: 15_000 });
    const create = async (path: string, body: unknown) => {
      const r = await api('POST', path, body);
      expect(r.status, `POST ${path}: ${r.text}`).toBe(201);
      return r.json;
    };
    const podSh = (ns: string, pod: string, script: string) => sh('kubectl', ['exec', '-n', ns, pod, '--', 'sh', '-c', script], env().kenv);
    /** GETs from a pod: the answers (pod names), or wget's failure. */
    const getsFromPod = (ns: string, pod: string, host: string, port: number, n: number): Answer[] => {
      const r = podSh(ns, pod, wgetGets(host, port, n));
      expect(r.code, `kubectl exec ${pod}: ${r.out}`).toBe(0);
      return r.out
        .split('\n')
        .filter((l) => l.startsWith('R:'))
        .map((l) => l.slice(2).trim());
    };

    interface Backend {
      name: string;
      node: string;
      ip: string;
      ready: boolean;
      terminating: boolean;
    }
    const backends = async (): Promise<Backend[]> => {
      const r = await api('GET', `/api/v1/namespaces/${NS}/pods?labelSelector=app%3D${APP}`);
      if (r.status !== 200) throw new Error(`list pods: ${r.status} ${r.text}`);
      return r.json.items.map((p: any) => ({
        name: p.metadata.name,
        node: p.spec.nodeName,
        ip: p.status?.podIP,
        terminating: !!p.metadata.deletionTimestamp,
        ready: isPodReady(p),
      }));
    };
    /** The Deployment rolled out with n ready pods and no others left. */
    const rolledOut = (n: number) =>
      waitFor(
        `web: ${n} pods ready, nothing else`,
        async () => {
          const d = await api('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`);
          const st = d.json?.status ?? {};
          if (d.status !== 200 || st.observedGeneration !== d.json.metadata.generation) return undefined;
          if (st.readyReplicas !== n || st.updatedReplicas !== n || st.replicas !== n) return undefined;
          const ps = await backends();
          return ps.length === n && ps.every((p) => p.ready && !p.terminating) ? ps : undefined;
        },
        180_000,
        1000,
      );
    /** The ready addresses of the Service's Endpoints, as ip:port. */
    const endpoints = async (name = 'web'): Promise<string[]> => {
      const r = await api('GET', `/api/v1/namespaces/${NS}/endpoints/${name}`);
      if (r.status === 404) return [];
      return (r.json.subsets ?? [])
        .flatMap((s: { addresses?: { ip: string }[]; ports?: { port: number }[] }) =>
          (s.addresses ?? []).flatMap((a) => (s.ports ?? []).map((p) => `${a.ip}:${p.port}`)),
        )
        .sort();
    };
    /** The DNAT targets kube-proxy wrote in a node for the web Service's port (nftables mode's slot maps, or iptables' KUBE-SEP chains). */
    const dnatTargets = (node: string): string[] => {
      const id = env().cluster.lib.containerId(node);
      const nft = sh('docker', ['exec', id, 'nft', '-j', 'list', 'table', 'inet', 'kube-proxy']);
      const json = nft.out.split('\n').find((l) => l.startsWith('{"nftables"')); // stderr may carry warnings
      if (nft.code === 0 && json) {
        const text = (x: any) => (x?.concat ?? [x]).join(' . ');
        return (JSON.parse(json).nftables as any[])
          .filter((i) => /^service-endpoints-\d+$/.test(i.map?.name ?? ''))
          .flatMap((i) => (i.map.elem ?? []) as any[][])
          .filter(([k]) => text(k) === `${clusterIP} . tcp . 80`)
          .map(([, v]) => text(v).replace(' . ', ':'))
          .sort();
      }
      const r = sh('docker', ['exec', id, 'iptables-save', '-t', 'nat']);
      if (r.code !== 0) throw new Error(`iptables-save in ${node}: ${r.out}`);
      return r.out
        .split('\n')
        .filter((l) => l.startsWith('-A KUBE-SEP-') && (l.includes(`--comment ${SPN} `) || l.includes(`--comment "${SPN}"`)))
        .map((l) => /--to-destination (\S+)/.exec(l)?.[1])
        .filter((x): x is string => !!x)
        .sort();
    };
    const ownersByName = async () => {
      const ps = await backends();
      return new Map(ps.map((p) => [p.name, p.node]));
    };

    beforeAll(async () => {
      const svc = await create(
        `/api/v1/namespaces/${NS}/services`,
        service('web', {
          type: 'NodePort',
          selector: { app: APP },
          ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: NODE_PORT }],
        }),
      );
      clusterIP = svc.spec.clusterIP;
      stickyIP = (
        await create(`/api/v1/namespaces/${NS}/services`, service('web-sticky', { selector: { app: APP }, sessionAffinity: 'ClientIP' }))
      ).spec.clusterIP;
      emptyIP = (await create(`/api/v1/namespaces/${NS}/services`, service('web-empty', { selector: { app: 'no-such-pods' } }))).spec
        .clusterIP;
      await create(`/apis/apps/v1/namespaces/${NS}/deployments`, webDeployment('1'));
      // clients after the Services, so that their environment has the Service variables
      for (const node of NODES) await create(`/api/v1/namespaces/${NS}/pods`, clientPod(clients[node], node));
      await create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: otherNs } });
      await create(`/api/v1/namespaces/${otherNs}/pods`, clientPod(otherClient));
      const nodes = await api('GET', '/api/v1/nodes');
      nodeIPs = Object.fromEntries(
        nodes.json.items.map((n: any) => [
          n.metadata.name,
          n.status.addresses.find((a: { type: string }) => a.type === 'InternalIP').address,
        ]),
      );
      const pods = await rolledOut(3);
      expect(new Set(pods.map((p) => p.node)), 'the 3 backends spread over both nodes').toEqual(new Set(NODES));
      for (const [ns, pod] of [
        [NS, clients['node-1']],
        [NS, clients['node-2']],
        [otherNs, otherClient],
      ]) {
        await waitFor(
          `pod ${pod} Running`,
          async () => (await api('GET', `/api/v1/namespaces/${ns}/pods/${pod}`)).json?.status?.phase === 'Running',
          120_000,
          1000,
        );
      }
      // every node's kube-proxy has the 3 endpoints before the traffic tests start
      const want = await waitFor('3 endpoints', async () => ((await endpoints()).length === 3 ? endpoints() : undefined), 60_000, 500);
      for (const node of NODES)
        await waitFor(`rules for 3 endpoints in ${node}`, () => JSON.stringify(dnatTargets(node)) === JSON.stringify(want), 60_000, 500);
    }, 360_000);

    afterAll(async () => {
      if (!env()?.cluster) return;
      // Background deletion: the tour creates its own `web` Deployment and Service right after.
      for (const path of [
        `/api/v1/namespaces/${NS}/services/web`,
        `/api/v1/namespaces/${NS}/services/web-sticky`,
        `/api/v1/namespaces/${NS}/services/web-empty`,
        `/apis/apps/v1/namespaces/${NS}/deployments/web`,
        `/api/v1/namespaces/${otherNs}`,
      ]) {
        await api('DELETE', path).catch(() => undefined);
      }
      for (const pod of Object.values(clients))
        await api('DELETE', `/api/v1/namespaces/${NS}/pods/${pod}?gracePeriodSeconds=0`).catch(() => undefined);
      await waitFor(
        'the web Deployment gone',
        async () => (await api('GET', `/apis/apps/v1/namespaces/${NS}/deployments/web`)).status === 404,
        60_000,
        500,
      ).catch(() => undefined);
    }, 120_000);

    it('kube-proxy runs in its default mode, nftables, in every node', () => {
      for (const node of NODES) {
        const r = sh('docker', ['exec', env().cluster.lib.containerId(node), 'nft', 'list', 'chains', 'inet']);
        expect(r.out, node).toContain('table inet kube-proxy');
        expect(r.out, node).toContain('chain services');
      }
    });

    it('ClusterIP over 3 pods on 2 nodes: 30 requests from a pod on each node and from a node reach several pods', async () => {
      const owners = await ownersByName();
      const sources: [string, () => Answer[]][] = [
        ...NODES.map((node) => [`pod on ${node}`, () => getsFromPod(NS, clients[node], clusterIP, 80, 30)] as [string, () => Answer[]]),
        ['node-1 itself', () => getsFromNode(env().cluster, 'node-1', `http://${clusterIP}/`, 30)],
      ];
      for (const [from, run] of sources) {
        const answers = run();
        expect(answers, from).toHaveLength(30);
        for (const a of answers) expect(owners.has(a), `${from}: answer ${a}`).toBe(true);
        expect(new Set(answers).size, `${from}: distinct pods among ${answers.join(',')}`).toBeGreaterThanOrEqual(2);
      }
    }, 120_000);

    it('pod-to-pod across nodes keeps the source IP (routed pod network, no masquerade)', async () => {
      const client = (await api('GET', `/api/v1/namespaces/${NS}/pods/${clients['node-1']}`)).json.status.podIP;
      const target = (await backends()).find((p) => p.node === 'node-2')!;
      expect(getsFromPod(NS, clients['node-1'], target.ip, 8080, 1)).toEqual([target.name]);
      // what node-2 saw arrive (conntrack keeps the closed connection for a while)
      const ct = sh('docker', [
        'exec',
        env().cluster.lib.containerId('node-2'),
        'conntrack',
        '-L',
        '-p',
        'tcp',
        '-d',
        target.ip,
        '--dport',
        '8080',
      ]);
      expect(ct.out).toMatch(new RegExp(`src=${client.replace(/\./g, '\\.')} dst=${target.ip.replace(/\./g, '\\.')} `));
    }, 60_000);

    it("NodePort: each node's IP reaches pods on the other node; 127.0.0.1 inside a node works", async () => {
      const owners = await ownersByName();
      for (const [target, from] of [
        ['node-1', 'node-2'],
        ['node-2', 'node-1'],
      ]) {
        const answers = getsFromNode(env().cluster, from, `http://${nodeIPs[target]}:${NODE_PORT}/`, 30);
        for (const a of answers) expect(owners.has(a), `${from} → ${target}:${NODE_PORT}: ${a}`).toBe(true);
        const nodesAnswering = new Set(answers.map((a) => owners.get(a)));
        expect(nodesAnswering.has(from), `${target}'s NodePort reached a pod on ${from} (${answers.join(',')})`).toBe(true);
      }
      for (const node of NODES) {
        const answers = getsFromNode(env().cluster, node, `http://127.0.0.1:${NODE_PORT}/`, 5);
        for (const a of answers) expect(owners.has(a), `127.0.0.1:${NODE_PORT} in ${node}: ${a}`).toBe(true);
      }
    }, 120_000);

    it('sessionAffinity ClientIP: 20 of 20 requests reach the same pod', async () => {
      const owners = await ownersByName();
      for (const [from, answers] of [
        ['node-2', getsFromNode(env().cluster, 'node-2', `http://${stickyIP}/`, 20)],
        [`pod on node-1`, getsFromPod(NS, clients['node-1'], stickyIP, 80, 20)],
      ] as const) {
        expect(answers, from).toHaveLength(20);
        expect(owners.has(answers[0]), `${from}: ${answers[0]}`).toBe(true);
        expect(new Set(answers).size, `${from}: ${answers.join(',')}`).toBe(1);
      }
    }, 120_000);

    it('a Service without endpoints answers "connection refused" at once, from a node and from a pod', async () => {
      // a 10 s timeout: a dropped SYN would show as TIMEOUT, not ECONNREFUSED
      expect(getsFromNode(env().cluster, 'node-2', `http://${emptyIP}/`, 1, 10_000)).toEqual(['ERR:ECONNREFUSED']);
      // what a user runs in a pod, with wget's own message (a dropped SYN: "Connection timed out"; one try, GNU wget retries timeouts)
      const r = sh(
        'kubectl',
        ['exec', '-n', NS, clients['node-1'], '--', 'wget', '-O', '/dev/null', '-T', '10', '-t', '1', `http://${emptyIP}/`],
        env().kenv,
      );
      expect(r.code, r.out).not.toBe(0);
      expect(r.out).toMatch(/Connection refused/);
    }, 60_000);

    it('DNS and Service env vars: web, web.default.svc.cluster.local, and web.default from another namespace', async () => {
      await waitFor(
        'the cluster DNS answers for web',
        () => env().cluster.lib.dnsAnswers(`web.${NS}.svc.cluster.local`) === clusterIP,
        180_000,
        1000,
      );
      const owners = await ownersByName();
      for (const [ns, pod, host] of [
        [NS, clients['node-1'], 'web'],
        [NS, clients['node-2'], `web.${NS}.svc.cluster.local`],
        [otherNs, otherClient, `web.${NS}`],
      ]) {
        await waitFor(
          `${host} from ${ns}/${pod} answered by the web pods`,
          () => {
            const a = getsFromPod(ns, pod, host, 80, 3);
            if (!a.every((x) => owners.has(x))) throw new Error(`answers: ${a.join(' | ')}`);
            return a;
          },
          30_000,
          1000,
        );
      }
      // nslookup, as a user checks a name: the Service's ClusterIP from the cluster DNS
      const lookup = sh('kubectl', ['exec', '-n', otherNs, otherClient, '--', 'nslookup', `web.${NS}.svc.cluster.local`], env().kenv);
      expect(lookup.code, lookup.out).toBe(0);
      expect(lookup.out).toContain(`web.${NS}.svc.cluster.local`);
      expect(lookup.out).toContain(`Address: ${clusterIP}`);
      const envOut = podSh(NS, clients['node-1'], 'env').out;
      expect(envOut).toContain(`WEB_SERVICE_HOST=${clusterIP}\n`);
      expect(envOut).toContain('WEB_SERVICE_PORT=80\n');
      expect(envOut).toContain('WEB_SERVICE_PORT_HTTP=80\n');
      expect(envOut).toContain(`WEB_PORT=tcp://${clusterIP}:80\n`);
      expect(envOut).toContain(`WEB_STICKY_SERVICE_HOST=${stickyIP}\n`);
      // only the pod's own namespace's Services
      expect(podSh(otherNs, otherClient, 'env').out).not.toContain('WEB_SERVICE_HOST');
    }, 240_000);

    it("scaling 3 → 1 → 3: every node's rules follow the Endpoints; the last pod reaches its own Service (hairpin)", async () => {
      for (const n of [1, 3]) {
        const r = await api(
          'PATCH',
          `/apis/apps/v1/namespaces/${NS}/deployments/web/scale`,
          { spec: { replicas: n } },
          'application/merge-patch+json',
        );
        expect(r.status, r.text).toBe(200);
        // poll the Endpoints and both nodes' rules together; log how long the rules lagged behind
        let epAt = 0;
        let want = '';
        const rulesAt: Record<string, number> = {};
        await waitFor(
          `endpoints and rules for ${n} pods`,
          async () => {
            const eps = await endpoints();
            if (eps.length !== n) return false;
            if (!epAt || JSON.stringify(eps) !== want) [epAt, want] = [Date.now(), JSON.stringify(eps)];
            for (const node of NODES) {
              if (JSON.stringify(dnatTargets(node)) === want) rulesAt[node] ??= Date.now();
              else delete rulesAt[node];
            }
            return NODES.every((node) => rulesAt[node]);
          },
          180_000,
          200,
        );
        console.log(
          `[e2e services] scale to ${n}: rules matched the Endpoints ${NODES.map((node) => `${node} +${rulesAt[node] - epAt} ms`).join(', ')} after the Endpoints were seen (poll step ~0.3-1 s)`,
        );
        if (n === 1) {
          const [last] = await rolledOut(1);
          const answers = getsFromPod(NS, last.name, clusterIP, 80, 5);
          expect(answers, `hairpin from ${last.name}`).toEqual(Array(5).fill(last.name));
        }
      }
      await rolledOut(3);
    }, 420_000);

    it('a rolling update under a steady request loop: no request fails', async () => {
      const before = new Set((await backends()).map((p) => p.name));
      const loop = requestLoopFromNode(env().cluster, 'node-1', `http://${clusterIP}/`);
      let result;
      try {
        await waitFor('the loop is running', () => loop.count() >= 20, 60_000, 200);
        const r = await api(
          'PATCH',
          `/apis/apps/v1/namespaces/${NS}/deployments/web`,
          { spec: { template: { metadata: { annotations: { 'e2e.minik8s.io/revision': '2' } } } } },
          'application/merge-patch+json',
        );
        expect(r.status, r.text).toBe(200);
        const started = Date.now();
        const after = await rolledOut(3);
        console.log(`[e2e services] rolling update done in ${Date.now() - started} ms, ${loop.count()} requests so far`);
        for (const p of after) expect(before.has(p.name)).toBe(false);
        await waitFor('at least 200 requests', () => loop.count() >= 200, 120_000, 500);
      } finally {
        result = await loop.stop();
      }
      console.log(`[e2e services] request loop: ${JSON.stringify(result)}`);
      expect(result.errors).toEqual([]);
      expect(result.ok).toBeGreaterThanOrEqual(200);
      // the loop was served by the old pods and then by the new ones
      const names = Object.keys(result.answers);
      expect(names.some((x) => before.has(x))).toBe(true);
      expect(names.some((x) => !before.has(x))).toBe(true);
    }, 420_000);
  });
}
