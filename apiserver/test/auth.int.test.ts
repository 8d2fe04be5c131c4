// Authentication and authorization on the real apiserver over TLS: who may do what, and every wrong
// credential answered 401 (anonymous, expired, wrong audience, wrong signer, deleted ServiceAccount,
// deleted pod, unknown CA), cross-site style POSTs refused, TokenRequest/TokenReview/SelfSubjectReview,
// impersonation, bootstrap tokens, etcd without a client certificate, the real kubectl.
import { execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { promisify } from 'node:util';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PKI_LAYOUT, CertificateAuthority } from '@minik8s/shared/pki';
import { join } from 'node:path';
import {
  REPO,
  apiserverArgs,
  freePort,
  kubeEnv,
  startApiserver,
  startProcess,
  stopAll,
  testPki,
  tlsFetch,
  waitFor,
  type Apiserver,
} from '../../testing/procs';
import { call, pod } from './helpers';

const run = promisify(execFile);
let api: Apiserver;
let U: string;
const ISSUER = 'https://kubernetes.default.svc.cluster.local';

beforeAll(async () => {
  api = await startApiserver(['--enable-bootstrap-token-auth']);
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', '/api/v1/namespaces/default')).code === 200);
  // the ServiceAccounts of default may read there (RBAC): what their tokens authenticate can then be seen
  const role = await call(U, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'pod-reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
  });
  expect(role.code, role.text).toBe(201);
  const rb = await call(U, 'POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'serviceaccounts-pod-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:default' }],
  });
  expect(rb.code, rb.text).toBe(201);
});
afterAll(stopAll);

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
/** A request with only a bearer token (no client certificate). */
const asToken = (token: string, method: string, path: string, body?: unknown) =>
  call(U, method, path, body, 'application/json', bearer(token), null);

async function tokenFor(sa: string, spec: Record<string, unknown> = {}): Promise<string> {
  const r = await call(U, 'POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec,
  });
  expect(r.code, r.text).toBe(201);
  return r.body.status.token;
}

async function ensureSa(name: string): Promise<void> {
  const r = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts', {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name },
  });
  expect([201, 409]).toContain(r.code);
}

const UNAUTHORIZED = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  reason: 'Unauthorized',
  message: 'Unauthorized',
  code: 401,
};

describe('authentication', () => {
  it('client certificates: CN is the user, O the groups; anonymous requests are refused (--anonymous-auth=false)', async () => {
    const me = await call(U, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    expect(me.code).toBe(201);
    expect(me.body.status.userInfo).toEqual({ username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] });
    const jane = await call(
      U,
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      {},
      'application/json',
      {},
      { user: 'jane', groups: ['devs', 'qa'] },
    );
    expect(jane.body.status.userInfo).toEqual({ username: 'jane', groups: ['devs', 'qa', 'system:authenticated'] });
    for (const path of ['/api/v1/namespaces/default/pods', '/healthz', '/version']) {
      const r = await call(U, 'GET', path, undefined, 'application/json', {}, null);
      expect({ path, code: r.code, body: r.body }).toEqual({ path, code: 401, body: UNAUTHORIZED });
    }
  });

  it('a client certificate from another CA is a wrong credential: 401, not anonymous', async () => {
    const other = await CertificateAuthority.create('someone-else');
    const kp = await other.issue({ commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: ['client'] });
    const pki = await testPki();
    const code = await new Promise<number>((ok, fail) => {
      const r = request(`${U}/api/v1/namespaces`, { ca: pki.ca, cert: kp.cert, key: kp.key }, (res) => {
        res.resume();
        ok(res.statusCode ?? 0);
      });
      r.on('error', fail);
      r.end();
    });
    expect(code).toBe(401);
  });

  it('ServiceAccount tokens from TokenRequest authenticate as the account; TokenReview says so', async () => {
    await ensureSa('robot');
    const token = await tokenFor('robot', { audiences: [ISSUER], expirationSeconds: 600 });
    const me = await asToken(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
    expect(me.body.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:robot',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
    });
    expect(me.body.status.userInfo.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^JTI=/);
    expect((await asToken(token, 'GET', '/api/v1/namespaces/default/pods')).code).toBe(200);
    const review = await call(U, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    expect(review.code).toBe(201);
    expect(review.body.status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:default:robot' },
      audiences: [ISSUER],
    });
    const bad = await call(U, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: 'nonsense' },
    });
    expect(bad.body.status).toMatchObject({ authenticated: false });
  });

  it('wrong audience, expired, wrong signer, unknown issuer, garbage: 401', async () => {
    await ensureSa('robot');
    const sa = (await call(U, 'GET', '/api/v1/namespaces/default/serviceaccounts/robot')).body;
    const pki = await testPki();
    const saKey = createPrivateKey(readFileSync(pki.file(PKI_LAYOUT.apiserver.saKey)));
    const claims = { 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: sa.metadata.uid } } };
    const sign = (key: Parameters<jose.SignJWT['sign']>[0], exp: number, iss = ISSUER, alg = 'ES256') =>
      new jose.SignJWT(claims)
        .setProtectedHeader({ alg })
        .setIssuer(iss)
        .setSubject('system:serviceaccount:default:robot')
        .setAudience([ISSUER])
        .setIssuedAt(exp - 3600)
        .setExpirationTime(exp)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    // the same key and claims, still valid: the control case
    expect((await asToken(await sign(saKey, now + 600), 'GET', '/api/v1/namespaces/default/pods')).code).toBe(200);
    const wrongAudience = await tokenFor('robot', { audiences: ['https://vault.example'] });
    const expired = await sign(saKey, now - 120);
    const strangerKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const wrongSigner = await sign(strangerKey, now + 600);
    const otherIssuer = await sign(saKey, now + 600, 'https://issuer.example');
    for (const [what, t] of [
      ['wrong audience', wrongAudience],
      ['expired', expired],
      ['wrong signer', wrongSigner],
      ['unknown issuer', otherIssuer],
      ['garbage', 'a.b.c'],
      ['empty', ''],
    ] as const) {
      const r = await asToken(t, 'GET', '/api/v1/namespaces/default/pods');
      expect({ what, code: r.code, body: r.body }).toEqual({ what, code: 401, body: UNAUTHORIZED });
    }
    // a TokenReview may name the audience a token was made for
    const forVault = await call(U, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: wrongAudience, audiences: ['https://vault.example'] },
    });
    expect(forVault.body.status).toMatchObject({ authenticated: true, audiences: ['https://vault.example'] });
    const expiredReview = await call(U, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token: expired },
    });
    expect(expiredReview.body.status).toEqual({ authenticated: false, user: {}, error: 'service account token has expired' });
  });

  it('the token of a deleted (or deleted and recreated) ServiceAccount is refused', async () => {
    await ensureSa('shortlived');
    const token = await tokenFor('shortlived');
    expect((await asToken(token, 'GET', '/api/v1/namespaces/default/pods')).code).toBe(200);
    expect((await call(U, 'DELETE', '/api/v1/namespaces/default/serviceaccounts/shortlived')).code).toBe(200);
    await waitFor(
      '401 for the deleted account',
      async () => (await asToken(token, 'GET', '/api/v1/namespaces/default/pods')).code === 401,
      10_000,
    );
    await ensureSa('shortlived');
    expect((await asToken(token, 'GET', '/api/v1/namespaces/default/pods')).code).toBe(401);
  });

  it('a token bound to a pod dies with the pod; TokenRequest checks the bound object', async () => {
    await ensureSa('robot');
    const p = (await call(U, 'POST', '/api/v1/namespaces/default/pods', pod('bound', {}, { serviceAccountName: 'robot' }))).body;
    const token = await tokenFor('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: p.metadata.uid } });
    const me = await asToken(token, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
    expect(me.body.status.userInfo.extra).toMatchObject({
      'authentication.kubernetes.io/pod-name': ['bound'],
      'authentication.kubernetes.io/pod-uid': [p.metadata.uid],
    });
    // wrong uid: 409; a pod running as another account: 400; a missing pod: 404
    const stale = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound', uid: 'not-the-uid' } },
    });
    expect(stale.body).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(stale.body.message).toContain('the UID in the bound object reference (not-the-uid) does not match the UID in record');
    await ensureSa('other');
    const wrongSa = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/other/token', {
      spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'bound' } },
    });
    expect(wrongSa.body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.',
    });
    expect(
      (
        await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
          spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'nope' } },
        })
      ).body,
    ).toMatchObject({ code: 404, message: 'pods "nope" not found' });
    expect(
      (
        await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', {
          spec: { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' } },
        })
      ).code,
    ).toBe(400);
    // the pod goes (never scheduled: deleted at once): its token with it
    expect((await call(U, 'DELETE', '/api/v1/namespaces/default/pods/bound', { gracePeriodSeconds: 0 })).code).toBe(200);
    await waitFor(
      '401 for the deleted pod',
      async () => (await asToken(token, 'GET', '/api/v1/namespaces/default/pods')).code === 401,
      10_000,
    );
  });

  it('TokenRequest validates expirationSeconds and audiences as upstream', async () => {
    await ensureSa('robot');
    const short = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { spec: { expirationSeconds: 60 } });
    expect(short.body).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(short.body.message).toContain('spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const huge = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { spec: { expirationSeconds: 2 ** 33 } });
    expect(huge.body.message).toContain('may not specify a duration larger than 2^32 seconds');
    expect((await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { spec: { audiences: [''] } })).code).toBe(422);
    expect((await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/nobody/token', { spec: {} })).body).toMatchObject({
      code: 404,
      message: 'serviceaccounts "nobody" not found',
    });
    const ok = await call(U, 'POST', '/api/v1/namespaces/default/serviceaccounts/robot/token', { spec: {} });
    expect(ok.body.spec).toMatchObject({ audiences: [ISSUER], expirationSeconds: 3600 });
    expect(Date.parse(ok.body.status.expirationTimestamp) - Date.now()).toBeGreaterThan(3500_000);
  });

  it('bootstrap tokens: the Secret in kube-system decides; expired or unusable ones are refused', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const secret = (id: string, secretPart: string, extra: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}` },
      type: 'bootstrap.kubernetes.io/token',
      data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': secretPart, ...extra }).map(([k, v]) => [k, b64(v)])),
    });
    await call(
      U,
      'POST',
      '/api/v1/namespaces/kube-system/secrets',
      secret('abcdef', '0123456789abcdef', {
        'usage-bootstrap-authentication': 'true',
        'auth-extra-groups': 'system:bootstrappers:worker',
      }),
    );
    await call(
      U,
      'POST',
      '/api/v1/namespaces/kube-system/secrets',
      secret('expird', '0123456789abcdef', { 'usage-bootstrap-authentication': 'true', expiration: '2020-01-01T00:00:00Z' }),
    );
    await call(U, 'POST', '/api/v1/namespaces/kube-system/secrets', secret('nouse0', '0123456789abcdef', {}));
    const me = await asToken('abcdef.0123456789abcdef', 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {});
    expect(me.body.status.userInfo).toEqual({
      username: 'system:bootstrap:abcdef',
      groups: ['system:bootstrappers', 'system:bootstrappers:worker', 'system:authenticated'],
    });
    for (const t of ['abcdef.0123456789abcdee', 'expird.0123456789abcdef', 'nouse0.0123456789abcdef', 'zzzzzz.0123456789abcdef'])
      expect((await asToken(t, 'GET', '/api/v1/namespaces')).code).toBe(401);
  });
});

describe('bad requests', () => {
  it('a cross-site style POST (no credentials, text/plain) is refused, and no body type is guessed', async () => {
    const form = await call(U, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod('xsite')), 'text/plain', {}, null);
    expect(form.code).toBe(401);
    // even authenticated: only upstream's media types are decoded
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const r = await call(U, 'POST', '/api/v1/namespaces/default/pods', JSON.stringify(pod('xsite')), ct);
      expect({ ct, code: r.code, reason: r.body?.reason }).toEqual({ ct, code: 415, reason: 'UnsupportedMediaType' });
    }
    expect((await call(U, 'GET', '/api/v1/namespaces/default/pods/xsite')).code).toBe(404);
  });

  it('etcd answers no client without a certificate of its CA', async () => {
    const pki = await testPki();
    const asAdmin = await tlsFetch(`${api.etcd.endpoint}/health`).then(
      (r) => r.status,
      (e: Error) => `refused: ${(e.cause as Error | undefined)?.message ?? e.message}`,
    );
    expect(String(asAdmin)).toMatch(/^refused: /);
    const noCert = await new Promise<string>((ok) => {
      const r = request(`${api.etcd.endpoint}/health`, { ca: readFileSync(pki.file(PKI_LAYOUT.etcd.ca)) }, (res) =>
        ok(`HTTP ${res.statusCode}`),
      );
      r.on('error', (e) => ok(`refused: ${e.message}`));
      r.end();
    });
    expect(noCert).toMatch(/^refused: |^HTTP 4/);
  });
});

describe('authorization and impersonation', () => {
  let open: Apiserver;
  let denyUrl: string;
  beforeAll(async () => {
    // (AlwaysDeny: only system:masters, the harness's identity, passes — upstream's privileged-group authorizer)
    const port = await freePort();
    denyUrl = `https://127.0.0.1:${port}`;
    startProcess('apiserver', process.execPath, [
      join(REPO, 'apiserver', 'dist', 'main.js'),
      ...(await apiserverArgs(api.etcd, '127.0.0.1', port)),
      '--anonymous-auth=true',
      '--authorization-mode',
      'AlwaysDeny',
    ]);
    await waitFor('the AlwaysDeny apiserver', async () => (await tlsFetch(`${denyUrl}/healthz`)).status === 200, 30_000);
    open = await startApiserver(['--anonymous-auth=true', '--authorization-mode', 'AlwaysAllow'], api.etcd);
  });

  it('403 worded as upstream; anonymous requests reach only the public-info paths under a real authorizer', async () => {
    expect((await call(denyUrl, 'GET', '/api/v1/namespaces/default/secrets')).code).toBe(200);
    const list = await call(denyUrl, 'GET', '/api/v1/namespaces/default/secrets', undefined, 'application/json', {}, 'scheduler');
    expect(list.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'secrets is forbidden: User "system:kube-scheduler" cannot list resource "secrets" in API group "" in the namespace "default": Everything is forbidden.',
      reason: 'Forbidden',
      details: { group: '', kind: 'secrets' },
      code: 403,
    });
    const get = await call(
      denyUrl,
      'GET',
      '/apis/apps/v1/namespaces/default/deployments/web/scale',
      undefined,
      'application/json',
      {},
      'scheduler',
    );
    expect(get.body.message).toBe(
      'deployments.apps "web" is forbidden: User "system:kube-scheduler" cannot get resource "deployments/scale" in API group "apps" in the namespace "default": Everything is forbidden.',
    );
    const nodes = await call(denyUrl, 'GET', '/api/v1/nodes?watch=1', undefined, 'application/json', {}, 'scheduler');
    expect(nodes.body.message).toBe(
      'nodes is forbidden: User "system:kube-scheduler" cannot watch resource "nodes" in API group "" at the cluster scope: Everything is forbidden.',
    );
    // anonymous: 401 everywhere but /healthz, /livez, /readyz, /version, which reach the authorizer
    expect((await call(denyUrl, 'GET', '/api/v1/namespaces', undefined, 'application/json', {}, null)).code).toBe(401);
    const health = await call(denyUrl, 'GET', '/healthz', undefined, 'application/json', {}, null);
    expect(health.body).toMatchObject({
      code: 403,
      message: 'forbidden: User "system:anonymous" cannot get path "/healthz": Everything is forbidden.',
    });
  });

  it('with AlwaysAllow and --anonymous-auth (a by-hand apiserver), anonymous requests are served, but not bodies of other types', async () => {
    expect((await call(open.url, 'GET', '/api/v1/namespaces/default', undefined, 'application/json', {}, null)).code).toBe(200);
    const form = await call(open.url, 'POST', '/api/v1/namespaces/default/configmaps', '{"metadata":{"name":"x"}}', 'text/plain', {}, null);
    expect(form.code).toBe(415);
  });

  it('impersonation: the headers make the request the named user; each part is authorized (verb impersonate)', async () => {
    const me = await call(U, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {}, 'application/json', {
      'Impersonate-User': 'system:serviceaccount:kube-system:dns',
      'Impersonate-Extra-Scopes': 'view',
    });
    expect(me.body.status.userInfo).toEqual({
      username: 'system:serviceaccount:kube-system:dns',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      extra: { scopes: ['view'] },
    });
    const groupsOnly = await call(U, 'GET', '/api/v1/namespaces', undefined, 'application/json', { 'Impersonate-Group': 'devs' });
    expect(groupsOnly.code).toBe(400);
    const denied = await call(
      denyUrl,
      'GET',
      '/api/v1/namespaces',
      undefined,
      'application/json',
      { 'Impersonate-User': 'jane' },
      'scheduler',
    );
    expect(denied.body.message).toBe(
      'users "jane" is forbidden: User "system:kube-scheduler" cannot impersonate resource "users" in API group "" at the cluster scope: Everything is forbidden.',
    );
  });
});

describe('the real kubectl', () => {
  it('auth whoami, create token, --as and --as-group (protobuf bodies)', async () => {
    await ensureSa('robot');
    const env = { ...process.env, ...kubeEnv(U) };
    const who = await run('kubectl', ['auth', 'whoami'], { env });
    expect(who.stdout).toMatch(/Username\s+kubernetes-admin/);
    expect(who.stdout).toMatch(/Groups\s+\[system:masters system:authenticated\]/);
    const as = await run('kubectl', ['auth', 'whoami', '--as', 'jane', '--as-group', 'devs'], { env });
    expect(as.stdout).toMatch(/Username\s+jane/);
    expect(as.stdout).toMatch(/Groups\s+\[devs system:authenticated\]/);
    const token = (await run('kubectl', ['create', 'token', 'robot', '--duration', '15m'], { env })).stdout.trim();
    const review = await call(U, 'POST', '/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token } });
    expect(review.body.status.user.username).toBe('system:serviceaccount:default:robot');
    const tooShort = await run('kubectl', ['create', 'token', 'robot', '--duration', '1m'], { env }).catch((e: { stderr: string }) => e);
    expect(tooShort.stderr).toContain('may not specify a duration less than 10 minutes');
  });
});

describe('defaults as upstream', () => {
  it('an apiserver with only --etcd-servers (and etcd TLS) serves HTTPS with a self-signed certificate, anonymous allowed, AlwaysAllow', async () => {
    const port = await freePort();
    const certDir = `${api.etcd.dataDir}-certs`;
    startProcess('apiserver', process.execPath, [
      join(REPO, 'apiserver', 'dist', 'main.js'),
      ...api.etcd.apiserverArgs,
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(port),
      '--cert-dir',
      certDir,
    ]);
    // (the harness trusts only the test CA: the generated certificate is the trust anchor here)
    const cert = await waitFor('self-signed certificate', () => {
      try {
        return readFileSync(`${certDir}/apiserver.crt`, 'utf8');
      } catch {
        return undefined;
      }
    });
    const anonymous = await new Promise<number>((ok, fail) => {
      const tryOnce = (left: number) => {
        const r = request(`https://127.0.0.1:${port}/api/v1/namespaces`, { ca: cert }, (res) => {
          res.resume();
          ok(res.statusCode ?? 0);
        });
        r.on('error', (e) => (left > 0 ? setTimeout(() => tryOnce(left - 1), 200) : fail(e)));
        r.end();
      };
      tryOnce(50);
    });
    expect(anonymous).toBe(200);
  });
});
