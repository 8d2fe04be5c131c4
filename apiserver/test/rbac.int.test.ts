// RBAC on the real apiserver (--authorization-mode Node,RBAC, as the cluster runs it) with the real
// kubectl: can-i (and --list), create role/rolebinding/clusterrole/clusterrolebinding, --as/--as-group
// impersonation, upstream's 403 wording, a ServiceAccount token that may list pods once bound to
// `view` (still not Secrets), escalation refused, aggregation into `view` by the controller-manager,
// and the bootstrap roles put back by the next start.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  kubeEnv,
  serviceAccountKubeconfig,
  startApiserver,
  startComponent,
  stopAll,
  waitFor,
  type Apiserver,
} from '../../testing/procs';
import { call } from './helpers';

const run = promisify(execFile);
let api: Apiserver;
let env: NodeJS.ProcessEnv;
const NS = 'rbac-test';

/** kubectl as the admin (or with extra flags, e.g. --as); stdout, or the failure's stderr and code. */
async function kubectl(args: string[], kubeconfig?: string): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await run('kubectl', kubeconfig ? ['--kubeconfig', kubeconfig, ...args] : args, { env });
    return { ok: true, out: r.stdout.trim() };
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${x.stdout ?? ''}${x.stderr ?? ''}`.trim() };
  }
}
const canI = async (...args: string[]) => (await kubectl(['auth', 'can-i', ...args])).out;

beforeAll(async () => {
  api = await startApiserver();
  env = { ...process.env, ...kubeEnv(api.url) };
  expect((await kubectl(['create', 'namespace', NS])).ok).toBe(true);
  // admin, edit and view are aggregated by the controller-manager, as in the cluster
  const port = await freePort();
  await startComponent(
    'controller-manager',
    [
      '--kubeconfig',
      await api.kubeconfig('controller-manager'),
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(port),
      '--controllers',
      'clusterrole-aggregation',
      '--leader-elect=false',
    ],
    `http://127.0.0.1:${port}/healthz`,
    {},
    60_000,
  );
  await waitFor(
    'view aggregated',
    async () => (await call(api.url, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/view')).body.rules?.length > 0 || undefined,
    20_000,
  );
});
afterAll(stopAll);

describe('RBAC with the real kubectl', () => {
  it('the bootstrap policy is there: cluster-admin for system:masters, aggregated view/edit/admin', async () => {
    expect(await canI('create', 'pods', '--all-namespaces')).toBe('yes');
    const crb = await kubectl(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'wide']);
    expect(crb.out).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\n/);
    expect(crb.out).toMatch(/cluster-admin\s+ClusterRole\/cluster-admin\s+\S+\s+system:masters/);
    const roles = await kubectl(['get', 'clusterroles', 'view', 'system:node']);
    expect(roles.out).toMatch(/^NAME\s+CREATED AT\n/);
    const view = JSON.parse((await kubectl(['get', 'clusterrole', 'view', '-o', 'json'])).out);
    expect(view.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    expect(view.aggregationRule.clusterRoleSelectors).toEqual([{ matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } }]);
  });

  it('a user without a role: "no", and a 403 worded as upstream', async () => {
    expect(await canI('list', 'secrets', '-n', NS, '--as', 'jane')).toBe('no');
    const r = await kubectl(['get', 'secrets', '-n', NS, '--as', 'jane']);
    expect(r.ok).toBe(false);
    expect(r.out).toContain(
      `Error from server (Forbidden): secrets is forbidden: User "jane" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    // every authenticated user may ask what they may do (system:basic-user) and read discovery
    expect(await canI('create', 'selfsubjectrulesreviews', '--as', 'jane')).toBe('yes');
  });

  it('create role/rolebinding, --as and --as-group, can-i --list', async () => {
    expect((await kubectl(['create', 'role', 'cm-reader', '-n', NS, '--verb=get,list', '--resource=configmaps'])).ok).toBe(true);
    expect((await kubectl(['create', 'rolebinding', 'cm-readers', '-n', NS, '--role=cm-reader', '--group=readers'])).ok).toBe(true);
    expect(await canI('list', 'configmaps', '-n', NS, '--as', 'jane')).toBe('no');
    expect(await canI('list', 'configmaps', '-n', NS, '--as', 'jane', '--as-group', 'readers')).toBe('yes');
    expect(await canI('delete', 'configmaps', '-n', NS, '--as', 'jane', '--as-group', 'readers')).toBe('no');
    expect(await canI('list', 'configmaps', '-n', 'default', '--as', 'jane', '--as-group', 'readers')).toBe('no');
    const list = await kubectl(['auth', 'can-i', '--list', '-n', NS, '--as', 'jane', '--as-group', 'readers']);
    expect(list.out).toMatch(/configmaps\s+\[\]\s+\[\]\s+\[get list\]/);
    expect(list.out).toMatch(/selfsubjectrulesreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]/);
    const rb = await kubectl(['get', 'rolebinding', 'cm-readers', '-n', NS, '-o', 'wide']);
    expect(rb.out).toMatch(/cm-readers\s+Role\/cm-reader\s+\S+\s+readers/);
  });

  it('create clusterrole/clusterrolebinding: a ClusterRole with a non-resource URL', async () => {
    expect((await kubectl(['create', 'clusterrole', 'metrics-reader', '--verb=get', '--non-resource-url=/metrics'])).ok).toBe(true);
    expect((await kubectl(['create', 'clusterrolebinding', 'metrics-readers', '--clusterrole=metrics-reader', '--user=prom'])).ok).toBe(
      true,
    );
    expect(await canI('get', '/metrics', '--as', 'prom')).toBe('yes');
    expect(await canI('get', '/metrics', '--as', 'jane')).toBe('no');
  });

  it('a ServiceAccount token: Secrets and pods forbidden until a RoleBinding to view lets it list pods (still not Secrets)', async () => {
    const kc = await serviceAccountKubeconfig(api.url, NS, 'robot');
    const secrets = await kubectl(['get', 'secrets', '-n', NS], kc);
    expect(secrets.out).toContain(
      `User "system:serviceaccount:${NS}:robot" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
    );
    expect((await kubectl(['get', 'pods', '-n', NS], kc)).ok).toBe(false);
    expect(
      (await kubectl(['create', 'rolebinding', 'robot-view', '-n', NS, '--clusterrole=view', `--serviceaccount=${NS}:robot`])).ok,
    ).toBe(true);
    await waitFor('the binding to take effect', async () => (await kubectl(['get', 'pods', '-n', NS], kc)).ok || undefined, 10_000);
    expect((await kubectl(['get', 'secrets', '-n', NS], kc)).ok).toBe(false);
    expect((await kubectl(['get', 'pods', '-n', 'default'], kc)).ok).toBe(false);
  });

  it('escalation: a RoleBinding granting more than its creator holds → 403, unless they may bind that role', async () => {
    // jane may manage RoleBindings in the namespace, and holds view there
    expect((await kubectl(['create', 'role', 'binder', '-n', NS, '--verb=create,get,list', '--resource=rolebindings'])).ok).toBe(true);
    expect((await kubectl(['create', 'rolebinding', 'jane-binder', '-n', NS, '--role=binder', '--user=jane'])).ok).toBe(true);
    expect((await kubectl(['create', 'rolebinding', 'jane-view', '-n', NS, '--clusterrole=view', '--user=jane'])).ok).toBe(true);
    await waitFor(
      'jane may create rolebindings',
      async () => (await canI('create', 'rolebindings', '-n', NS, '--as', 'jane')) === 'yes' || undefined,
      10_000,
    );
    const edit = await kubectl(['create', 'rolebinding', 'sneaky', '-n', NS, '--clusterrole=edit', '--user=jane', '--as', 'jane']);
    expect(edit.ok).toBe(false);
    expect(edit.out).toContain(
      'rolebindings.rbac.authorization.k8s.io "sneaky" is forbidden: user "jane" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:',
    );
    expect(edit.out).toContain('{APIGroups:[""], Resources:["secrets"], Verbs:["create"]}');
    // what she holds she may pass on
    expect((await kubectl(['create', 'rolebinding', 'fair', '-n', NS, '--clusterrole=view', '--user=joe', '--as', 'jane'])).ok).toBe(true);
    // a Role with rules she lacks: 403 too
    const role = await kubectl(['create', 'role', 'wide', '-n', NS, '--verb=delete', '--resource=pods', '--as', 'jane']);
    expect(role.ok).toBe(false);
    // ... unless she may bind the role
    expect(
      (await kubectl(['create', 'role', 'edit-binder', '-n', NS, '--verb=bind', '--resource=clusterroles', '--resource-name=edit'])).ok,
    ).toBe(true);
    expect((await kubectl(['create', 'rolebinding', 'jane-edit-binder', '-n', NS, '--role=edit-binder', '--user=jane'])).ok).toBe(true);
    await waitFor(
      'the bind permission',
      async () => (await canI('bind', 'clusterroles/edit', '-n', NS, '--as', 'jane')) === 'yes' || undefined,
      10_000,
    );
    expect((await kubectl(['create', 'rolebinding', 'sneaky', '-n', NS, '--clusterrole=edit', '--user=joe', '--as', 'jane'])).ok).toBe(
      true,
    );
  });
});

describe('aggregation and bootstrap', () => {
  it('a ClusterRole labelled aggregate-to-view is aggregated into view (the controller-manager)', async () => {
    const r = await call(api.url, 'POST', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'crontab-viewer', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: ['stable.example.com'], resources: ['crontabs'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(r.code, r.text).toBe(201);
    const holds = async (role: string) => {
      const got = (await call(api.url, 'GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`)).body;
      return got.rules?.some((x: { resources?: string[] }) => x.resources?.includes('crontabs')) || undefined;
    };
    await waitFor('view to hold the crontab rule', () => holds('view'), 20_000);
    // joe is bound to view in the namespace: he may list crontabs there now
    const sar = await call(api.url, 'POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: 'joe', resourceAttributes: { namespace: NS, verb: 'list', group: 'stable.example.com', resource: 'crontabs' } },
    });
    expect(sar.body.status.allowed).toBe(true);
    // edit aggregates view (it is labelled aggregate-to-edit), admin aggregates edit
    await waitFor('admin too', () => holds('admin'), 20_000);
  });

  it('bootstrap roles deleted are restored by the next start; autoupdate "false" keeps edits', async () => {
    expect((await kubectl(['delete', 'clusterrole', 'system:basic-user'])).ok).toBe(true);
    const patched = await kubectl([
      'annotate',
      'clusterrole',
      'system:discovery',
      'rbac.authorization.kubernetes.io/autoupdate=false',
      '--overwrite',
    ]);
    expect(patched.ok).toBe(true);
    expect(
      (
        await kubectl([
          'patch',
          'clusterrole',
          'system:discovery',
          '--type=json',
          '-p',
          '[{"op":"replace","path":"/rules","value":[{"verbs":["get"],"nonResourceURLs":["/version"]}]}]',
        ])
      ).ok,
    ).toBe(true);
    await api.kill();
    api = await api.restart();
    expect((await kubectl(['get', 'clusterrole', 'system:basic-user'])).ok).toBe(true);
    const discovery = JSON.parse((await kubectl(['get', 'clusterrole', 'system:discovery', '-o', 'json'])).out);
    expect(discovery.rules).toEqual([{ verbs: ['get'], nonResourceURLs: ['/version'] }]);
  });
});
