// RBAC's pure rules and its authorizer on an in-memory policy: rule matching as upstream's
// rbac/validation (verbs, groups, resources with subresources, names, non-resource URLs), subjects,
// the binding walk, rulesFor, and the escalation check's covering.
import { describe, expect, it } from 'vitest';
import { covers, ruleAllows, subjectMatches, type PolicyRule } from '../src/auth/rbac/rules';
import { RbacPolicy, type RbacResource } from '../src/auth/rbac/policy';
import { rbacAuthorizer } from '../src/auth/rbac/authorizer';
import type { Attributes, UserInfo } from '../src/auth/types';
import { reconcileBinding, reconcileRole } from '../src/auth/rbac/reconcile';
import { AUTOUPDATE_ANNOTATION } from '../src/auth/rbac/bootstrap-policy';

const req = (o: Partial<Attributes>): Omit<Attributes, 'user'> => ({
  isResourceRequest: true,
  path: '',
  verb: 'get',
  apiGroup: '',
  apiVersion: 'v1',
  namespace: 'ns',
  resource: 'pods',
  subresource: '',
  name: '',
  ...o,
});

describe('ruleAllows', () => {
  const cases: Array<[string, PolicyRule, Partial<Attributes>, boolean]> = [
    ['exact verb, group, resource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, {}, true],
    ['another verb', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, {}, false],
    ['verb *', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, { verb: 'delete' }, true],
    ['another group', { verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, {}, false],
    ['group *', { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, { apiGroup: 'apps', resource: 'deployments' }, true],
    ['resource without its subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { subresource: 'log' }, false],
    ['resource/subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, { subresource: 'log' }, true],
    [
      '*/subresource',
      { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] },
      { apiGroup: 'apps', resource: 'deployments', subresource: 'scale' },
      true,
    ],
    ['*/subresource is not the resource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, { resource: 'deployments' }, false],
    ['resource * takes subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, { subresource: 'exec' }, true],
    ['named: that name', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { name: 'a' }, true],
    ['named: another name', { verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { name: 'b' }, false],
    ['named: a list has no name', { verbs: ['list'], apiGroups: [''], resources: ['pods'], resourceNames: ['a'] }, { verb: 'list' }, false],
    ['URL exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, { isResourceRequest: false, path: '/healthz' }, true],
    ['URL prefix *', { verbs: ['get'], nonResourceURLs: ['/healthz/*'] }, { isResourceRequest: false, path: '/healthz/etcd' }, true],
    [
      'URL prefix * is not the bare path',
      { verbs: ['get'], nonResourceURLs: ['/healthz/*'] },
      { isResourceRequest: false, path: '/healthz' },
      false,
    ],
    ['URL rule never allows a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, {}, false],
    [
      'resource rule never allows a URL',
      { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
      { isResourceRequest: false, path: '/api' },
      false,
    ],
  ];
  for (const [name, rule, a, want] of cases) it(name, () => expect(ruleAllows(req(a), rule)).toBe(want));
});

describe('subjectMatches', () => {
  const sa: UserInfo = { name: 'system:serviceaccount:ci:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci'] };
  const cases: Array<[string, UserInfo, { kind: string; name: string; namespace?: string }, string, boolean]> = [
    ['user by name', { name: 'jane', groups: [] }, { kind: 'User', name: 'jane' }, '', true],
    ['group by membership', { name: 'jane', groups: ['devs'] }, { kind: 'Group', name: 'devs' }, '', true],
    ['serviceaccount with namespace', sa, { kind: 'ServiceAccount', name: 'bot', namespace: 'ci' }, '', true],
    ['serviceaccount in the binding namespace', sa, { kind: 'ServiceAccount', name: 'bot' }, 'ci', true],
    ['serviceaccount of another namespace', sa, { kind: 'ServiceAccount', name: 'bot' }, 'other', false],
    ['serviceaccount without any namespace', sa, { kind: 'ServiceAccount', name: 'bot' }, '', false],
    ['all serviceaccounts of a namespace', sa, { kind: 'Group', name: 'system:serviceaccounts:ci' }, '', true],
    ['a user named like a group', { name: 'devs', groups: [] }, { kind: 'Group', name: 'devs' }, '', false],
  ];
  for (const [name, user, s, ns, want] of cases) it(name, () => expect(subjectMatches(user, s, ns)).toBe(want));
});

describe('covers (escalation)', () => {
  const cases: Array<[string, PolicyRule[], PolicyRule[], boolean]> = [
    [
      'everything covers anything',
      [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }],
      true,
    ],
    [
      'split across rules',
      [
        { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
        { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      ],
      [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }],
      true,
    ],
    [
      'one verb short',
      [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
      [{ verbs: ['get', 'delete'], apiGroups: [''], resources: ['pods'] }],
      false,
    ],
    [
      'names within names',
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a', 'b'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }],
      true,
    ],
    [
      'named does not cover all',
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }],
      [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }],
      false,
    ],
    [
      '*/scale covers deployments/scale',
      [{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }],
      [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }],
      true,
    ],
    [
      'URL prefix covers a longer URL',
      [{ verbs: ['get'], nonResourceURLs: ['/logs/*'] }],
      [{ verbs: ['get'], nonResourceURLs: ['/logs/kubelet*'] }],
      true,
    ],
    ['URL not covered', [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }], false],
  ];
  for (const [name, owner, servant, want] of cases) it(name, () => expect(covers(owner, servant).covered).toBe(want));
  it('names what is missing, one verb on one thing each', () =>
    expect(
      covers(
        [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
        [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] }],
      ).missing,
    ).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['secrets'] },
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['list'], apiGroups: [''], resources: ['secrets'] },
    ]));
});

describe('the RBAC authorizer on a policy', () => {
  const objects: Record<RbacResource, any[]> = {
    clusterroles: [
      { metadata: { name: 'view' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] },
      { metadata: { name: 'health' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }] },
    ],
    roles: [{ metadata: { name: 'cm', namespace: 'a' }, rules: [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }] }],
    clusterrolebindings: [
      {
        metadata: { name: 'health' },
        roleRef: { kind: 'ClusterRole', name: 'health' },
        subjects: [{ kind: 'Group', name: 'system:authenticated' }],
      },
      { metadata: { name: 'dangling' }, roleRef: { kind: 'ClusterRole', name: 'gone' }, subjects: [{ kind: 'User', name: 'jane' }] },
    ],
    rolebindings: [
      {
        metadata: { name: 'view', namespace: 'a' },
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'jane' }],
      },
      {
        metadata: { name: 'cm', namespace: 'a' },
        roleRef: { kind: 'Role', name: 'cm' },
        subjects: [{ kind: 'ServiceAccount', name: 'bot' }],
      },
    ],
  };
  let version = 1;
  const policy = new RbacPolicy({ version: () => String(version), objects: (r) => objects[r] });
  const z = rbacAuthorizer(policy);
  const jane: UserInfo = { name: 'jane', groups: ['system:authenticated'] };
  const bot: UserInfo = { name: 'system:serviceaccount:a:bot', groups: ['system:authenticated'] };
  const ask = (user: UserInfo, a: Partial<Attributes>) => z.authorize({ ...req(a), user }) as { decision: string; reason: string };

  it('a ClusterRole bound in a namespace holds there only', () => {
    expect(ask(jane, { verb: 'list', namespace: 'a' })).toEqual({
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "view/a" of ClusterRole "view" to User "jane"',
    });
    expect(ask(jane, { verb: 'list', namespace: 'b' }).decision).toBe('no-opinion');
  });
  it('a missing role is the reason of no opinion', () =>
    expect(ask(jane, { verb: 'delete', namespace: 'b' })).toEqual({
      decision: 'no-opinion',
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found',
    }));
  it('a ServiceAccount subject without namespace is the binding namespace', () => {
    expect(ask(bot, { verb: 'create', resource: 'configmaps', namespace: 'a' }).decision).toBe('allow');
    expect(ask(bot, { verb: 'get', resource: 'secrets', namespace: 'a' }).decision).toBe('no-opinion');
  });
  it('non-resource URLs from ClusterRoleBindings', () =>
    expect(ask(bot, { isResourceRequest: false, path: '/healthz', resource: '', namespace: '' }).decision).toBe('allow'));
  it('follows changes of the source', () => {
    objects.rolebindings[0].subjects = [{ kind: 'User', name: 'joe' }];
    expect(ask(jane, { verb: 'list', namespace: 'a' }).decision).toBe('allow');
    version++;
    expect(ask(jane, { verb: 'list', namespace: 'a' }).decision).toBe('no-opinion');
  });
  it('rulesFor lists the cluster and namespace rules, incomplete with the errors', async () => {
    const r = await z.rulesFor!(bot, 'a');
    expect(r).toEqual({
      resourceRules: [{ verbs: ['*'], apiGroups: [''], resources: ['configmaps'] }],
      nonResourceRules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      incomplete: false,
    });
    expect((await z.rulesFor!(jane, 'a')).evaluationError).toBe('clusterrole.rbac.authorization.k8s.io "gone" not found');
  });
});

describe('bootstrap policy reconciliation', () => {
  const role = (rules: PolicyRule[], annotations?: Record<string, string>) => ({
    metadata: { name: 'r', ...(annotations ? { annotations } : {}) },
    rules,
  });
  const get = { verbs: ['get'], apiGroups: [''], resources: ['pods'] };
  const list = { verbs: ['list'], apiGroups: [''], resources: ['pods'] };
  const want = { metadata: { name: 'r', labels: { a: '1' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } }, rules: [get, list] };

  it('creates what is missing', () => expect(reconcileRole(undefined, want)).toEqual({ op: 'create', obj: want }));
  it('adds the rules not covered and keeps a user rule', () => {
    const extra = { verbs: ['delete'], apiGroups: [''], resources: ['secrets'] };
    const r = reconcileRole(role([get, extra]), want);
    expect(r).toMatchObject({ op: 'update', obj: { rules: [get, extra, list], metadata: { labels: { a: '1' } } } });
  });
  it('leaves a role annotated autoupdate "false" alone', () =>
    expect(reconcileRole(role([], { [AUTOUPDATE_ANNOTATION]: 'false' }), want)).toEqual({ op: 'none' }));
  it('nothing to do when all is held', () => expect(reconcileRole(want, want)).toEqual({ op: 'none' }));
  it('adds missing subjects; replaces a binding to another role', () => {
    const b = (roleName: string, subjects: unknown[]) => ({
      metadata: { name: 'b' },
      roleRef: { kind: 'ClusterRole', name: roleName },
      subjects,
    });
    const expected = b('view', [{ kind: 'Group', name: 'g' }]);
    expect(reconcileBinding(b('view', [{ kind: 'User', name: 'u' }]), expected)).toMatchObject({
      op: 'update',
      obj: {
        subjects: [
          { kind: 'User', name: 'u' },
          { kind: 'Group', name: 'g' },
        ],
      },
    });
    expect(reconcileBinding(b('edit', []), expected)).toMatchObject({ op: 'recreate', obj: { roleRef: { name: 'view' } } });
  });
});
