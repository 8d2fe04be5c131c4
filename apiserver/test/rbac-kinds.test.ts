// rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding served in-process on the
// in-memory store: upstream's validation messages, defaults, the immutable roleRef and the printers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessServer } from './inprocess';

const { req, ready, close } = inProcessServer();
const G = '/apis/rbac.authorization.k8s.io/v1';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
const causes = (body: { details?: { causes?: { field: string; message: string }[] } }) =>
  (body.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

beforeAll(ready);
afterAll(close);

describe('RBAC kinds (pkg/apis/rbac/validation)', () => {
  it('refuses rules without verbs, groups or resources, and non-resource URLs in a Role', async () => {
    const r = await req('POST', `${G}/namespaces/default/roles`, {
      metadata: { name: 'bad' },
      rules: [{ apiGroups: [''], resources: ['pods'] }, { verbs: ['get'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    });
    expect(r.code).toBe(422);
    expect(causes(r.body)).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
      'rules[2].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ]);
  });

  it('takes non-resource URLs and an aggregationRule in a ClusterRole; a name with ":" is valid', async () => {
    const r = await req('POST', `${G}/clusterroles`, {
      metadata: { name: 'test:health' },
      rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz', '/readyz/*'] }],
    });
    expect(r.code).toBe(201);
    const agg = await req('POST', `${G}/clusterroles`, { metadata: { name: 'agg' }, aggregationRule: { clusterRoleSelectors: [] } });
    expect(causes(agg.body)).toEqual([
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
    const t = (await req('GET', `${G}/clusterroles/test:health`, undefined, { accept: TABLE })).body;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Created At']);
  });

  it('checks roleRef and subjects, defaults their apiGroup, and keeps roleRef immutable', async () => {
    const bad = await req('POST', `${G}/clusterrolebindings`, {
      metadata: { name: 'bad' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
      subjects: [
        { kind: 'ServiceAccount', name: 'default' },
        { kind: 'Robot', name: 'r2' },
        { kind: 'User', name: '' },
      ],
    });
    expect(causes(bad.body)).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
      'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[2].name: Required value',
    ]);
    const ok = await req('POST', `${G}/namespaces/default/rolebindings`, {
      metadata: { name: 'readers' },
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'jane' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'bot', namespace: 'ci' },
      ],
    });
    expect(ok.code).toBe(201);
    expect(ok.body.roleRef.apiGroup).toBe('rbac.authorization.k8s.io');
    expect(ok.body.subjects[0].apiGroup).toBe('rbac.authorization.k8s.io');
    expect(ok.body.subjects[2].apiGroup).toBeUndefined();
    const changed = await req(
      'PATCH',
      `${G}/namespaces/default/rolebindings/readers`,
      { roleRef: { name: 'edit' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(changed.code).toBe(422);
    expect(causes(changed.body)[0]).toMatch(/^roleRef: Invalid value: .*: cannot change roleRef$/);
    const t = (await req('GET', `${G}/namespaces/default/rolebindings/readers`, undefined, { accept: TABLE })).body;
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']);
    expect(t.rows[0].cells.filter((_: unknown, i: number) => i !== 2)).toEqual(['readers', 'ClusterRole/view', 'jane', 'devs', 'ci/bot']);
  });
});
