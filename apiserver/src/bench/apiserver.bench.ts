// `npm run bench:apiserver`: create, get, list (1000 objects) and watch fan-out (1000 watchers) through
// the apiserver, each beside the raw etcd3 operation on the same etcd in the same run. Secured as the
// cluster runs it: etcd with client certificates, the apiserver over HTTPS authenticating every request
// (the admin's client certificate; one create round with a ServiceAccount token instead), authorized by
// Node,RBAC.
// Last line: one JSON object with the figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort, median, percentile, until } from '@minik8s/shared';
import { localPki } from '@minik8s/shared/pki';

const procs: ChildProcess[] = [];
let tls: { ca: string; cert: string; key: string };
let agent: https.Agent;
/** Headers every request carries (a bearer token for the token round). */
let auth: Record<string, string> = {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function req(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<{ code: number; body: string }> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = https.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...auth, ...(data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => ok({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    r.on('error', fail);
    r.end(data);
  });
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Run n tasks with the given concurrency; returns ops/s and per-op latencies. */
async function closedLoop(
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<{ opsPerSec: number; lat: number[] }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = nowMs();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const i = next++;
        const s = nowMs();
        await task(i);
        lat.push(nowMs() - s);
      }
    }),
  );
  return { opsPerSec: (n / (nowMs() - t0)) * 1000, lat };
}

/**
 * Open loop at `rate` req/s for `seconds`: a timer issues every request that is due, whatever the answers
 * to the earlier ones (no coordinated omission), and each latency counts from the request's scheduled time,
 * so a late driver or a queueing server both show.
 */
async function openLoop(rate: number, seconds: number, task: () => Promise<void>): Promise<number[]> {
  const total = Math.round(rate * seconds);
  const lat: number[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = nowMs();
  const due = (i: number) => t0 + (i * 1000) / rate;
  let issued = 0;
  await new Promise<void>((finished) => {
    const tick = () => {
      while (issued < total && due(issued) <= nowMs()) {
        const at = due(issued++);
        inFlight.push(task().then(() => void lat.push(nowMs() - at)));
      }
      if (issued >= total) finished();
      else setTimeout(tick, Math.max(0, due(issued) - nowMs()));
    };
    tick();
  });
  await Promise.all(inFlight);
  return lat;
}

/** Alternate a and b for `rounds` rounds (so both see the same machine load) and keep each round's result. */
async function paired<T>(rounds: number, a: (round: number) => Promise<T>, b: (round: number) => Promise<T>): Promise<{ a: T[]; b: T[] }> {
  const out = { a: [] as T[], b: [] as T[] };
  for (let i = 0; i < rounds; i++) {
    out.a.push(await a(i));
    out.b.push(await b(i));
  }
  return out;
}

/** A Deployment with a full pod template: what a Strict decode walks several levels deep. */
const deploy = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { bench: 'yes', app: name } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx:1.27',
            args: ['--port', '8080'],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'A', value: '1' },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
      },
    },
  },
});

/** A namespaced kind from a CRD: a structural schema with bounds, a default and a CEL rule per create. */
const WIDGETS_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.bench.example.com' },
  spec: {
    group: 'bench.example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                'x-kubernetes-validations': [{ rule: 'self.size <= self.maxSize', message: 'size must not exceed maxSize' }],
                properties: {
                  size: { type: 'integer', minimum: 1 },
                  maxSize: { type: 'integer', default: 10 },
                  color: { type: 'string', enum: ['red', 'green', 'blue'] },
                  tags: { type: 'array', maxItems: 8, items: { type: 'string', maxLength: 32 } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const widget = (name: string) => ({
  apiVersion: 'bench.example.com/v1',
  kind: 'Widget',
  metadata: { name, labels: { bench: 'yes' } },
  spec: { size: 3, color: 'green', tags: ['a', 'b'] },
});

/** VmRSS of a process, in MiB. */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** CPU time (user + system) a process has used, in ms (/proc/PID/stat, 100 ticks a second). */
const cpuMs = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};

const cm = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, labels: { bench: 'yes' } },
  data: { key: 'x'.repeat(200) },
});

async function main(): Promise<void> {
  const repo = resolve(__dirname, '..', '..', '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'minik8s-bench-etcd-'));
  const pki = await localPki(join(dataDir, 'pki'));
  tls = pki.admin;
  agent = new https.Agent({ keepAlive: true, maxSockets: 64, ...tls });
  const [cp, pp, ap, plainEtcdPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const etcdTls = pki.etcdArgs(cp, pp);
  const endpoint = etcdTls.endpoint;
  // BENCH_PLAIN_APISERVER (below): etcd also listens without TLS for the plain build, so both write to one etcd
  const plainMain = process.env.BENCH_PLAIN_APISERVER;
  const plainEtcd = `http://127.0.0.1:${plainEtcdPort}`;
  const etcdArgs = plainMain ? etcdTls.args.map((a) => (a === endpoint ? `${endpoint},${plainEtcd}` : a)) : etcdTls.args;
  procs.push(spawn('etcd', ['--data-dir', join(dataDir, 'data'), ...etcdArgs], { stdio: 'ignore' }));
  await until(`${endpoint}/health`, () => pki.etcdHealthy(endpoint), 30_000);
  // BENCH_CPU_PROF=DIR: the apiserver writes a V8 CPU profile (.cpuprofile) into DIR when the bench ends.
  const profDir = process.env.BENCH_CPU_PROF;
  const apiserver = spawn(
    process.execPath,
    [
      ...(profDir ? ['--cpu-prof', '--cpu-prof-dir', resolve(profDir)] : []),
      join(repo, 'apiserver', 'dist', 'main.js'),
      ...pki.etcdClientArgs(endpoint),
      ...pki.apiserverArgs(),
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(ap),
    ],
    { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  procs.push(apiserver);
  const spawnedAt = nowMs();
  await until(
    `https://127.0.0.1:${ap}/readyz`,
    async () => (await req(ap, 'GET', '/readyz').catch(() => ({ code: 0 }))).code === 200 || undefined,
    30_000,
  );
  const startupMs = nowMs() - spawnedAt;
  const rssReady = rssMb(apiserver.pid!);
  console.log(`start-up: /readyz answered ${r2(startupMs)} ms after spawn; RSS ${r2(rssReady)} MiB`);
  for (let i = 0; i < 100; i++) {
    if ((await req(ap, 'GET', '/api/v1/namespaces/kube-public')).code === 200) break;
    await sleep(100);
  }
  const etcd = new Etcd3({ hosts: endpoint, credentials: pki.etcdClientCredentials() });
  const NS = '/api/v1/namespaces/default/configmaps';
  const N = 1000;
  const CONC = 32;

  // create: N objects in ROUNDS rounds, each beside the same number of raw etcd puts
  const ROUNDS = 4;
  const perRound = N / ROUNDS;
  const value = JSON.stringify(cm('raw'));
  const creates = await paired(
    ROUNDS,
    (round) =>
      closedLoop(perRound, CONC, async (i) => {
        const r = await req(ap, 'POST', NS, cm(`bench-${round * perRound + i}`));
        if (r.code !== 201) throw new Error(`create → ${r.code} ${r.body}`);
      }),
    (round) =>
      closedLoop(perRound, CONC, async (i) => {
        await etcd
          .put(`/bench/raw/${round * perRound + i}`)
          .value(value)
          .exec();
      }),
  );
  // one more round authenticated by a ServiceAccount token (signature, issuer, audience, expiry and
  // the account's existence checked per request) instead of the client certificate
  await req(ap, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'bench' },
  });
  // authorized by RBAC (a Role in kube-public, bound to the account): the round pays for the rule walk too
  await req(ap, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'bench' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create'] }],
  });
  await req(ap, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'bench' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'bench' },
    subjects: [{ kind: 'ServiceAccount', name: 'bench', namespace: 'default' }],
  });
  const tr = await req(ap, 'POST', '/api/v1/namespaces/default/serviceaccounts/bench/token', {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {},
  });
  const tokenAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ca: tls.ca });
  const certAgent = agent;
  agent = tokenAgent;
  auth = { authorization: `Bearer ${JSON.parse(tr.body).status.token}` };
  const tokenRound = await closedLoop(perRound, CONC, async (i) => {
    // (in another namespace: the list figures below stay about the same 1000 objects)
    const r = await req(ap, 'POST', '/api/v1/namespaces/kube-public/configmaps', cm(`bench-token-${i}`));
    if (r.code !== 201) throw new Error(`create with a token → ${r.code} ${r.body}`);
  });
  agent = certAgent;
  auth = {};
  console.log(
    `create with a ServiceAccount token (${perRound}, ${CONC} concurrent): ${r2(tokenRound.opsPerSec)} ops/s (p50 ${r2(percentile(tokenRound.lat, 50))} ms)`,
  );

  // BENCH_PLAIN_APISERVER=.../apiserver/dist/main.js: another apiserver build, started without TLS flags
  // (a checkout from before TLS served plain HTTP) on the same etcd (plain listener, its own key prefix),
  // against the secure one in alternating rounds (creates in another namespace, so the figures below are
  // unchanged): what TLS to the client and to etcd, authentication and authorization cost, in one run.
  let plain: { plainOps: number; secureOps: number } | undefined;
  if (plainMain) {
    const pap = await freePort();
    procs.push(
      spawn(
        process.execPath,
        [
          resolve(plainMain),
          '--etcd-servers',
          plainEtcd,
          '--etcd-prefix',
          '/plain',
          '--bind-address',
          '127.0.0.1',
          '--secure-port',
          String(pap),
        ],
        { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } },
      ),
    );
    const plainAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const plainReq = (method: string, path: string, body?: unknown) =>
      new Promise<number>((ok, fail) => {
        const data = body === undefined ? undefined : JSON.stringify(body);
        const r = http.request(
          {
            host: '127.0.0.1',
            port: pap,
            method,
            path,
            agent: plainAgent,
            headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
          },
          (res) => {
            res.resume();
            res.on('end', () => ok(res.statusCode ?? 0));
          },
        );
        r.on('error', fail);
        r.end(data);
      });
    await until(
      'the plain apiserver',
      async () => (await plainReq('GET', '/api/v1/namespaces/default').catch(() => 0)) === 200 || undefined,
      60_000,
    );
    const pr = await paired(
      ROUNDS,
      (round) =>
        closedLoop(perRound, CONC, async (i) => {
          const r = await req(ap, 'POST', '/api/v1/namespaces/kube-node-lease/configmaps', cm(`vs-plain-${round * perRound + i}`));
          if (r.code !== 201) throw new Error(`create → ${r.code} ${r.body}`);
        }),
      (round) =>
        closedLoop(perRound, CONC, async (i) => {
          const code = await plainReq('POST', NS, cm(`plain-${round * perRound + i}`));
          if (code !== 201) throw new Error(`plain create → ${code}`);
        }),
    );
    const ops = (rs: { opsPerSec: number }[]) => (rs.length * perRound) / rs.reduce((t, x) => t + perRound / x.opsPerSec, 0);
    plain = { secureOps: ops(pr.a), plainOps: ops(pr.b) };
    console.log(
      `create, secure vs ${plainMain} over plain HTTP (${ROUNDS} alternating rounds of ${perRound}): ${r2(plain.secureOps)} vs ${r2(plain.plainOps)} ops/s, ratio ${r2(plain.secureOps / plain.plainOps)} [rounds ${pr.a.map((x, i) => r2(x.opsPerSec / pr.b[i].opsPerSec)).join(', ')}]`,
    );
  }

  // throughput over all rounds (time-weighted: a short noisy round does not swing it)
  const overall = (rs: { opsPerSec: number }[]) => (rs.length * perRound) / rs.reduce((t, x) => t + perRound / x.opsPerSec, 0);
  const createOps = overall(creates.a);
  const putOps = overall(creates.b);
  const createRatio = createOps / putOps;
  const createLat = creates.a.flatMap((x) => x.lat);
  const putLat = creates.b.flatMap((x) => x.lat);
  console.log(
    `create (${ROUNDS} rounds of ${perRound}, ${CONC} concurrent): apiserver ${r2(createOps)} ops/s (p50 ${r2(percentile(createLat, 50))} ms, p99 ${r2(percentile(createLat, 99))} ms) | ` +
      `etcd put ${r2(putOps)} ops/s (p50 ${r2(percentile(putLat, 50))} ms, p99 ${r2(percentile(putLat, 99))} ms) | ratio ${r2(createRatio)} [rounds ${creates.a.map((x, i) => r2(x.opsPerSec / creates.b[i].opsPerSec)).join(', ')}]`,
  );

  // create with fieldValidation=Strict (every field checked against the kind's schema) beside the same
  // creates with fieldValidation=Ignore, round by round: the ratio is what the check costs
  // (and the apiserver's CPU time per create, less swayed by the machine's load than the throughput)
  const DEPLOY_ROUNDS = 8;
  const perDeployRound = 50;
  const DEPLOY_PATH = '/apis/apps/v1/namespaces/default/deployments';
  const createDeploys = (mode: string) => async (round: number) => {
    const cpu0 = cpuMs(apiserver.pid!);
    const res = await closedLoop(perDeployRound, CONC, async (i) => {
      const r = await req(
        ap,
        'POST',
        `${DEPLOY_PATH}?fieldValidation=${mode}`,
        deploy(`${mode.toLowerCase()}-${round * perDeployRound + i}`),
      );
      if (r.code !== 201) throw new Error(`create deployment (${mode}) → ${r.code} ${r.body}`);
    });
    return { ...res, cpuMs: cpuMs(apiserver.pid!) - cpu0 };
  };
  const strict = await paired(DEPLOY_ROUNDS, createDeploys('Strict'), createDeploys('Ignore'));
  const opsOf = (rs: { opsPerSec: number }[]) => (rs.length * perDeployRound) / rs.reduce((t, x) => t + perDeployRound / x.opsPerSec, 0);
  const cpuPerCreate = (rs: { cpuMs: number }[]) => rs.reduce((t, x) => t + x.cpuMs, 0) / (rs.length * perDeployRound);
  const [strictOps, ignoreOps] = [opsOf(strict.a), opsOf(strict.b)];
  const [strictCpu, ignoreCpu] = [cpuPerCreate(strict.a), cpuPerCreate(strict.b)];
  console.log(
    `create Deployment (${DEPLOY_ROUNDS} rounds of ${perDeployRound}, ${CONC} concurrent): fieldValidation=Strict ${r2(strictOps)} ops/s, ${r2(strictCpu)} ms apiserver CPU each | ` +
      `Ignore ${r2(ignoreOps)} ops/s, ${r2(ignoreCpu)} ms CPU each | ratio ${r2(strictOps / ignoreOps)} [rounds ${strict.a.map((x, i) => r2(x.opsPerSec / strict.b[i].opsPerSec)).join(', ')}] | Strict vs etcd put ${r2(strictOps / putOps)}`,
  );

  // create a custom resource (a CRD with a structural schema, a default and a CEL rule) beside ConfigMap
  // creates, round by round: what serving a kind from a CRD costs against a built-in
  const crdRes = await req(ap, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGETS_CRD);
  if (crdRes.code !== 201) throw new Error(`create CRD → ${crdRes.code} ${crdRes.body}`);
  for (let i = 0; ; i++) {
    const c = JSON.parse((await req(ap, 'GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.bench.example.com')).body);
    if (c.status?.conditions?.some((x: { type: string; status: string }) => x.type === 'Established' && x.status === 'True')) break;
    if (i > 100) throw new Error('the bench CRD did not become Established');
    await sleep(100);
  }
  const CR_ROUNDS = 4;
  const perCrRound = 100;
  const crs = await paired(
    CR_ROUNDS,
    (round) =>
      closedLoop(perCrRound, CONC, async (i) => {
        const r = await req(ap, 'POST', '/apis/bench.example.com/v1/namespaces/default/widgets', widget(`w-${round * perCrRound + i}`));
        if (r.code !== 201) throw new Error(`create custom resource → ${r.code} ${r.body}`);
      }),
    (round) =>
      closedLoop(perCrRound, CONC, async (i) => {
        const r = await req(ap, 'POST', '/api/v1/namespaces/kube-node-lease/configmaps', cm(`vs-cr-${round * perCrRound + i}`));
        if (r.code !== 201) throw new Error(`create → ${r.code} ${r.body}`);
      }),
  );
  const crOps = overall(crs.a);
  const crCmOps = overall(crs.b);
  const crLat = crs.a.flatMap((x) => x.lat);
  console.log(
    `create custom resource (${CR_ROUNDS} rounds of ${perCrRound}, ${CONC} concurrent): ${r2(crOps)} ops/s (p50 ${r2(percentile(crLat, 50))} ms, p99 ${r2(percentile(crLat, 99))} ms) | ` +
      `ConfigMap ${r2(crCmOps)} ops/s | ratio ${r2(crOps / crCmOps)} [rounds ${crs.a.map((x, i) => r2(x.opsPerSec / crs.b[i].opsPerSec)).join(', ')}] | vs etcd put ${r2(crOps / putOps)}`,
  );
  const rssAfterCreates = rssMb(apiserver.pid!);

  // OpenAPI: the first request loads and builds the documents, the next ones are served from memory
  const timed = async (path: string, accept: string) => {
    const s = nowMs();
    const r = await new Promise<number>((ok, fail) => {
      https
        .get({ host: '127.0.0.1', port: ap, path, agent, headers: { ...auth, accept } }, (res) => {
          res.resume();
          res.on('end', () => ok(res.statusCode ?? 0));
        })
        .on('error', fail);
    });
    return { code: r, ms: nowMs() - s };
  };
  const PB = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
  const v2Cold = await timed('/openapi/v2', PB);
  const v2Warm = await timed('/openapi/v2', PB);
  const v3Cold = await timed('/openapi/v3/apis/apps/v1', 'application/json');
  const v3Warm = await timed('/openapi/v3/apis/apps/v1', 'application/json');
  const rssAfterOpenapi = rssMb(apiserver.pid!);
  console.log(
    `openapi: /openapi/v2 (protobuf) ${v2Cold.code} first ${r2(v2Cold.ms)} ms, then ${r2(v2Warm.ms)} ms | /openapi/v3/apis/apps/v1 ${v3Cold.code} first ${r2(v3Cold.ms)} ms, then ${r2(v3Warm.ms)} ms | ` +
      `RSS ${r2(rssAfterCreates)} MiB after the creates, ${r2(rssAfterOpenapi)} MiB after OpenAPI`,
  );

  // get at 500 req/s, open loop: one warm-up second each, then rounds of 2 s alternating apiserver / etcd
  const RATE = 500;
  const apiGet = async () => {
    const r = await req(ap, 'GET', `${NS}/bench-7`);
    if (r.code !== 200) throw new Error(`get → ${r.code}`);
  };
  const etcdGet = async () => {
    if ((await etcd.get('/bench/raw/7').string()) === null) throw new Error('etcd get: missing key');
  };
  await openLoop(RATE, 1, apiGet);
  await openLoop(RATE, 1, etcdGet);
  const GET_ROUNDS = 5;
  const gets = await paired(
    GET_ROUNDS,
    () => openLoop(RATE, 2, apiGet),
    () => openLoop(RATE, 2, etcdGet),
  );
  const getP50 = median(gets.a.map((l) => percentile(l, 50)));
  const getP99 = median(gets.a.map((l) => percentile(l, 99)));
  const etcdGetP50 = median(gets.b.map((l) => percentile(l, 50)));
  const etcdGetP99 = median(gets.b.map((l) => percentile(l, 99)));
  console.log(
    `get @${RATE}/s open loop (median of ${GET_ROUNDS} rounds of 2 s): apiserver p50 ${r2(getP50)} ms, p99 ${r2(getP99)} ms [rounds ${gets.a.map((l) => r2(percentile(l, 99))).join(', ')}] | ` +
      `etcd get p50 ${r2(etcdGetP50)} ms, p99 ${r2(etcdGetP99)} ms [rounds ${gets.b.map((l) => r2(percentile(l, 99))).join(', ')}]`,
  );

  // list 1000 objects
  const listRes = await closedLoop(30, 1, async () => {
    const r = await req(ap, 'GET', NS);
    if (JSON.parse(r.body).items.length < N) throw new Error('short list');
  });
  const etcdList = await closedLoop(30, 1, async () => {
    const kvs = await etcd.getAll().prefix('/bench/raw/').strings();
    if (Object.keys(kvs).length < N) throw new Error('short etcd list');
  });
  console.log(
    `list ${N}: apiserver p50 ${r2(percentile(listRes.lat, 50))} ms, p99 ${r2(percentile(listRes.lat, 99))} ms | etcd range p50 ${r2(percentile(etcdList.lat, 50))} ms, p99 ${r2(percentile(etcdList.lat, 99))} ms`,
  );

  // watch fan-out: 1000 watchers, 20 changes
  const W = 1000;
  const CHANGES = 20;
  const sentAt = new Map<string, number>();
  const fanout: number[] = [];
  const watchAgent = new https.Agent({ keepAlive: false, maxSockets: Infinity, ...tls });
  const streams: import('node:http').ClientRequest[] = [];
  let ready = 0;
  for (let i = 0; i < W; i++) {
    const r = https.get(
      { host: '127.0.0.1', port: ap, path: `${NS}?watch=1&fieldSelector=metadata.name%3Dbench-watch&resourceVersion=0`, agent: watchAgent },
      (res) => {
        ready++;
        let buf = '';
        res.on('data', (c) => {
          const t = nowMs();
          buf += c;
          let k;
          while ((k = buf.indexOf('\n')) >= 0) {
            const ev = JSON.parse(buf.slice(0, k));
            buf = buf.slice(k + 1);
            const at = sentAt.get(ev.object?.data?.seq);
            if (at !== undefined) fanout.push(t - at);
          }
        });
      },
    );
    r.on('error', () => undefined);
    streams.push(r);
  }
  while (ready < W) await sleep(20);
  await req(ap, 'POST', NS, { ...cm('bench-watch'), data: { seq: 'init' } });
  await sleep(500);
  for (let c = 0; c < CHANGES; c++) {
    sentAt.set(String(c), nowMs());
    const r = await req(ap, 'PATCH', `${NS}/bench-watch`, { data: { seq: String(c) } }, 'application/merge-patch+json');
    if (r.code !== 200) throw new Error(`patch → ${r.code} ${r.body}`);
    await sleep(150);
  }
  await sleep(1000);
  const expected = W * CHANGES;
  for (const s of streams) s.destroy();
  // raw etcd: 1000 watchers on one key
  const rawFan: number[] = [];
  const rawSent = new Map<string, number>();
  // created one after the other: etcd3 handles many concurrent watch creations badly
  const watchers = [];
  for (let i = 0; i < W; i++) {
    const w = await etcd.watch().key('/bench/watch').create();
    w.on('put', (kv) => {
      const at = rawSent.get(kv.value.toString());
      if (at !== undefined) rawFan.push(nowMs() - at);
    });
    watchers.push(w);
  }
  for (let c = 0; c < CHANGES; c++) {
    rawSent.set(String(c), nowMs());
    await etcd.put('/bench/watch').value(String(c)).exec();
    await sleep(150);
  }
  await sleep(1000);
  await Promise.race([Promise.all(watchers.map((w) => w.cancel())), sleep(5000)]);
  console.log(
    `watch fan-out ${W} watchers x ${CHANGES} changes: apiserver delivered ${fanout.length}/${expected}, p50 ${r2(percentile(fanout, 50))} ms, p99 ${r2(percentile(fanout, 99))} ms | etcd delivered ${rawFan.length}/${expected}, p50 ${r2(percentile(rawFan, 50))} ms, p99 ${r2(percentile(rawFan, 99))} ms`,
  );

  const result = {
    bench: 'apiserver',
    startup_ms: r2(startupMs),
    rss_ready_mb: r2(rssReady),
    strict_create_ops_s: r2(strictOps),
    ignore_create_ops_s: r2(ignoreOps),
    strict_vs_ignore_ratio: r2(strictOps / ignoreOps),
    strict_create_ratio_vs_etcd: r2(strictOps / putOps),
    strict_create_cpu_ms: r2(strictCpu),
    ignore_create_cpu_ms: r2(ignoreCpu),
    rss_after_creates_mb: r2(rssAfterCreates),
    openapi_v2_first_ms: r2(v2Cold.ms),
    openapi_v2_ms: r2(v2Warm.ms),
    openapi_v3_first_ms: r2(v3Cold.ms),
    openapi_v3_ms: r2(v3Warm.ms),
    rss_after_openapi_mb: r2(rssAfterOpenapi),
    create_ops_s: r2(createOps),
    etcd_put_ops_s: r2(putOps),
    create_ratio_vs_etcd: r2(createRatio),
    create_p99_ms: r2(percentile(createLat, 99)),
    create_token_ops_s: r2(tokenRound.opsPerSec),
    cr_create_ops_s: r2(crOps),
    cr_create_p99_ms: r2(percentile(crLat, 99)),
    cr_vs_configmap_ratio: r2(crOps / crCmOps),
    cr_create_ratio_vs_etcd: r2(crOps / putOps),
    ...(plain
      ? {
          create_secure_ops_s: r2(plain.secureOps),
          create_plain_ops_s: r2(plain.plainOps),
          create_secure_vs_plain: r2(plain.secureOps / plain.plainOps),
        }
      : {}),
    get_p50_ms: r2(getP50),
    get_p99_ms: r2(getP99),
    etcd_get_p50_ms: r2(etcdGetP50),
    etcd_get_p99_ms: r2(etcdGetP99),
    get_p99_ratio_vs_etcd: r2(getP99 / etcdGetP99),
    list_1000_p50_ms: r2(percentile(listRes.lat, 50)),
    list_1000_p99_ms: r2(percentile(listRes.lat, 99)),
    etcd_list_1000_p99_ms: r2(percentile(etcdList.lat, 99)),
    watch_fanout_delivered: fanout.length / expected,
    watch_fanout_p50_ms: r2(percentile(fanout, 50)),
    watch_fanout_p99_ms: r2(percentile(fanout, 99)),
    etcd_watch_fanout_p99_ms: r2(percentile(rawFan, 99)),
  };
  etcd.close();
  if (profDir) {
    // a clean exit writes the profile
    const exited = new Promise((r) => apiserver.once('exit', r));
    apiserver.kill('SIGTERM');
    await Promise.race([exited, sleep(15000)]);
  }
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  for (const p of procs) p.kill('SIGKILL');
  process.exit(1);
});
