// The pure parts of authentication and authorization: RequestInfo, the authorizer chain and its 403
// wording, impersonation headers, the ServiceAccount admission's volume, TokenRequest's spec checks.
import { describe, expect, it } from 'vitest';
import { requestInfo } from '../src/auth/request-info';
import {
  UnionAuthorizer,
  alwaysAllow,
  alwaysDeny,
  buildAuthorizer,
  forbidden,
  parseAuthorizationModes,
  registerAuthorizerMode,
} from '../src/auth/authorizer';
import { impersonationHeaders } from '../src/auth/impersonation';
import { tokenRequestSpec } from '../src/kinds/core/serviceaccount/token';
import { SA_MOUNT_PATH, apiAccessVolume, withApiAccess } from '../src/kinds/core/serviceaccount/admission';
import type { Attributes, Authorizer } from '../src/auth/types';

describe('RequestInfo', () => {
  const pick = (method: string, url: string) => {
    const r = requestInfo(method, url);
    return [r.isResourceRequest, r.verb, r.apiGroup, r.apiVersion, r.namespace, r.resource, r.subresource, r.name];
  };
  it.each([
    ['GET', '/api/v1/namespaces/default/pods', [true, 'list', '', 'v1', 'default', 'pods', '', '']],
    ['GET', '/api/v1/namespaces/default/pods?watch=true', [true, 'watch', '', 'v1', 'default', 'pods', '', '']],
    [
      'GET',
      '/api/v1/namespaces/default/pods?watch=1&fieldSelector=metadata.name%3Dweb',
      [true, 'watch', '', 'v1', 'default', 'pods', '', 'web'],
    ],
    ['GET', '/api/v1/watch/namespaces/default/pods', [true, 'watch', '', 'v1', 'default', 'pods', '', '']],
    ['GET', '/api/v1/namespaces/default/pods/web', [true, 'get', '', 'v1', 'default', 'pods', '', 'web']],
    ['GET', '/api/v1/namespaces/default/pods/web/log', [true, 'get', '', 'v1', 'default', 'pods', 'log', 'web']],
    ['POST', '/api/v1/namespaces/default/pods/web/exec?command=ls', [true, 'create', '', 'v1', 'default', 'pods', 'exec', 'web']],
    [
      'POST',
      '/api/v1/namespaces/kube-system/serviceaccounts/dns/token',
      [true, 'create', '', 'v1', 'kube-system', 'serviceaccounts', 'token', 'dns'],
    ],
    ['DELETE', '/apis/apps/v1/namespaces/x/deployments', [true, 'deletecollection', 'apps', 'v1', 'x', 'deployments', '', '']],
    ['DELETE', '/apis/apps/v1/namespaces/x/deployments/web', [true, 'delete', 'apps', 'v1', 'x', 'deployments', '', 'web']],
    ['PATCH', '/apis/apps/v1/namespaces/x/deployments/web/scale', [true, 'patch', 'apps', 'v1', 'x', 'deployments', 'scale', 'web']],
    ['PUT', '/api/v1/namespaces/x/finalize', [true, 'update', '', 'v1', 'x', 'namespaces', 'finalize', 'x']],
    ['GET', '/api/v1/namespaces/x', [true, 'get', '', 'v1', 'x', 'namespaces', '', 'x']],
    ['GET', '/api/v1/namespaces', [true, 'list', '', 'v1', '', 'namespaces', '', '']],
    ['GET', '/api/v1/nodes/n1/status', [true, 'get', '', 'v1', '', 'nodes', 'status', 'n1']],
    [
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      [true, 'create', 'authentication.k8s.io', 'v1', '', 'selfsubjectreviews', '', ''],
    ],
    ['GET', '/api', [false, 'get', '', '', '', '', '', '']],
    ['GET', '/api/v1', [false, 'get', '', '', '', '', '', '']],
    ['GET', '/apis/apps/v1', [false, 'get', '', '', '', '', '', '']],
    ['GET', '/healthz?verbose', [false, 'get', '', '', '', '', '', '']],
    ['POST', '/version', [false, 'post', '', '', '', '', '', '']],
  ])('%s %s', (method, url, want) => {
    expect(pick(method, url)).toEqual(want);
  });
  it('keeps the path for non-resource requests and survives malformed escapes', () => {
    expect(requestInfo('GET', '/openapi/v3/apis/apps/v1?hash=x').path).toBe('/openapi/v3/apis/apps/v1');
    expect(requestInfo('GET', '/api/v1/namespaces/%zz/pods')).toMatchObject({ isResourceRequest: false });
  });
});

const attrs = (a: Partial<Attributes>): Attributes => ({
  user: { name: 'jane', groups: [] },
  isResourceRequest: true,
  path: '/',
  verb: 'get',
  apiGroup: '',
  apiVersion: 'v1',
  namespace: '',
  resource: '',
  subresource: '',
  name: '',
  ...a,
});

describe('authorizer chain', () => {
  it('the first opinion decides; nobody with an opinion is a denial; upstream names the modes', async () => {
    const noOpinion: Authorizer = { name: 'Quiet', authorize: () => ({ decision: 'no-opinion', reason: 'not mine' }) };
    expect((await new UnionAuthorizer([noOpinion, alwaysAllow]).authorize(attrs({}))).decision).toBe('allow');
    expect((await new UnionAuthorizer([noOpinion, alwaysDeny, alwaysAllow]).authorize(attrs({}))).decision).toBe('deny');
    expect(await new UnionAuthorizer([noOpinion]).authorize(attrs({}))).toEqual({ decision: 'no-opinion', reason: 'not mine' });
    expect(new UnionAuthorizer([alwaysAllow]).allowsEverything).toBe(true);
    expect(new UnionAuthorizer([noOpinion, alwaysAllow]).allowsEverything).toBe(false);
    expect(parseAuthorizationModes('AlwaysAllow')).toEqual(['AlwaysAllow']);
    expect(() => parseAuthorizationModes('ABAC')).toThrow('authorization mode "ABAC" is not a valid mode');
    expect(() => parseAuthorizationModes('AlwaysAllow,AlwaysAllow')).toThrow('"AlwaysAllow" is specified more than once');
    expect(() => parseAuthorizationModes('')).toThrow('at least one authorization mode');
    registerAuthorizerMode('Quiet', () => noOpinion);
    expect(buildAuthorizer(parseAuthorizationModes('Quiet,AlwaysDeny')).name).toBe('Quiet,AlwaysDeny');
  });

  it('403 messages as upstream', () => {
    expect(forbidden(attrs({ verb: 'list', resource: 'secrets', namespace: 'y' }), '').message).toBe(
      'secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "y"',
    );
    expect(
      forbidden(
        attrs({ verb: 'get', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'web', namespace: 'y' }),
        'no RBAC policy matched',
      ).message,
    ).toBe(
      'deployments.apps "web" is forbidden: User "jane" cannot get resource "deployments/scale" in API group "apps" in the namespace "y": no RBAC policy matched',
    );
    expect(forbidden(attrs({ verb: 'watch', resource: 'nodes' }), '').message).toBe(
      'nodes is forbidden: User "jane" cannot watch resource "nodes" in API group "" at the cluster scope',
    );
    expect(forbidden(attrs({ isResourceRequest: false, path: '/metrics' }), '')).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'forbidden: User "jane" cannot get path "/metrics"',
    });
  });
});

describe('impersonation headers', () => {
  it('reads each header as sent (groups repeated), extra keys unescaped and lower-cased', () => {
    expect(impersonationHeaders(['Accept', '*/*'])).toBeUndefined();
    expect(
      impersonationHeaders([
        'Impersonate-User',
        'jane',
        'Impersonate-Group',
        'a,b',
        'Impersonate-Group',
        'c',
        'Impersonate-Extra-Acme.com%2FProject',
        'p1',
        'Impersonate-Uid',
        'u1',
      ]),
    ).toEqual({
      user: 'jane',
      uid: 'u1',
      groups: ['a,b', 'c'],
      extra: { 'acme.com/project': ['p1'] },
    });
    expect(() => impersonationHeaders(['Impersonate-Group', 'devs'])).toThrow('without impersonating a user');
    expect(() => impersonationHeaders(['Impersonate-Nonsense', 'x'])).toThrow('unknown impersonation header');
  });
});

describe('TokenRequest spec', () => {
  const d = { audiences: ['https://kubernetes.default.svc.cluster.local'], maxSeconds: 0 };
  it('defaults, bounds and clamps as upstream', () => {
    expect(tokenRequestSpec('sa', undefined, d)).toEqual({ audiences: d.audiences, expirationSeconds: 3600 });
    expect(tokenRequestSpec('sa', { audiences: ['vault'], expirationSeconds: 7200 }, { ...d, maxSeconds: 3600 })).toEqual({
      audiences: ['vault'],
      expirationSeconds: 3600,
    });
    expect(() => tokenRequestSpec('sa', { expirationSeconds: 599 }, d)).toThrow(
      'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    );
    expect(() => tokenRequestSpec('sa', { expirationSeconds: 'x' }, d)).toThrow('must be an integer');
    expect(() => tokenRequestSpec('sa', { audiences: 'vault' }, d)).toThrow('spec.audiences');
    expect(() => tokenRequestSpec('sa', { boundObjectRef: { kind: 'Node', name: 'n' } }, d)).toThrow('cannot bind token to object of type');
    expect(() => tokenRequestSpec('sa', { boundObjectRef: { kind: 'Pod' } }, d)).toThrow('spec.boundObjectRef.name: Required value');
  });
});

describe('ServiceAccount admission (minimal)', () => {
  const pod = (spec: Record<string, unknown>) => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], ...spec },
  });
  it("adds upstream's kube-api-access volume, mounted read-only in every container", () => {
    const vol = apiAccessVolume('kube-api-access-x');
    const out = withApiAccess(pod({ initContainers: [{ name: 'init' }] }), undefined, vol);
    expect(out.spec.serviceAccountName).toBe('default');
    expect(out.spec.volumes).toEqual([vol]);
    expect(vol.projected.sources.map((s: Record<string, unknown>) => Object.keys(s)[0])).toEqual([
      'serviceAccountToken',
      'configMap',
      'downwardAPI',
    ]);
    for (const c of [...out.spec.containers, ...out.spec.initContainers])
      expect(c.volumeMounts).toContainEqual({ name: 'kube-api-access-x', readOnly: true, mountPath: SA_MOUNT_PATH });
    expect(out.spec.containers[1].volumeMounts[0]).toEqual({ name: 'data', mountPath: '/data' });
    expect(apiAccessVolume().name).toMatch(/^kube-api-access-[b-z2-9]{5}$/);
  });
  it('not when the pod or its ServiceAccount opt out, or a container mounts the path itself', () => {
    expect(withApiAccess(pod({ automountServiceAccountToken: false }), true).spec.volumes).toBeUndefined();
    expect(withApiAccess(pod({}), false).spec.volumes).toBeUndefined();
    expect(withApiAccess(pod({ automountServiceAccountToken: true }), false).spec.volumes).toHaveLength(1);
    expect(
      withApiAccess(pod({ containers: [{ name: 'a', volumeMounts: [{ name: 'mine', mountPath: SA_MOUNT_PATH }] }] }), undefined).spec
        .volumes,
    ).toBeUndefined();
  });
});
