// Server-side apply with the REAL kubectl v1.32 against etcd + the apiserver process: `apply --server-side`
// creates and records an Apply entry, a second manager's apply of a field the first owns is refused (409
// naming the manager and the field) until `--force-conflicts`, a field dropped from a manager's applied
// configuration is removed, containers (a list keyed by name) are co-owned by two managers, client-side
// apply's last-applied annotation is migrated to the Apply entry, `--field-manager`, managedFields shown
// by `--show-managed-fields`; and over HTTP: fieldManager required, Update entries under the User-Agent's
// manager, apply on /status and /scale, a custom resource applied by two managers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKubectl, type RealKubectl } from '../../testing/kubectl';
import { startApiserver, stopAll, tlsFetch, waitFor, type Apiserver } from '../../testing/procs';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  subresource?: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
}

let api: Apiserver;
let k: RealKubectl;

const APPLY = 'application/apply-patch+yaml';

const configMap = (name: string, data: Record<string, string>) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data)
    .map(([key, v]) => `  ${key}: "${v}"`)
    .join('\n')}\n`;

async function getJson(...args: string[]): Promise<Record<string, any>> {
  return JSON.parse(await k.ok('get', ...args, '-o', 'json', '--show-managed-fields'));
}

const managed = async (...args: string[]) => ((await getJson(...args)).metadata.managedFields ?? []) as Entry[];
const entry = (entries: Entry[], manager: string, operation = 'Apply') =>
  entries.find((e) => e.manager === manager && e.operation === operation);

async function request(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string>,
): Promise<{ status: number; body: any }> {
  const res = await tlsFetch(`${api.url}${path}`, { method, headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  api = await startApiserver();
  k = await realKubectl(api);
});

afterAll(async () => {
  await stopAll();
});

describe('server-side apply with the real kubectl v1.32', () => {
  it('creates on apply and records an Apply entry of the manager, shown only with --show-managed-fields', async () => {
    const out = await k.ok('apply', '--server-side', '-f', k.file('cm.yaml', configMap('cm', { a: '1', b: '2' })));
    expect(out).toContain('configmap/cm serverside-applied');
    const e = entry(await managed('configmap', 'cm'), 'kubectl');
    expect(e).toMatchObject({
      operation: 'Apply',
      apiVersion: 'v1',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } },
    });
    const yaml = await k.ok('get', 'configmap', 'cm', '-o', 'yaml', '--show-managed-fields');
    expect(yaml).toContain('managedFields:');
    expect(yaml).toContain('manager: kubectl');
    expect(await k.ok('get', 'configmap', 'cm', '-o', 'yaml')).not.toContain('managedFields');
    // the same apply again changes nothing: no write
    const rv = (await getJson('configmap', 'cm')).metadata.resourceVersion;
    await k.ok('apply', '--server-side', '-f', k.file('cm.yaml', configMap('cm', { a: '1', b: '2' })));
    expect((await getJson('configmap', 'cm')).metadata.resourceVersion).toBe(rv);
  });

  it("refuses another manager's apply of an owned field (409 naming manager and field) until --force-conflicts", async () => {
    const f = k.file('cm-other.yaml', configMap('cm', { a: 'changed' }));
    const r = await k.run(['apply', '--server-side', '--field-manager=other', '-f', f]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .data.a');
    expect((await getJson('configmap', 'cm')).data.a).toBe('1');

    await k.ok('apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', f);
    const cm = await getJson('configmap', 'cm');
    expect(cm.data).toEqual({ a: 'changed', b: '2' });
    const entries = cm.metadata.managedFields as Entry[];
    expect(entry(entries, 'other')?.fieldsV1).toEqual({ 'f:data': { 'f:a': {} } });
    expect(entry(entries, 'kubectl')?.fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });
  });

  it("removes a field dropped from a manager's applied configuration, and keeps one another manager owns", async () => {
    // kubectl drops b (only it owns b: removed) and a (other owns a too: kept)
    await k.ok('apply', '--server-side', '-f', k.file('cm-c.yaml', configMap('cm', { c: '3' })));
    const cm = await getJson('configmap', 'cm');
    expect(cm.data).toEqual({ a: 'changed', c: '3' });
  });

  it('co-owns containers (a list keyed by name) between two managers; a dropped container goes', async () => {
    const deployment = (manager: string, containers: string[]) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
${manager === 'kubectl' ? '  replicas: 2\n  selector:\n    matchLabels: {app: web}\n' : ''}  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
${containers.map((c) => `      - name: ${c}\n        image: ${c}:1\n`).join('')}`;
    await k.ok('apply', '--server-side', '-f', k.file('web.yaml', deployment('kubectl', ['app'])));
    const side = k.file('web-side.yaml', deployment('sidecar-injector', ['sidecar']));
    await k.ok('apply', '--server-side', '--field-manager=sidecar-injector', '-f', side);
    let d = await getJson('deployment', 'web');
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'sidecar']);
    const entries = d.metadata.managedFields as Entry[];
    const containersOf = (e?: Entry) => Object.keys((e?.fieldsV1 as any)?.['f:spec']?.['f:template']?.['f:spec']?.['f:containers'] ?? {});
    expect(containersOf(entry(entries, 'kubectl'))).toEqual(['k:{"name":"app"}']);
    expect(containersOf(entry(entries, 'sidecar-injector'))).toEqual(['k:{"name":"sidecar"}']);

    // the injector now applies an empty list of containers: its sidecar is removed, kubectl's app stays
    await k.ok(
      'apply',
      '--server-side',
      '--field-manager=sidecar-injector',
      '-f',
      k.file('web-none.yaml', deployment('sidecar-injector', []).replace('containers:\n', 'containers: []\n')),
    );
    d = await getJson('deployment', 'web');
    expect(d.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['app']);
  });

  it("migrates client-side apply's last-applied annotation to the Apply entry", async () => {
    await k.ok('apply', '-f', k.file('csa.yaml', configMap('csa', { a: '1', b: '2' })));
    let entries = await managed('configmap', 'csa');
    expect(entry(entries, 'kubectl-client-side-apply', 'Update')).toBeDefined();
    // b left out of the server-side apply: the fields client-side apply owned became kubectl's, so b goes
    await k.ok('apply', '--server-side', '-f', k.file('csa2.yaml', configMap('csa', { a: '1' })));
    const cm = await getJson('configmap', 'csa');
    expect(cm.data).toEqual({ a: '1' });
    entries = cm.metadata.managedFields;
    expect(entry(entries, 'kubectl')?.fieldsV1).toMatchObject({ 'f:data': { 'f:a': {} } });
    expect(entry(entries, 'kubectl-client-side-apply', 'Update')).toBeUndefined();
  });
});

describe('server-side apply over HTTP', () => {
  it('requires fieldManager for an apply, and rejects force on other patches (422 PatchOptions)', async () => {
    const r = await request('PATCH', '/api/v1/namespaces/default/configmaps/x', configMap('x', { a: '1' }), { 'content-type': APPLY });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const m = await request(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/cm?force=true',
      { data: { z: '1' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(m.status).toBe(422);
    expect(m.body.message).toContain('force: Forbidden: may not be specified for non-apply patch');
  });

  it('refuses an apply that sets managedFields or does not fit the schema (400)', async () => {
    const forged = await request(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/cm?fieldManager=forger',
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cm', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} }] },
      },
      { 'content-type': APPLY },
    );
    expect(forged.status).toBe(400);
    expect(forged.body.message).toContain('managedFields must be nil');
    const typed = await request(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web?fieldManager=typo',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 'three' } },
      { 'content-type': APPLY },
    );
    expect(typed.status).toBe(400);
    expect(typed.body.message).toContain('.spec.replicas: expected numeric (int or float), got string');
  });

  it("records creates, updates and patches as Update entries of the fieldManager, else the User-Agent's prefix", async () => {
    const c = await request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ua' }, data: { a: '1' } },
      {
        'content-type': 'application/json',
        'user-agent': 'my-controller/v0.1 (linux/amd64)',
      },
    );
    expect(c.status).toBe(201);
    expect(entry(c.body.metadata.managedFields, 'my-controller', 'Update')?.fieldsV1).toEqual({ 'f:data': { '.': {}, 'f:a': {} } });
    const p = await request(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/ua?fieldManager=patcher',
      { data: { b: '2' } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(p.status).toBe(200);
    expect(entry(p.body.metadata.managedFields, 'patcher', 'Update')?.fieldsV1).toEqual({ 'f:data': { 'f:b': {} } });
    // an apply conflicting with an Update entry names that manager too
    const a = await request('PATCH', '/api/v1/namespaces/default/configmaps/ua?fieldManager=applier', configMap('ua', { a: 'x', b: 'y' }), {
      'content-type': APPLY,
    });
    expect(a.status).toBe(409);
    expect(a.body.reason).toBe('Conflict');
    expect(a.body.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "my-controller" using v1:\n- .data.a\nconflicts with "patcher" using v1:\n- .data.b',
    );
    expect(a.body.details.causes).toEqual(
      expect.arrayContaining([
        { reason: 'FieldManagerConflict', message: 'conflict with "my-controller" using v1', field: '.data.a' },
        { reason: 'FieldManagerConflict', message: 'conflict with "patcher" using v1', field: '.data.b' },
      ]),
    );
  });

  it('applies on /status and /scale, recording the subresource', async () => {
    const base = '/apis/apps/v1/namespaces/default/deployments/web';
    const scale = await request(
      'PATCH',
      `${base}/scale?fieldManager=autoscaler`,
      'apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: web\nspec:\n  replicas: 5\n',
      { 'content-type': APPLY },
    );
    // kubectl's apply owns spec.replicas: the autoscaler conflicts with it, then forces
    expect(scale.status).toBe(409);
    expect(scale.body.message).toContain('conflict with "kubectl": .spec.replicas');
    const forced = await request(
      'PATCH',
      `${base}/scale?fieldManager=autoscaler&force=true`,
      'apiVersion: autoscaling/v1\nkind: Scale\nmetadata:\n  name: web\nspec:\n  replicas: 5\n',
      { 'content-type': APPLY },
    );
    expect(forced.status).toBe(200);
    expect(forced.body.spec.replicas).toBe(5);
    let d = await getJson('deployment', 'web');
    expect(d.spec.replicas).toBe(5);
    expect(entry(d.metadata.managedFields, 'autoscaler')).toMatchObject({
      subresource: 'scale',
      apiVersion: 'apps/v1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    expect((entry(d.metadata.managedFields, 'kubectl')?.fieldsV1 as any)['f:spec']['f:replicas']).toBeUndefined();

    const st = await request(
      'PATCH',
      `${base}/status?fieldManager=status-writer`,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, status: { observedGeneration: 7 } },
      { 'content-type': APPLY },
    );
    expect(st.status).toBe(200);
    d = await getJson('deployment', 'web');
    expect(d.status.observedGeneration).toBe(7);
    expect(entry(d.metadata.managedFields, 'status-writer')).toMatchObject({
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:observedGeneration': {} } },
    });
  });

  it('applies custom resources by their CRD schema (lists without a list type are atomic)', async () => {
    await k.ok(
      'apply',
      '-f',
      k.file(
        'crd.yaml',
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
              color: {type: string}
              tags: {type: array, items: {type: string}}
`,
      ),
    );
    await waitFor('Widget served', async () => (await k.run(['get', 'widgets'])).code === 0, 30_000);
    const widget = (spec: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n${spec}`;
    await k.ok('apply', '--server-side', '-f', k.file('w1.yaml', widget('  size: 1\n  tags: [a]\n')));
    const r = await k.run([
      'apply',
      '--server-side',
      '--field-manager=painter',
      '-f',
      k.file('w2.yaml', widget('  color: red\n  tags: [b]\n')),
    ]);
    expect(r.code).not.toBe(0);
    // an atomic list is one field
    expect(r.stderr).toContain('conflict with "kubectl": .spec.tags');
    await k.ok('apply', '--server-side', '--field-manager=painter', '-f', k.file('w3.yaml', widget('  color: red\n')));
    const w = await getJson('widget', 'w');
    expect(w.spec).toEqual({ size: 1, tags: ['a'], color: 'red' });
    expect(entry(w.metadata.managedFields, 'kubectl')?.fieldsV1).toEqual({ 'f:spec': { 'f:size': {}, 'f:tags': {} } });
  });
});
