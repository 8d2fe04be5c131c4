// The answered-not-stored kinds and the ServiceAccount admission, with the whole apiserver in-process on the
// in-memory store, as started by hand (AlwaysAllow, anonymous requests): SelfSubjectAccessReview,
// SubjectAccessReview and SelfSubjectRulesReview from the authorizer chain, SelfSubjectReview and
// TokenReview, TokenRequest as the ServiceAccount kind's subresource, and the admission's volume.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnionAuthorizer, alwaysAllow, alwaysDeny } from '../src/auth/authorizer';
import { attributesOf } from '../src/kinds/authorization/reviews';
import { inProcessServer } from './inprocess';

const { req, ready, close } = inProcessServer();

async function post(url: string, body: unknown) {
  const r = await req('POST', url, body);
  return { code: r.code, body: r.body };
}

beforeAll(ready);
afterAll(close);

const AUTHZ = '/apis/authorization.k8s.io/v1';

describe('authorization.k8s.io reviews', () => {
  it('SelfSubjectAccessReview: the chain decides for the caller; the spec comes back with the status', async () => {
    const spec = { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'secrets' } };
    const r = await post(`${AUTHZ}/selfsubjectaccessreviews`, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec,
    });
    expect(r).toEqual({
      code: 201,
      body: {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec,
        status: { allowed: true },
      },
    });
  });

  it('refuses a spec with both or neither kind of attributes, and a review with metadata, as upstream', async () => {
    const both = await post(`${AUTHZ}/selfsubjectaccessreviews`, {
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { path: '/x', verb: 'get' } },
    });
    expect(both.code).toBe(422);
    expect(both.body.details.causes).toEqual([
      {
        field: 'spec.nonResourceAttributes',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: {"path":"/x","verb":"get"}: cannot be specified in combination with resourceAttributes',
      },
    ]);
    const none = await post(`${AUTHZ}/selfsubjectaccessreviews`, { kind: 'SelfSubjectAccessReview', metadata: { name: 'x' }, spec: {} });
    expect(none.body.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toEqual([
      'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      'metadata: Invalid value: {"name":"x"}: must be empty',
    ]);
    expect(
      (await post(`${AUTHZ}/selfsubjectaccessreviews`, { kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: 7 } } }))
        .code,
    ).toBe(400);
    expect((await post(`${AUTHZ}/selfsubjectaccessreviews`, { kind: 'TokenReview' })).code).toBe(400);
  });

  it('SubjectAccessReview: about the user and groups of the spec, one of which must be given', async () => {
    const ok = await post(`${AUTHZ}/subjectaccessreviews`, {
      kind: 'SubjectAccessReview',
      spec: { nonResourceAttributes: { path: '/healthz', verb: 'get' }, groups: ['system:nodes'], extra: { scopes: ['a'] } },
    });
    expect(ok.code).toBe(201);
    expect(ok.body.status).toEqual({ allowed: true });
    const who = await post(`${AUTHZ}/subjectaccessreviews`, {
      kind: 'SubjectAccessReview',
      spec: { resourceAttributes: { verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'n1' } },
    });
    expect(who.code).toBe(422);
    expect(who.body.details.causes).toEqual([
      { field: 'spec.user', reason: 'FieldValueInvalid', message: 'Invalid value: "": at least one of user or group must be specified' },
    ]);
  });

  it('SelfSubjectRulesReview: the rules of every authorizer (AlwaysAllow: everything); a namespace is required', async () => {
    const r = await post(`${AUTHZ}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: { namespace: 'default' } });
    expect(r.body).toEqual({
      kind: 'SelfSubjectRulesReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: { creationTimestamp: null },
      spec: {},
      status: {
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      },
    });
    const none = await post(`${AUTHZ}/selfsubjectrulesreviews`, { kind: 'SelfSubjectRulesReview', spec: {} });
    expect(none).toMatchObject({ code: 400, body: { message: 'no namespace on request' } });
  });

  it('are create-only: other verbs are refused', async () => {
    expect((await req('GET', `${AUTHZ}/selfsubjectaccessreviews`)).code).toBe(405);
  });

  it("the chain's rules: joined, incomplete when an authorizer cannot list its own", async () => {
    const user = { name: 'jane', groups: [] };
    expect(await new UnionAuthorizer([alwaysDeny, alwaysAllow]).rulesFor(user, 'ns')).toMatchObject({
      resourceRules: [{ verbs: ['*'] }],
      incomplete: false,
    });
    const blind = { name: 'Blind', authorize: () => ({ decision: 'no-opinion' as const, reason: '' }) };
    expect(await new UnionAuthorizer([blind, alwaysDeny]).rulesFor(user, 'ns')).toEqual({
      resourceRules: [],
      nonResourceRules: [],
      incomplete: true,
    });
  });

  it('attributes as upstream builds them from a review (an empty version is every version)', () => {
    const user = { name: 'jane', groups: ['devs'] };
    expect(
      attributesOf(
        { resourceAttributes: { verb: 'get', group: 'apps', resource: 'deployments', subresource: 'scale', name: 'web', namespace: 'x' } },
        user,
      ),
    ).toEqual({
      user,
      isResourceRequest: true,
      path: '',
      verb: 'get',
      apiGroup: 'apps',
      apiVersion: '*',
      namespace: 'x',
      resource: 'deployments',
      subresource: 'scale',
      name: 'web',
    });
    expect(attributesOf({ nonResourceAttributes: { path: '/logs', verb: 'get' } }, user)).toMatchObject({
      isResourceRequest: false,
      path: '/logs',
      verb: 'get',
      resource: '',
    });
  });
});

describe('authentication.k8s.io reviews and TokenRequest', () => {
  it('SelfSubjectReview: the caller (here anonymous); TokenReview: a token that is none of ours is not authenticated', async () => {
    const me = await post('/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
    });
    expect(me.body.status.userInfo).toEqual({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
    const tr = await post('/apis/authentication.k8s.io/v1/tokenreviews', {
      kind: 'TokenReview',
      spec: { token: 'abcdef.0123456789abcdef' },
    });
    expect(tr).toMatchObject({ code: 201, body: { status: { authenticated: false, error: 'invalid bearer token' } } });
  });

  it("TokenRequest is the ServiceAccount kind's token subresource; its token passes a TokenReview", async () => {
    expect((await post('/api/v1/namespaces/default/serviceaccounts', { kind: 'ServiceAccount', metadata: { name: 'robot' } })).code).toBe(
      201,
    );
    const r = await post('/api/v1/namespaces/default/serviceaccounts/robot/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 600 },
    });
    expect(r.code).toBe(201);
    expect(r.body.spec).toEqual({
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      expirationSeconds: 600,
      boundObjectRef: null,
    });
    const tr = await post('/apis/authentication.k8s.io/v1/tokenreviews', { kind: 'TokenReview', spec: { token: r.body.status.token } });
    expect(tr.body.status).toMatchObject({ authenticated: true, user: { username: 'system:serviceaccount:default:robot' } });
    expect((await post('/api/v1/namespaces/default/serviceaccounts/nobody/token', { kind: 'TokenRequest' })).code).toBe(404);
    expect((await post('/api/v1/namespaces/default/serviceaccounts/robot/token', { kind: 'Pod' })).code).toBe(400);
  });
});

describe('ServiceAccount admission', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...extra },
  });

  it("a pod of an existing ServiceAccount gets the kube-api-access volume, mounted in its containers; others run as 'default' without it", async () => {
    const r = await post('/api/v1/namespaces/default/pods', pod('with', { serviceAccountName: 'robot' }));
    expect(r.code).toBe(201);
    const vol = r.body.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
    expect(vol.projected.sources.map((s: object) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(r.body.spec.containers[0].volumeMounts).toEqual([
      { name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
    const without = await post('/api/v1/namespaces/default/pods', pod('without'));
    expect(without.body.spec.serviceAccountName).toBe('default');
    expect(without.body.spec.volumes).toBeUndefined();
  });
});
