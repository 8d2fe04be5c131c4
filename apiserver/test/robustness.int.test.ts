// Malformed input gets a 4xx Status and the server stays up; etcd outages give 503 and heal by themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserver, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { call, pod, watch } from './helpers';

let api: Apiserver;
let U: string;
const P = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  api = await startApiserver(['--etcd-request-timeout', '2s']);
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', '/api/v1/namespaces/default')).code === 200);
});
afterAll(stopAll);

describe('malformed input', () => {
  const cases: [string, string, string, unknown, string | undefined, number, string | RegExp][] = [
    ['bad JSON', 'POST', P, '{"metadata": {', 'application/json', 400, 'BadRequest'],
    ['bad YAML', 'POST', P, 'metadata: [unclosed', 'application/yaml', 400, 'BadRequest'],
    ['a JSON array body', 'POST', P, '[1,2]', 'application/json', 400, 'BadRequest'],
    ['a wrong kind for the URL', 'POST', P, { ...pod('k'), kind: 'Service' }, 'application/json', 400, /kind in the data \(Service\)/],
    [
      'a wrong apiVersion for the URL',
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      { apiVersion: 'v1', kind: 'Deployment', metadata: { name: 'x' } },
      'application/json',
      400,
      /API version in the data \(v1\)/,
    ],
    ['an invalid name', 'POST', P, pod('UPPER_case'), 'application/json', 422, 'Invalid'],
    [
      'a namespace mismatch',
      'POST',
      P,
      { ...pod('m'), metadata: { name: 'm', namespace: 'kube-system' } },
      'application/json',
      400,
      'BadRequest',
    ],
    ['an unsupported content type', 'POST', P, 'hello', 'text/plain', 415, 'UnsupportedMediaType'],
    ['a bad label selector', 'GET', `${P}?labelSelector=${encodeURIComponent('a in (b')}`, undefined, undefined, 400, 'BadRequest'],
    ['a bad field selector', 'GET', `${P}?fieldSelector=${encodeURIComponent('nonsense')}`, undefined, undefined, 400, 'BadRequest'],
    ['a bad limit', 'GET', `${P}?limit=abc`, undefined, undefined, 400, 'BadRequest'],
    ['a bad continue token', 'GET', `${P}?limit=1&continue=%%%`, undefined, undefined, 400, 'BadRequest'],
    ['a bad watch resourceVersion', 'GET', `${P}?watch=1&resourceVersion=abc`, undefined, undefined, 400, 'BadRequest'],
    [
      'an unknown field with fieldValidation=Strict',
      'POST',
      `${P}?fieldValidation=Strict`,
      { ...pod('s'), spec: { ...pod('s').spec, bogus: 1 } },
      'application/json',
      400,
      /unknown field "spec.bogus"/,
    ],
    [
      'an unknown metadata field with fieldValidation=Strict',
      'POST',
      `${P}?fieldValidation=Strict`,
      { ...pod('s'), metadata: { name: 's', nmae: 'x' } },
      'application/json',
      400,
      /unknown field "metadata.nmae"/,
    ],
    ['an unknown path', 'GET', '/api/v1/namespaces/default/widgets', undefined, undefined, 404, 'NotFound'],
    ['a bad dryRun value', 'POST', `${P}?dryRun=Some`, pod('d'), 'application/json', 400, 'BadRequest'],
    ['a bad JSON patch', 'PATCH', `${P}/exists`, '{"op":"x"}', 'application/json-patch+json', 400, 'BadRequest'],
    ['an unsupported patch type', 'PATCH', `${P}/exists`, '{}', 'application/json', 415, 'UnsupportedMediaType'],
    ['a bad propagationPolicy', 'DELETE', `${P}/exists`, { propagationPolicy: 'Sideways' }, 'application/json', 400, 'BadRequest'],
    [
      'a body over 3 MiB',
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(4 * 1024 * 1024) } }),
      'application/json',
      413,
      'RequestEntityTooLarge',
    ],
  ];

  beforeAll(async () => {
    expect((await call(U, 'POST', P, pod('exists'))).code).toBe(201);
  });

  it.each(cases)('%s → 4xx Status', async (_what, method, path, body, ct, code, reason) => {
    const r = await call(U, method, path, body, ct);
    expect(r.code).toBe(code);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code });
    if (typeof reason === 'string') expect(r.body.reason).toBe(reason);
    else expect(r.body.message).toMatch(reason);
  });

  it('accepts YAML bodies and stays up after all of that', async () => {
    const y = await call(
      U,
      'POST',
      P,
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n',
      'application/yaml',
    );
    expect(y.code).toBe(201);
    expect((await call(U, 'GET', '/healthz')).text).toBe('ok');
    expect((await call(U, 'GET', `${P}/exists`)).body.metadata.name).toBe('exists');
  });
});

describe('etcd outage', () => {
  it('answers 503 while etcd is down, then recovers without a restart (watches included)', async () => {
    const w = await watch(U, `${P}?watch=1&fieldSelector=metadata.name%3Dafter-outage`);
    await api.etcd.kill();
    const t0 = Date.now();
    const r = await call(U, 'GET', P);
    expect(r.code).toBe(503);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect((await call(U, 'POST', P, pod('during-outage'))).code).toBe(503);
    // no GET from the watch cache while its etcd watch is down
    expect((await call(U, 'GET', `${P}/exists`)).code).toBe(503);
    await waitFor('readyz reports etcd down', async () => (await call(U, 'GET', '/readyz')).code === 500, 15_000);
    expect((await call(U, 'GET', '/livez')).code).toBe(200);
    api.etcd = await api.etcd.restart();
    await waitFor('apiserver recovered', async () => (await call(U, 'GET', P)).code === 200, 60_000);
    expect((await call(U, 'GET', `${P}/during-outage`)).code).toBe(404);
    expect((await call(U, 'POST', P, pod('after-outage'))).code).toBe(201);
    await waitFor('readyz', async () => (await call(U, 'GET', '/readyz')).code === 200);
    // the watch opened before the outage either saw the new pod or was ended for a relist (410/close)
    await waitFor(
      'watch saw the pod or ended',
      async () =>
        w.events.length > 0 || (await Promise.race([w.ended.then(() => true), new Promise((r) => setTimeout(() => r(false), 100))])),
      30_000,
    );
    if (w.events.length) expect(w.events.map((e) => e.type)).toContain('ADDED');
    w.stop();
    // a fresh watch works
    const w2 = await watch(U, `${P}?watch=1&fieldSelector=metadata.name%3Dafter-outage&timeoutSeconds=1`);
    await w2.ended;
    expect(w2.events.map((e) => e.type)).toEqual(['ADDED']);
  });
});
