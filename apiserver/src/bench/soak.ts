// `npm run soak:apiserver`: SOAK_MINUTES (default 30) of mixed load (SOAK_RATE operations/s, default 200)
// against one apiserver on its own etcd
// — creates, updates, merge patches and deletes of ConfigMaps, Pods and Events, watches that come and go —
// sampling the apiserver's RSS, open file descriptors and active handles, and etcd's database size. After
// the warm-up (the first fifth) nothing may keep growing: each figure's median over the last third is
// compared with its median just after the warm-up. Events expire (--event-ttl 2m) and etcd is compacted
// every minute, so the steady state comes within the run. Prints a line per sample, then one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';
import { freePort, httpOk, median, until } from '@minik8s/shared';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const SAMPLE_MS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 10) * 1000;
/** Operations per second the workers aim at (the machine is shared: a soak is about time, not peak load). */
const RATE = Number(process.env.SOAK_RATE ?? 200);
/** Objects of each kind kept alive at once: the load churns them. */
const POPULATION = 300;
const WORKERS = 8;
const WATCHERS = 20;
/** A figure may end this much above its post-warm-up median and still count as flat. */
const TOLERANCE = 1.25;

const procs: ChildProcess[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function req(port: number, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: string }> {
  return new Promise((ok) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = http.request({ host: '127.0.0.1', port, method, path, agent, headers: data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    r.on('error', () => ok({ code: 0, body: '' }));
    r.end(data);
  });
}

const NS = '/api/v1/namespaces/default';
const KINDS = {
  configmaps: (name: string, i: number) => ({ metadata: { name, labels: { soak: 'yes' } }, data: { n: String(i), blob: 'x'.repeat(1000) } }),
  pods: (name: string, i: number) => ({ metadata: { name, labels: { soak: 'yes' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', env: [{ name: 'N', value: String(i) }], resources: { limits: { cpu: '100m', memory: '64Mi' } } }] } }),
  events: (name: string, i: number) => ({ metadata: { name }, involvedObject: { kind: 'Pod', name: `p-${i}`, namespace: 'default' }, reason: 'Soak', message: `event ${i}`, type: 'Normal', count: 1 }),
};
type Kind = keyof typeof KINDS;

interface Sample {
  t: number;
  rssMiB: number;
  fds: number;
  handles: number;
  etcdDbMiB: number;
  ops: number;
  errors: number;
}

function procStat(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssMiB: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function handles(port: number): Promise<number> {
  const m = await req(port, 'GET', '/metrics');
  return Number(/^nodejs_active_handles_total(?:\{[^}]*\})? (\d+)/m.exec(m.body)?.[1] ?? NaN);
}

async function main(): Promise<void> {
  const repo = resolve(__dirname, '..', '..', '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'minik8s-soak-etcd-'));
  const [cp, pp, ap] = [await freePort(), await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${cp}`;
  procs.push(spawn('etcd', ['--data-dir', dataDir, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', `http://127.0.0.1:${pp}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${pp}`, '--initial-cluster', `default=http://127.0.0.1:${pp}`], { stdio: 'ignore' }));
  await until(`${endpoint}/health`, () => httpOk(`${endpoint}/health`), 30_000);
  const apiserver = spawn(
    process.execPath,
    [join(repo, 'apiserver', 'dist', 'main.js'), '--etcd-servers', endpoint, '--bind-address', '127.0.0.1', '--secure-port', String(ap), '--event-ttl', '2m', '--etcd-compaction-interval', '1m', '--etcd-defrag-interval', '5m'],
    { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } },
  );
  procs.push(apiserver);
  await until('apiserver ready', async () => ((await req(ap, 'GET', `${NS}`)).code === 200 ? true : undefined), 30_000);
  const etcd = new Etcd3({ hosts: endpoint });

  const end = Date.now() + MINUTES * 60_000;
  let ops = 0;
  let errors = 0;
  const counts: Record<string, number> = {};
  const live: Record<Kind, string[]> = { configmaps: [], pods: [], events: [] };
  let seq = 0;
  const interval = (WORKERS * 1000) / RATE;
  const worker = async () => {
    while (Date.now() < end) {
      const started = Date.now();
      const kind = (['configmaps', 'pods', 'events'] as Kind[])[seq % 3];
      const i = seq++;
      const roll = i % 10;
      let r: { code: number };
      let op: string;
      if (live[kind].length < POPULATION || roll < 3) {
        const name = `soak-${i}`;
        op = 'create';
        r = await req(ap, 'POST', `${NS}/${kind}`, KINDS[kind](name, i));
        if (r.code === 201) live[kind].push(name);
      } else if (roll < 6) {
        const name = live[kind][i % live[kind].length];
        op = 'patch';
        r = await req(ap, 'PATCH', `${NS}/${kind}/${name}`, { metadata: { labels: { seq: String(i) } } }, 'application/merge-patch+json');
      } else if (roll < 8) {
        const name = live[kind][i % live[kind].length];
        op = 'update';
        const cur = await req(ap, 'GET', `${NS}/${kind}/${name}`);
        r = cur.code === 200 ? await req(ap, 'PUT', `${NS}/${kind}/${name}`, { ...JSON.parse(cur.body), metadata: { ...JSON.parse(cur.body).metadata, annotations: { n: String(i) } } }) : cur;
      } else {
        const name = live[kind].shift()!;
        op = 'delete';
        r = await req(ap, 'DELETE', `${NS}/${kind}/${name}?gracePeriodSeconds=0`);
      }
      ops++;
      counts[`${op} ${r.code}`] = (counts[`${op} ${r.code}`] ?? 0) + 1;
      // 404: an expired Event or an object deleted by another worker; 409: a lost race; 429: back off
      if (r.code >= 500 || r.code === 0) errors++;
      if (r.code === 429) await sleep(100);
      await sleep(Math.max(0, interval - (Date.now() - started)));
    }
  };
  const watcher = async (w: number) => {
    while (Date.now() < end) {
      const kind = (['configmaps', 'pods', 'events'] as Kind[])[w % 3];
      await new Promise<void>((done) => {
        const r = http.get({ host: '127.0.0.1', port: ap, path: `${NS}/${kind}?watch=1&timeoutSeconds=${10 + ((w * 7) % 50)}` }, (res) => {
          res.on('data', () => undefined);
          res.on('end', done);
          res.on('error', () => done());
        });
        r.on('error', () => done());
      });
    }
  };

  const samples: Sample[] = [];
  const t0 = Date.now();
  const sampler = (async () => {
    while (Date.now() < end) {
      await sleep(SAMPLE_MS);
      const st = procStat(apiserver.pid!);
      const db = Number((await etcd.maintenance.status()).dbSize) / 1024 / 1024;
      const s: Sample = { t: Math.round((Date.now() - t0) / 1000), ...st, handles: await handles(ap), etcdDbMiB: db, ops, errors };
      samples.push(s);
      console.log(`t=${s.t}s rss=${s.rssMiB.toFixed(1)}MiB fds=${s.fds} handles=${s.handles} etcd_db=${s.etcdDbMiB.toFixed(1)}MiB ops=${ops} errors=${errors}`);
    }
  })();
  await Promise.all([...Array.from({ length: WORKERS }, worker), ...Array.from({ length: WATCHERS }, (_, w) => watcher(w)), sampler]);

  // flat after warm-up: the last third's median against the median of the samples right after warm-up
  const warm = samples.filter((s) => s.t * 1000 >= (MINUTES * 60_000) / 5);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const early = warm.slice(0, third);
  const late = warm.slice(-third);
  const growth = (f: keyof Sample) => (early.length && late.length ? median(late.map((s) => s[f])) / median(early.map((s) => s[f])) : NaN);
  const figures = { rss: growth('rssMiB'), fds: growth('fds'), handles: growth('handles'), etcd_db: growth('etcdDbMiB') };
  const flat = Object.values(figures).every((g) => g <= TOLERANCE);
  const last = samples[samples.length - 1];
  console.log(`operations by result: ${JSON.stringify(counts)}`);
  console.log(`growth after warm-up (late median / early median): ${Object.entries(figures).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} → ${flat ? 'flat' : 'GROWING'}`);
  etcd.close();
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      soak: 'apiserver',
      minutes: MINUTES,
      ops: last?.ops ?? ops,
      ops_per_s: Math.round((ops / (MINUTES * 60)) * 10) / 10,
      errors_5xx: errors,
      rss_mib_end: Math.round((last?.rssMiB ?? 0) * 10) / 10,
      fds_end: last?.fds,
      handles_end: last?.handles,
      etcd_db_mib_end: Math.round((last?.etcdDbMiB ?? 0) * 10) / 10,
      growth: Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Math.round(v * 100) / 100])),
      flat,
    }),
  );
  if (!flat || errors) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  for (const p of procs) p.kill('SIGKILL');
  process.exit(1);
});
