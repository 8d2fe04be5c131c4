// `npm run bench:apiserver`: create, get, list (1000 objects) and watch fan-out (1000 watchers) through
// the apiserver, each beside the raw etcd3 operation on the same etcd in the same run.
// Last line: one JSON object with the figures.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Etcd3 } from 'etcd3';

const procs: ChildProcess[] = [];
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
}

async function waitHttp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`${url} never answered`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function req(port: number, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ code: number; body: string }> {
  return new Promise((ok, fail) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const r = http.request({ host: '127.0.0.1', port, method, path, agent, headers: data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => ok({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    r.on('error', fail);
    r.end(data);
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
}
const r2 = (x: number) => Math.round(x * 100) / 100;
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Run n tasks with the given concurrency; returns ops/s and per-op latencies. */
async function closedLoop(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<{ opsPerSec: number; lat: number[] }> {
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

/** Open loop at `rate` req/s for `seconds`: latencies measured from each request's scheduled start. */
async function openLoop(rate: number, seconds: number, task: () => Promise<void>): Promise<number[]> {
  const lat: number[] = [];
  const total = rate * seconds;
  const t0 = nowMs();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / rate;
    const wait = at - nowMs();
    if (wait > 1) await sleep(wait);
    pending.push(task().then(() => void lat.push(nowMs() - at)));
  }
  await Promise.all(pending);
  return lat;
}

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { bench: 'yes' } }, data: { key: 'x'.repeat(200) } });

async function main(): Promise<void> {
  const repo = resolve(__dirname, '..', '..', '..');
  const dataDir = mkdtempSync(join(tmpdir(), 'minik8s-bench-etcd-'));
  const [cp, pp, ap] = [await freePort(), await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${cp}`;
  procs.push(
    spawn('etcd', ['--data-dir', dataDir, '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint, '--listen-peer-urls', `http://127.0.0.1:${pp}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${pp}`, '--initial-cluster', `default=http://127.0.0.1:${pp}`], { stdio: 'ignore' }),
  );
  await waitHttp(`${endpoint}/health`);
  procs.push(spawn(process.execPath, [join(repo, 'apiserver', 'dist', 'main.js'), '--etcd-servers', endpoint, '--bind-address', '127.0.0.1', '--secure-port', String(ap)], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } }));
  await waitHttp(`http://127.0.0.1:${ap}/readyz`);
  for (let i = 0; i < 100; i++) {
    if ((await req(ap, 'GET', '/api/v1/namespaces/kube-public')).code === 200) break;
    await sleep(100);
  }
  const etcd = new Etcd3({ hosts: endpoint });
  const NS = '/api/v1/namespaces/default/configmaps';
  const N = 1000;
  const CONC = 32;

  // create
  const api = await closedLoop(N, CONC, async (i) => {
    const r = await req(ap, 'POST', NS, cm(`bench-${i}`));
    if (r.code !== 201) throw new Error(`create → ${r.code} ${r.body}`);
  });
  const value = JSON.stringify(cm('raw'));
  const raw = await closedLoop(N, CONC, async (i) => {
    await etcd.put(`/bench/raw/${i}`).value(value).exec();
  });
  console.log(`create: apiserver ${r2(api.opsPerSec)} ops/s (p50 ${r2(pct(api.lat, 50))} ms, p99 ${r2(pct(api.lat, 99))} ms) | etcd put ${r2(raw.opsPerSec)} ops/s (p50 ${r2(pct(raw.lat, 50))} ms, p99 ${r2(pct(raw.lat, 99))} ms)`);

  // get at 500 req/s
  const getLat = await openLoop(500, 4, async () => {
    const r = await req(ap, 'GET', `${NS}/bench-7`);
    if (r.code !== 200) throw new Error(`get → ${r.code}`);
  });
  const etcdGetLat = await openLoop(500, 4, async () => {
    await etcd.get('/bench/raw/7').string();
  });
  console.log(`get @500/s: apiserver p50 ${r2(pct(getLat, 50))} ms, p99 ${r2(pct(getLat, 99))} ms | etcd get p50 ${r2(pct(etcdGetLat, 50))} ms, p99 ${r2(pct(etcdGetLat, 99))} ms`);

  // list 1000 objects
  const listRes = await closedLoop(30, 1, async () => {
    const r = await req(ap, 'GET', NS);
    if (JSON.parse(r.body).items.length < N) throw new Error('short list');
  });
  const etcdList = await closedLoop(30, 1, async () => {
    const kvs = await etcd.getAll().prefix('/bench/raw/').strings();
    if (Object.keys(kvs).length < N) throw new Error('short etcd list');
  });
  console.log(`list ${N}: apiserver p50 ${r2(pct(listRes.lat, 50))} ms, p99 ${r2(pct(listRes.lat, 99))} ms | etcd range p50 ${r2(pct(etcdList.lat, 50))} ms, p99 ${r2(pct(etcdList.lat, 99))} ms`);

  // watch fan-out: 1000 watchers, 20 changes
  const W = 1000;
  const CHANGES = 20;
  const sentAt = new Map<string, number>();
  const fanout: number[] = [];
  const watchAgent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const streams: http.ClientRequest[] = [];
  let ready = 0;
  for (let i = 0; i < W; i++) {
    const r = http.get({ host: '127.0.0.1', port: ap, path: `${NS}?watch=1&fieldSelector=metadata.name%3Dbench-watch&resourceVersion=0`, agent: watchAgent }, (res) => {
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
    });
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
    `watch fan-out ${W} watchers x ${CHANGES} changes: apiserver delivered ${fanout.length}/${expected}, p50 ${r2(pct(fanout, 50))} ms, p99 ${r2(pct(fanout, 99))} ms | etcd delivered ${rawFan.length}/${expected}, p50 ${r2(pct(rawFan, 50))} ms, p99 ${r2(pct(rawFan, 99))} ms`,
  );

  const result = {
    bench: 'apiserver',
    create_ops_s: r2(api.opsPerSec),
    etcd_put_ops_s: r2(raw.opsPerSec),
    create_ratio_vs_etcd: r2(api.opsPerSec / raw.opsPerSec),
    create_p99_ms: r2(pct(api.lat, 99)),
    get_p50_ms: r2(pct(getLat, 50)),
    get_p99_ms: r2(pct(getLat, 99)),
    etcd_get_p99_ms: r2(pct(etcdGetLat, 99)),
    list_1000_p50_ms: r2(pct(listRes.lat, 50)),
    list_1000_p99_ms: r2(pct(listRes.lat, 99)),
    etcd_list_1000_p99_ms: r2(pct(etcdList.lat, 99)),
    watch_fanout_delivered: fanout.length / expected,
    watch_fanout_p50_ms: r2(pct(fanout, 50)),
    watch_fanout_p99_ms: r2(pct(fanout, 99)),
    etcd_watch_fanout_p99_ms: r2(pct(rawFan, 99)),
  };
  etcd.close();
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
  console.log(JSON.stringify(result));
}

main().catch((e) => {
  console.error(e);
  for (const p of procs) p.kill('SIGKILL');
  process.exit(1);
});
