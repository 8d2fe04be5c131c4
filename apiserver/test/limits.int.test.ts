// Bounded resources on the real parts (an etcd with a small --quota-backend-bytes, the apiserver process):
// body and object sizes, nesting depth, malformed field selectors, in-flight and per-client watch limits,
// Events that expire, and etcd's NOSPACE alarm answered as upstream and recovered from by maintenance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserver, startEtcd, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { call, pod, watch, type WatchStream } from './helpers';

let api: Apiserver;
let U: string;
const NS = '/api/v1/namespaces/default';
const QUOTA = 24 * 1024 * 1024;

beforeAll(async () => {
  const etcd = await startEtcd({ args: ['--quota-backend-bytes', String(QUOTA)] });
  api = await startApiserver(
    [
      '--max-mutating-requests-inflight', '1',
      '--max-watches-per-client', '3',
      '--event-ttl', '2s',
      '--etcd-compaction-interval', '2s',
      '--etcd-defrag-interval', '1s',
    ],
    etcd,
  );
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', `${NS}`)).code === 200);
});
afterAll(stopAll);

describe('sizes and shapes', () => {
  it('refuses a body over 3 MiB with 413 worded as upstream', async () => {
    const r = await call(U, 'POST', `${NS}/configmaps`, JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } }));
    expect(r.code).toBe(413);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 3145728', code: 413 });
  });

  it('refuses an object etcd would not take (over 1.5 MiB) with 413, before etcd sees it', async () => {
    const args = Array.from({ length: 1700 }, () => 'y'.repeat(1000));
    const r = await call(U, 'POST', `${NS}/pods`, pod('huge', {}, { containers: [{ name: 'c', image: 'busybox', args }] }));
    expect(r.code).toBe(413);
    expect(r.body).toMatchObject({ reason: 'RequestEntityTooLarge', message: 'Request entity too large: limit is 1572864' });
  });

  it('answers deeply nested JSON and YAML with 400, not 500', async () => {
    const deep = `{"metadata":{"name":"deep"},"data":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`;
    const j = await call(U, 'POST', `${NS}/configmaps`, deep);
    expect(j.code).toBe(400);
    expect(j.body.message).toMatch(/exceeded max depth of 1000/);
    const y = await call(U, 'POST', `${NS}/configmaps`, `metadata: {name: deep}\ndata: ${'['.repeat(5000)}1${']'.repeat(5000)}\n`, 'application/yaml');
    expect(y.code).toBe(400);
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    const b = await call(U, 'POST', `${NS}/configmaps`, `${bomb}\nmetadata: {name: bomb}\n`, 'application/yaml');
    expect(b.code).toBe(400);
    expect(b.body.message).toMatch(/alias/i);
  });

  it.each([
    ['a field name with a space', 'metadata.name =x'],
    ['a leading space', ' metadata.name=x'],
    ['the first of repeated parameters, as Go reads them', 'bogus&fieldSelector=metadata.name%3Dx'],
  ])('answers a malformed field selector with 400: %s', async (_w, sel) => {
    const r = await call(U, 'GET', `${NS}/pods?fieldSelector=${sel.includes('&') ? sel : encodeURIComponent(sel)}`);
    expect(r.code).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
  });
});

describe('in-flight limits', () => {
  it('refuses writes beyond --max-mutating-requests-inflight with 429 and Retry-After, and keeps serving', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const r = await fetch(`${U}${NS}/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: `burst-${i}` } }) });
        return { code: r.status, retry: r.headers.get('retry-after'), body: await r.json() };
      }),
    );
    const refused = results.filter((r) => r.code === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(results.filter((r) => r.code === 201).length).toBeGreaterThan(0);
    expect(refused[0]).toMatchObject({ retry: '1', body: { reason: 'TooManyRequests', details: { retryAfterSeconds: 1 } } });
    expect(results.every((r) => r.code === 201 || r.code === 429)).toBe(true);
    // reads have their own budget (400): a GET during all of that works
    expect((await call(U, 'GET', `${NS}/configmaps`)).code).toBe(200);
  });

  it('bounds watches per client, without them counting as in-flight requests', async () => {
    const ws: WatchStream[] = [];
    try {
      for (let i = 0; i < 3; i++) ws.push(await watch(U, `${NS}/configmaps?watch=1`));
      expect(ws.map((w) => w.code)).toEqual([200, 200, 200]);
      const fourth = await call(U, 'GET', `${NS}/configmaps?watch=1`);
      expect(fourth.code).toBe(429);
      expect(fourth.body.message).toBe('Too many watches from this client (limit is 3), please try again later.');
      // the writes budget (1) is untouched by three open watches
      expect((await call(U, 'POST', `${NS}/configmaps`, { metadata: { name: 'while-watching' } })).code).toBe(201);
      ws.pop()!.stop();
      const again = await waitFor('a watch slot', async () => {
        const w = await watch(U, `${NS}/configmaps?watch=1`);
        if (w.code === 200) return w;
        w.stop();
        return undefined;
      });
      ws.push(again);
    } finally {
      for (const w of ws) w.stop();
    }
  });
});

describe('Events expire', () => {
  it('an Event is gone --event-ttl after its last write (an etcd lease)', async () => {
    const ev = { metadata: { name: 'e1' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'Test', message: 'm', type: 'Normal' };
    expect((await call(U, 'POST', `${NS}/events`, ev)).code).toBe(201);
    expect((await call(U, 'GET', `${NS}/events/e1`)).code).toBe(200);
    await waitFor('the event to expire', async () => (await call(U, 'GET', `${NS}/events/e1`)).code === 404, 15_000, 250);
  });
});

describe('etcd quota', () => {
  it('answers writes with 500 "database space exceeded" while the NOSPACE alarm is raised, keeps reads, and recovers after deletes, compaction and defragmentation', async () => {
    const blob = 'z'.repeat(900 * 1024);
    let full: { code: number; body: any } | undefined;
    for (let i = 0; i < 200 && !full; i++) {
      const r = await call(U, 'POST', `${NS}/configmaps`, { metadata: { name: `fill-${i}` }, data: { a: blob } });
      if (r.code === 429) continue;
      if (r.code !== 201) full = r;
    }
    expect(full).toBeDefined();
    expect(full!.code).toBe(500);
    expect(full!.body).toMatchObject({ kind: 'Status', reason: 'InternalError', message: 'Internal error occurred: etcdserver: mvcc: database space exceeded' });
    // reads still work, and so do deletes (etcd takes them under the alarm)
    const list = await call(U, 'GET', `${NS}/configmaps`);
    expect(list.code).toBe(200);
    const fills = list.body.items.filter((c: any) => c.metadata.name.startsWith('fill-'));
    for (const c of fills) expect((await call(U, 'DELETE', `${NS}/configmaps/${c.metadata.name}`)).code).toBe(200);
    // maintenance compacts, defragments and clears the alarm: writes come back without a restart
    await waitFor('writes accepted again', async () => (await call(U, 'POST', `${NS}/configmaps`, { metadata: { name: `after-${Date.now()}` } })).code === 201, 60_000, 500);
    expect((await call(U, 'GET', '/healthz')).text).toBe('ok');
  });
});
