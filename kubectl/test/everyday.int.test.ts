// Acceptance: the everyday commands of the real kubectl v1.32 (fresh HOME) against a running minik8s
// (testing/cluster.ts: etcd, apiserver, scheduler, controller-manager and two real kubelets on Docker):
// the create generators, expose, run, set, rollout restart, wait, events (core/v1 and events.k8s.io/v1),
// cp, cordon/taint/drain, debug (ephemeral containers in the target's process namespace) and proxy (pods,
// services, nodes). Each asserts what the server holds afterwards, not only kubectl's output.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostCluster, type HostCluster } from '../../testing/cluster';
import { IMAGES } from '../../testing/images';
import { stopAll, tempDir, waitFor } from '../../testing/procs';

const NS = 'everyday';
const IMAGE = IMAGES.busybox;
let cluster: HostCluster;
let env: NodeJS.ProcessEnv;
let dir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], stdin?: string, timeout = 120_000): Promise<Run> {
  return new Promise((ok) => {
    const child = execFile('/usr/bin/kubectl', args, { env: { ...process.env, ...env }, timeout }, (err, stdout, stderr) =>
      ok({ code: err ? Number((err as { code?: number }).code ?? 1) || 1 : 0, stdout: String(stdout), stderr: String(stderr) }),
    );
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** kubectl in the test namespace that must succeed; returns stdout. */
async function k(...args: string[]): Promise<string> {
  const r = await kubectl(['-n', NS, ...args]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} → rc ${r.code}\n${r.stderr}\n${r.stdout}\n${cluster.logs()}`);
  return r.stdout;
}

const json = async (...args: string[]) => JSON.parse(await k(...args, '-o', 'json'));

const web = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: app
        image: ${IMAGE}
        command: ["sh", "-c", "mkdir -p /www && echo hello-from-\${HOSTNAME} > /www/index.html && exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
`;

beforeAll(async () => {
  cluster = await startHostCluster({ nodes: 2, prefix: 'every' });
  env = cluster.kubeEnv();
  dir = tempDir('minik8s-everyday-');
  const r = await kubectl(['create', 'namespace', NS]);
  expect(r.code, r.stderr).toBe(0);
  const file = join(dir, 'web.yaml');
  writeFileSync(file, web);
  await k('apply', '-f', file);
  await k('wait', '--for=condition=Available', 'deployment/web', '--timeout=90s');
}, 240_000);

afterAll(async () => {
  await cluster?.cleanup();
  await stopAll();
});

const webPods = async () => (await json('get', 'pods', '-l', 'app=web')).items.filter((p: any) => !p.metadata.deletionTimestamp);

describe('everyday kubectl against minik8s', () => {
  it('create generators: cronjob, job --from, pdb, secrets, every Service type', async () => {
    expect(await k('create', 'cronjob', 'tick', `--image=${IMAGE}`, '--schedule=*/5 * * * *', '--', 'echo', 'tick')).toMatch(/cronjob.batch\/tick created/);
    expect(await k('create', 'job', 'tick-now', '--from=cronjob/tick')).toMatch(/job.batch\/tick-now created/);
    expect(await k('create', 'pdb', 'web-pdb', '--selector=app=web', '--max-unavailable=50%')).toMatch(/poddisruptionbudget.policy\/web-pdb created/);
    expect(await k('create', 'secret', 'docker-registry', 'regcred', '--docker-server=registry.local', '--docker-username=u', '--docker-password=p')).toMatch(/secret\/regcred created/);
    const crt = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    await new Promise<void>((ok, fail) => execFile('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-subj', '/CN=web', '-days', '1'], (e) => (e ? fail(e) : ok())));
    expect(await k('create', 'secret', 'tls', 'web-tls', `--cert=${crt}`, `--key=${key}`)).toMatch(/secret\/web-tls created/);
    expect(await k('create', 'service', 'nodeport', 'np', '--tcp=80:8080')).toMatch(/service\/np created/);
    expect(await k('create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080')).toMatch(/service\/lb created/);
    expect(await k('create', 'service', 'externalname', 'ext', '--external-name=example.invalid')).toMatch(/service\/ext created/);

    const job = await json('get', 'job', 'tick-now');
    expect(job.metadata.annotations['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'tick']);
    expect((await json('get', 'pdb', 'web-pdb')).spec).toEqual({ maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } });
    const reg = await json('get', 'secret', 'regcred');
    expect(reg.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from(reg.data['.dockerconfigjson'], 'base64').toString()).auths['registry.local']).toMatchObject({ username: 'u', password: 'p' });
    const tls = await json('get', 'secret', 'web-tls');
    expect(tls.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(tls.data['tls.crt'], 'base64').toString()).toBe(readFileSync(crt, 'utf8'));
    const svc = await k('get', 'svc', 'np', 'lb', 'ext');
    expect(svc).toMatch(/^np\s+NodePort\s+10\.\S+\s+<none>\s+80:3\d{4}\/TCP/m);
    expect(svc).toMatch(/^lb\s+LoadBalancer\s+10\.\S+\s+<pending>\s+80:3\d{4}\/TCP/m);
    expect(svc).toMatch(/^ext\s+ExternalName\s+<none>\s+example\.invalid\s+<none>/m);
  });

  it('expose, run, set env|resources|selector|serviceaccount, rollout restart, wait --for=jsonpath', async () => {
    expect(await k('expose', 'deployment', 'web', '--port=80', '--target-port=http')).toMatch(/service\/web exposed/);
    expect((await json('get', 'svc', 'web')).spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });
    expect(await k('run', 'solo', `--image=${IMAGE}`, '--labels=app=solo,tier=x', '--env=GREETING=hi', '--port=8080', '--', 'sh', '-c', 'exec httpd -f -p 8080 -h /')).toMatch(/pod\/solo created/);
    expect(await k('expose', 'pod', 'solo', '--port=81', '--target-port=8080', '--name=solo-svc')).toMatch(/service\/solo-svc exposed/);
    expect(await k('wait', '--for=jsonpath={.status.phase}=Running', 'pod/solo', '--timeout=60s')).toMatch(/pod\/solo condition met/);
    const solo = await json('get', 'pod', 'solo');
    expect(solo.metadata.labels).toEqual({ app: 'solo', tier: 'x' });
    expect(solo.spec.containers[0]).toMatchObject({ env: [{ name: 'GREETING', value: 'hi' }], ports: [{ containerPort: 8080 }] });

    await k('create', 'serviceaccount', 'robot');
    expect(await k('set', 'env', 'deployment/web', 'MODE=blue')).toMatch(/deployment.apps\/web env updated/);
    expect(await k('set', 'resources', 'deployment', 'web', '--limits=cpu=200m,memory=64Mi', '--requests=cpu=10m')).toMatch(/resource requirements updated/);
    expect(await k('set', 'serviceaccount', 'deployment', 'web', 'robot')).toMatch(/serviceaccount updated/);
    expect(await k('set', 'selector', 'service', 'solo-svc', 'app=solo,tier=x')).toMatch(/service\/solo-svc selector updated/);
    expect((await json('get', 'svc', 'solo-svc')).spec.selector).toEqual({ app: 'solo', tier: 'x' });
    const before = (await webPods()).map((p: any) => p.metadata.name);
    expect(await k('rollout', 'restart', 'deployment/web')).toMatch(/deployment.apps\/web restarted/);
    await k('rollout', 'status', 'deployment/web', '--timeout=120s');
    const d = await json('get', 'deployment', 'web');
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(d.spec.template.spec).toMatchObject({ serviceAccountName: 'robot', containers: [{ env: [{ name: 'MODE', value: 'blue' }], resources: { limits: { cpu: '200m', memory: '64Mi' }, requests: { cpu: '10m' } } }] });
    await waitFor('the old pods gone', async () => (await webPods()).every((p: any) => !before.includes(p.metadata.name)), 60_000);
    const pods = await webPods();
    expect(pods.every((p: any) => p.spec.serviceAccountName === 'robot' && p.spec.containers[0].env.some((e: any) => e.value === 'blue'))).toBe(true);
    expect(await k('wait', '--for=jsonpath={.status.readyReplicas}=2', 'deployment/web', '--timeout=60s')).toMatch(/condition met/);
  });

  it('events: kubectl events --for, and the same Events as events.k8s.io/v1', async () => {
    const out = await k('events', '--for', 'pod/solo');
    expect(out.split('\n')[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(out).toMatch(/Normal\s+Scheduled\s+Pod\/solo\s+Successfully assigned everyday\/solo to /);
    expect(out).toMatch(/Normal\s+Started\s+Pod\/solo\s+Started container solo/);
    const v1 = await json('get', 'events.v1.events.k8s.io');
    const started = v1.items.find((e: any) => e.reason === 'Started' && e.regarding?.name === 'solo');
    expect(started).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'Started container solo', regarding: { kind: 'Pod', name: 'solo' }, deprecatedSource: { component: 'kubelet' } });
    expect(started.involvedObject).toBeUndefined();
  });

  it('cp into a pod and back (tar over exec)', async () => {
    const src = join(dir, 'in.txt');
    writeFileSync(src, 'copied\n');
    await k('cp', src, 'solo:/tmp/in.txt');
    await k('cp', 'solo:/tmp/in.txt', join(dir, 'back.txt'));
    expect(readFileSync(join(dir, 'back.txt'), 'utf8')).toBe('copied\n');
  });

  it('debug: an ephemeral container in the target\'s process namespace, attached', async () => {
    const [pod] = await webPods();
    const name = pod.metadata.name;
    const r = await kubectl(['-n', NS, 'debug', '-i', `pod/${name}`, `--image=${IMAGE}`, '--target=app', '--container=dbg', '--', 'sh'], 'ps -o pid,comm; echo marker-$((6*7)); exit\n');
    expect(r.code, `${r.stderr}\n${cluster.logs()}`).toBe(0);
    // the target's processes (httpd) are visible from the debug container
    expect(r.stdout, r.stderr).toMatch(/^\s*1\s+httpd$/m);
    expect(r.stdout).toContain('marker-42');
    const after = await json('get', 'pod', name);
    expect(after.spec.ephemeralContainers).toEqual([expect.objectContaining({ name: 'dbg', image: IMAGE, targetContainerName: 'app', stdin: true })]);
    await waitFor('the debug container reported terminated', async () => (await json('get', 'pod', name)).status.ephemeralContainerStatuses?.[0]?.state?.terminated, 30_000);
    expect((await json('get', 'pod', name)).status.ephemeralContainerStatuses[0]).toMatchObject({ name: 'dbg', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    // the pod itself carries on
    expect((await json('get', 'pod', name)).status.containerStatuses[0].state.running).toBeTruthy();
    const logs = await k('logs', name, '-c', 'dbg');
    expect(logs).toContain('marker-42');
  });

  it('proxy: kubectl proxy to a Service, a pod and a node', async () => {
    const proxy: ChildProcess = spawn('/usr/bin/kubectl', ['proxy', '--port=0'], { env: { ...process.env, ...env } });
    try {
      let out = '';
      proxy.stdout!.on('data', (d) => (out += String(d)));
      const port = await waitFor('kubectl proxy serving', () => /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(out)?.[1], 20_000);
      const base = `http://127.0.0.1:${port}`;
      const get = async (path: string) => {
        const res = await fetch(base + path, { redirect: 'manual' });
        return { code: res.status, text: await res.text(), location: res.headers.get('location') };
      };
      const names = (await webPods()).map((p: any) => p.metadata.name);
      const viaSvc = await get(`/api/v1/namespaces/${NS}/services/web:80/proxy/`);
      expect(viaSvc.code).toBe(200);
      expect(names.map((n: string) => `hello-from-${n}\n`)).toContain(viaSvc.text);
      expect((await get(`/api/v1/namespaces/${NS}/services/web/proxy`)).location).toBe(`/api/v1/namespaces/${NS}/services/web/proxy/`);
      const viaPod = await get(`/api/v1/namespaces/${NS}/pods/${names[0]}:8080/proxy/index.html`);
      expect(viaPod).toMatchObject({ code: 200, text: `hello-from-${names[0]}\n` });
      const none = await get(`/api/v1/namespaces/${NS}/services/web:9999/proxy/`);
      expect(none.code).toBe(503);
      expect(JSON.parse(none.text).message).toBe('no service port 9999 found for service "web"');
      const node = await get(`/api/v1/nodes/${cluster.nodeNames[0]}/proxy/healthz`);
      expect(node).toMatchObject({ code: 200, text: 'ok' });
      const pods = JSON.parse((await get(`/api/v1/nodes/${cluster.nodeNames[0]}/proxy/pods`)).text);
      expect(pods.kind).toBe('PodList');
    } finally {
      proxy.kill();
    }
  });

  it('cordon, taint, drain (evictions honour the PodDisruptionBudget), uncordon', async () => {
    const [n0, n1] = cluster.nodeNames;
    expect(await k('cordon', n0)).toMatch(new RegExp(`node/${n0} cordoned`));
    expect((await json('get', 'node', n0)).spec.unschedulable).toBe(true);
    expect(await k('taint', 'node', n1, 'dedicated=web:PreferNoSchedule')).toMatch(new RegExp(`node/${n1} tainted`));
    expect((await json('get', 'node', n1)).spec.taints).toContainEqual({ key: 'dedicated', value: 'web', effect: 'PreferNoSchedule' });
    expect(await k('uncordon', n0)).toMatch(new RegExp(`node/${n0} uncordoned`));
    const target = (await webPods())[0].spec.nodeName as string;
    const r = await kubectl(['drain', target, '--ignore-daemonsets', '--delete-emptydir-data', '--force', '--timeout=120s'], undefined, 150_000);
    expect(r.code, `${r.stderr}\n${cluster.logs()}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`node/${target} cordoned`));
    expect(r.stdout).toMatch(/evicting pod everyday\/web-/);
    expect(r.stdout).toMatch(new RegExp(`node/${target} drained`));
    await k('rollout', 'status', 'deployment/web', '--timeout=120s');
    const pods = await webPods();
    expect(pods).toHaveLength(2);
    expect(pods.every((p: any) => p.spec.nodeName && p.spec.nodeName !== target)).toBe(true);
    expect(await k('uncordon', target)).toMatch(/uncordoned/);
    expect(await k('taint', 'node', n1, 'dedicated-')).toMatch(/untainted/);
  });
});
