// Acceptance for CustomResourceDefinitions: the REAL kubectl v1.32 and @kubernetes/client-node against
// etcd + the apiserver process. A CRD is created and Established (legacy and aggregated discovery), its custom resources are applied twice
// (kubectl falls back to merge patches), printed with their printer columns (wide too), validated (each
// violation listed, 422), defaulted, pruned, their status written only through /status, scaled, selected by a
// selectable field, served at a second version, watched, explained; bad CRDs (non-structural schema,
// conflicting names, a wrong version set) are refused or left unaccepted; deleting the CRD deletes every
// instance (a finalizer holding one back until it is removed) and leaves no key in etcd. CEL cost limits:
// a rule too costly over its schema's bounds refuses the CRD; a costly rule on a hostile object is cancelled.
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL, realKubectl, type RealKubectl } from '../../testing/kubectl';
import { startApiserver, stopAll, tlsFetch, waitFor, type Apiserver } from '../../testing/procs';

const FIXTURES = join(__dirname, 'fixtures', 'crd');
const CRD = 'crontabs.stable.example.com';

let api: Apiserver;
let k: RealKubectl;

const kubectl = (args: string[], extraEnv?: NodeJS.ProcessEnv) => k.run(args, extraEnv);
const ok = (...args: string[]) => k.ok(...args);
const file = (name: string, content: string) => k.file(name, content);

async function fails(...args: string[]): Promise<string> {
  const r = await kubectl(args);
  expect(r.code, `kubectl ${args.join(' ')} should fail\n${r.stdout}`).not.toBe(0);
  return r.stderr;
}

const crontab = (name: string, spec: string, meta = '') => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
${meta}spec:
${spec}`;

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** The aggregated discovery document's entry for a group, as kubectl v1.32 asks for it. */
async function aggregatedGroup(group: string): Promise<
  | {
      versions: {
        version: string;
        resources: { resource: string; shortNames?: string[]; categories?: string[]; subresources?: { subresource: string }[] }[];
      }[];
    }
  | undefined
> {
  const res = await tlsFetch(`${api.url}/apis`, { headers: { accept: AGGREGATED } });
  expect(res.headers.get('content-type')).toMatch('g=apidiscovery.k8s.io;v=v2');
  const doc = (await res.json()) as { items: { metadata: { name: string } }[] };
  return doc.items.find((g) => g.metadata.name === group) as never;
}

const conditions = async (crd: string) =>
  JSON.parse(await ok('get', 'crd', crd, '-o', 'json')).status.conditions as {
    type: string;
    status: string;
    reason: string;
    message: string;
  }[];

beforeAll(async () => {
  api = await startApiserver();
  k = await realKubectl(api);
});

afterAll(async () => {
  await stopAll();
});

describe('CustomResourceDefinitions with the real kubectl v1.32', () => {
  it('creates a CRD that becomes Established, and serves its kind in discovery', async () => {
    expect(await ok('apply', '-f', join(FIXTURES, 'crontab-crd.yaml'))).toMatch(
      `customresourcedefinition.apiextensions.k8s.io/${CRD} created`,
    );
    expect(await ok('wait', '--for', 'condition=established', '--timeout=30s', `crd/${CRD}`)).toMatch('condition met');
    expect(await conditions(CRD)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' }),
        expect.objectContaining({ type: 'Established', status: 'True', reason: 'InitialNamesAccepted' }),
      ]),
    );
    expect(await ok('api-resources', '--api-group', 'stable.example.com')).toMatch(
      /^crontabs\s+ct\s+stable\.example\.com\/v1\s+true\s+CronTab$/m,
    );
    expect((await ok('get', 'crd')).split('\n')[0]).toMatch(/^NAME\s+CREATED AT$/);
    const legacy = JSON.parse(await ok('get', '--raw', '/apis/stable.example.com/v1'));
    expect(legacy.resources.map((r: { name: string }) => r.name).sort()).toEqual(['crontabs', 'crontabs/scale', 'crontabs/status']);
    const group = await aggregatedGroup('stable.example.com');
    expect(group?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    expect(group?.versions[0].resources[0]).toMatchObject({ resource: 'crontabs', shortNames: ['ct'], categories: ['all'] });
    expect(group?.versions[0].resources[0].subresources?.map((s) => s.subresource).sort()).toEqual(['scale', 'status']);
  });

  it('applies a custom resource twice (merge patches), defaulted, printed with its columns', async () => {
    const cr = join(FIXTURES, 'crontab.yaml');
    expect(await ok('apply', '-f', cr)).toMatch('crontab.stable.example.com/nightly created');
    expect(await ok('apply', '-f', cr)).toMatch('crontab.stable.example.com/nightly unchanged');
    const changed = file('nightly.yaml', crontab('nightly', '  cronSpec: "0 3 * * *"\n  image: backup:1.0\n  replicas: 2\n'));
    expect(await ok('apply', '-f', changed)).toMatch('crontab.stable.example.com/nightly configured');
    const obj = JSON.parse(await ok('get', 'ct', 'nightly', '-o', 'json'));
    expect(obj.spec).toEqual({
      cronSpec: '0 3 * * *',
      image: 'backup:1.0',
      replicas: 2,
      maxReplicas: 10,
      allowImageChange: false,
      mode: 'Slow',
    });
    expect(obj.metadata.generation).toBe(2);
    const table = (await ok('get', 'crontabs')).split('\n');
    expect(table[0]).toMatch(/^NAME\s+SPEC\s+REPLICAS\s+AGE$/);
    expect(table[1]).toMatch(/^nightly\s+0 3 \* \* \*\s+2\s+\d+s$/);
    expect((await ok('get', 'ct', '-o', 'wide')).split('\n')[1]).toMatch(/^nightly\s+0 3 \* \* \*\s+2\s+backup:1\.0\s+\d+s$/);
    expect(await ok('get', 'all')).toMatch(/^crontab\.stable\.example\.com\/nightly\s+0 3 \* \* \*\s+2\s+\d+s$/m);
  });

  it('prunes unknown fields when kubectl does not validate', async () => {
    const extra = file(
      'extra.yaml',
      crontab('extra', '  cronSpec: "* * * * *"\n  unknownField: dropped\n', '  namespace: kube-system\n') + 'extraTop: dropped\n',
    );
    await ok('apply', '--validate=false', '-f', extra);
    const obj = JSON.parse(await ok('get', 'ct', 'extra', '-n', 'kube-system', '-o', 'json'));
    expect(obj.spec).toEqual({ cronSpec: '* * * * *', replicas: 1, maxReplicas: 10, allowImageChange: false, mode: 'Slow' });
    expect(obj.extraTop).toBeUndefined();
    await ok('delete', 'ct', 'extra', '-n', 'kube-system');
  });

  it('refuses an invalid custom resource with 422, listing each violation by field', async () => {
    const bad = file(
      'bad.yaml',
      crontab(
        'bad',
        '  cronSpec: every day\n  replicas: -1\n  mode: Turbo\n  ports:\n  - {name: a, port: 80}\n  - {name: a, port: 70000}\n',
      ),
    );
    const err = await fails('apply', '-f', bad);
    expect(err).toMatch('The CronTab "bad" is invalid:');
    expect(err).toMatch(
      `spec.cronSpec: Invalid value: "every day": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`,
    );
    expect(err).toMatch('spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
    expect(err).toMatch('spec.mode: Unsupported value: "Turbo": supported values: "Fast", "Slow"');
    expect(err).toMatch('spec.ports[1].port: Invalid value: 70000: spec.ports[1].port in body should be less than or equal to 65535');
    expect(err).toMatch('spec.ports[1]: Duplicate value:');
    const typed = await fails('apply', '-f', file('typed.yaml', crontab('typed', '  cronSpec: "* * * * *"\n  replicas: many\n')));
    expect(typed).toMatch('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    // a CEL rule with a messageExpression, and a typo'd field refused by kubectl's default strict validation
    expect(await fails('apply', '-f', file('cel.yaml', crontab('cel', '  cronSpec: "* * * * *"\n  replicas: 20\n')))).toMatch(
      'spec: Invalid value: "object": replicas (20) must not exceed maxReplicas (10)',
    );
    expect(await fails('apply', '-f', file('typo.yaml', crontab('typo', '  cronSpec: "* * * * *"\n  imagee: x\n')))).toMatch(
      'unknown field "spec.imagee"',
    );
  });

  it('enforces a transition rule (oldSelf) on updates only', async () => {
    expect(await fails('patch', 'ct', 'nightly', '--type', 'merge', '-p', '{"spec":{"image":"backup:2.0"}}')).toMatch(
      'spec.image: Invalid value: "object": image is immutable unless allowImageChange is set',
    );
    await ok('patch', 'ct', 'nightly', '--type', 'merge', '-p', '{"spec":{"image":"backup:2.0","allowImageChange":true}}');
  });

  it('writes status only through /status; refuses strategic merge patches (415) as upstream', async () => {
    const main = JSON.parse(await ok('patch', 'ct', 'nightly', '--type', 'merge', '-p', '{"status":{"replicas":5}}', '-o', 'json'));
    expect(main.status).toBeUndefined();
    const generation = main.metadata.generation;
    const st = JSON.parse(
      await ok(
        'patch',
        'ct',
        'nightly',
        '--subresource',
        'status',
        '--type',
        'merge',
        '-p',
        '{"status":{"replicas":5,"selector":"app=nightly"}}',
        '-o',
        'json',
      ),
    );
    expect(st.status).toEqual({ replicas: 5, selector: 'app=nightly' });
    expect(st.metadata.generation).toBe(generation);
    expect(await fails('patch', 'ct', 'nightly', '-p', '{"spec":{"replicas":3}}')).toMatch(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
  });

  it('scales through the scale subresource, selects by a selectable field, serves the second version', async () => {
    expect(await ok('scale', 'ct', 'nightly', '--replicas=3')).toMatch('crontab.stable.example.com/nightly scaled');
    expect(await ok('get', 'ct', 'nightly', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
    const scale = await tlsFetch(`${api.url}/apis/stable.example.com/v1/namespaces/default/crontabs/nightly/scale`).then((r) => r.json());
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 3 },
      status: { replicas: 5, selector: 'app=nightly' },
    });
    expect(await ok('get', 'ct', '--field-selector', 'spec.image=backup:2.0', '-o', 'name')).toBe('crontab.stable.example.com/nightly\n');
    expect(await ok('get', 'ct', '--field-selector', 'spec.image=other', '-o', 'name')).toBe('');
    expect(await fails('get', 'ct', '--field-selector', 'spec.mode=Slow')).toMatch('field label not supported: spec.mode');
    expect(await ok('get', 'crontabs.v1beta1.stable.example.com', 'nightly', '-o', 'jsonpath={.apiVersion} {.spec.cronSpec}')).toBe(
      'stable.example.com/v1beta1 0 3 * * *',
    );
  });

  it('explains the custom resource from the OpenAPI built from its schema', async () => {
    const out = await ok('explain', 'crontab.spec');
    expect(out).toMatch(/KIND:\s+CronTab/);
    expect(out).toMatch(/cronSpec\s+<string> -required-/);
    expect(out).toMatch(/mode\s+<string>/);
  });

  it('watches custom resources (kubectl get -w)', async () => {
    const w = spawn(KUBECTL, ['get', 'ct', '-w', '--output-watch-events'], { env: { ...process.env, ...k.env } });
    let out = '';
    w.stdout.on('data', (d) => (out += d));
    try {
      await waitFor('the initial ADDED', async () => /ADDED\s+nightly/.test(out), 20_000);
      await ok('patch', 'ct', 'nightly', '--type', 'merge', '-p', '{"spec":{"cronSpec":"0 4 * * *"}}');
      await waitFor('the MODIFIED event', async () => /MODIFIED\s+nightly\s+0 4 \* \* \*/.test(out), 20_000);
    } finally {
      w.kill();
    }
  });

  it('works with @kubernetes/client-node: create, list, patch status, delete', async () => {
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    // the admin's kubeconfig kubectl uses: the cluster CA and a client certificate
    kc.loadFromFile(k.env.KUBECONFIG!);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const ref = { group: 'stable.example.com', version: 'v1', namespace: 'default', plural: 'crontabs' };
    const created = await custom.createNamespacedCustomObject({
      ...ref,
      body: { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'from-node' }, spec: { cronSpec: '*/5 * * * *' } },
    });
    expect(created.spec).toMatchObject({ cronSpec: '*/5 * * * *', replicas: 1 });
    const list = await custom.listNamespacedCustomObject(ref);
    expect(list.kind).toBe('CronTabList');
    expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(['from-node', 'nightly']);
    const patched = await custom.patchNamespacedCustomObjectStatus(
      { ...ref, name: 'from-node', body: { status: { replicas: 1 } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.status).toEqual({ replicas: 1 });
    await custom.deleteNamespacedCustomObject({ ...ref, name: 'from-node' });
    await expect(custom.getNamespacedCustomObject({ ...ref, name: 'from-node' })).rejects.toMatchObject({ code: 404 });
  });

  it('refuses a non-structural schema and an invalid version set with 422, naming the fields', async () => {
    const widget = (versions: string, extra = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.toys.example.com
spec:
  group: toys.example.com
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
${extra}  versions:
${versions}`;
    const nonStructural = await fails(
      'apply',
      '-f',
      file(
        'nonstructural.yaml',
        widget(
          '  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            properties:\n              size: {type: integer}\n              color:\n                anyOf: [{type: string}, {type: boolean}]\n',
        ),
      ),
    );
    expect(nonStructural).toMatch('The CustomResourceDefinition "widgets.toys.example.com" is invalid:');
    expect(nonStructural).toMatch(
      'spec.validation.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields',
    );
    expect(nonStructural).toMatch(
      'spec.validation.openAPIV3Schema.properties[spec].properties[color].type: Required value: must not be empty for specified object fields',
    );
    expect(nonStructural).toMatch(
      'spec.validation.openAPIV3Schema.properties[spec].properties[color].anyOf[0].type: Forbidden: must be empty to be structural',
    );
    const open = '    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n';
    const versions = await fails(
      'apply',
      '-f',
      file(
        'versions.yaml',
        widget(
          `  - name: v1\n    served: true\n    storage: true\n${open}  - name: v2\n    served: true\n    storage: true\n${open}`,
          '  conversion: {strategy: Webhook}\n',
        ),
      ),
    );
    expect(versions).toMatch('must have exactly one version marked as storage version');
    expect(versions).toMatch('spec.conversion.strategy: Unsupported value: "Webhook": supported values: "None"');
    expect(await kubectl(['get', 'crd', 'widgets.toys.example.com'])).toMatchObject({ code: 1 });
  });

  it('refuses a CRD whose rule costs too much unbounded, and cancels a costly rule on a hostile object (CEL cost limits)', async () => {
    const gadgets = (maxItems: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.toys.example.com
spec:
  group: toys.example.com
  scope: Namespaced
  names: {plural: gadgets, kind: Gadget}
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
              xs:
                type: array
${maxItems}                items: {type: integer}
                x-kubernetes-validations:
                - rule: self.all(x, self.all(y, x == y || x != y))
`;
    const refused = await fails('apply', '-f', file('gadgets-unbounded.yaml', gadgets('')));
    expect(refused).toMatch(
      'spec.validation.openAPIV3Schema.properties[spec].properties[xs].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)',
    );
    expect(refused).toMatch(
      'spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget',
    );
    await ok('apply', '-f', file('gadgets.yaml', gadgets('                maxItems: 1000\n')));
    await waitFor('gadgets Established', async () =>
      (await conditions('gadgets.toys.example.com')).some((c) => c.type === 'Established' && c.status === 'True'),
    );
    const gadget = (name: string, n: number) =>
      JSON.stringify({
        apiVersion: 'toys.example.com/v1',
        kind: 'Gadget',
        metadata: { name },
        spec: { xs: Array.from({ length: n }, (_, i) => i) },
      });
    await ok('apply', '-f', file('small.json', gadget('small', 50)));
    const hostile = await fails('apply', '-f', file('hostile.json', gadget('hostile', 1000)));
    expect(hostile).toMatch(
      'spec.xs: Invalid value: "array": \'operation cancelled: actual cost limit exceeded\': no further validation rules will be run due to call cost exceeds limit for rule: self.all(x, self.all(y, x == y || x != y))',
    );
    await ok('delete', 'crd', 'gadgets.toys.example.com');
  });

  it('leaves a CRD whose names conflict with another CRD or a built-in kind NamesAccepted=False, unserved', async () => {
    const other = file(
      'conflict.yaml',
      `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: crontabz.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names: {plural: crontabz, singular: crontabz, kind: CronTab}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: storageclasses.storage.k8s.io
  annotations: {api-approved.kubernetes.io: "unapproved, a test of conflicting names"}
spec:
  group: storage.k8s.io
  scope: Cluster
  names: {plural: storageclasses, kind: LocalClass}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}}
`,
    );
    await ok('apply', '-f', other);
    await waitFor(
      'NamesAccepted=False',
      async () => (await conditions('crontabz.stable.example.com')).some((c) => c.type === 'NamesAccepted' && c.status === 'False'),
      20_000,
    );
    expect(await conditions('crontabz.stable.example.com')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'NamesAccepted',
          status: 'False',
          reason: 'ListKindConflict',
          message: '"CronTabList" is already in use',
        }),
        expect.objectContaining({ type: 'Established', status: 'False', reason: 'NotAccepted' }),
      ]),
    );
    await waitFor(
      'the built-in plural refused',
      async () => (await conditions('storageclasses.storage.k8s.io')).some((c) => c.reason === 'PluralConflict'),
      20_000,
    );
    expect((await kubectl(['get', '--raw', '/apis/stable.example.com/v1/crontabz'])).code).not.toBe(0);
    expect(await ok('get', 'storageclasses', '-o', 'name')).toBe('');
    await ok('delete', '-f', other);
  });

  it('deletes every instance with the CRD (a finalizer holding one back), then stops serving the kind; no key is left in etcd', async () => {
    await ok(
      'apply',
      '-f',
      file('held.yaml', crontab('held', '  cronSpec: "* * * * *"\n', '  namespace: kube-system\n  finalizers: [example.com/hold]\n')),
    );
    await ok('delete', 'crd', CRD, '--wait=false');
    await waitFor(
      'instance deletion in progress',
      async () => (await conditions(CRD)).some((c) => c.type === 'Terminating' && c.reason === 'InstanceDeletionInProgress'),
      20_000,
    );
    expect(await fails('apply', '-f', join(FIXTURES, 'crontab.yaml'))).toMatch(
      'create not allowed while custom resource definition is terminating',
    );
    const held = JSON.parse(await ok('get', 'ct', 'held', '-n', 'kube-system', '-o', 'json'));
    expect(held.metadata.deletionTimestamp).toBeDefined();
    await ok('patch', 'ct', 'held', '-n', 'kube-system', '--type', 'merge', '-p', '{"metadata":{"finalizers":null}}');
    await ok('wait', '--for=delete', `crd/${CRD}`, '--timeout=30s');
    await waitFor(
      'the kind no longer served',
      async () => (await kubectl(['get', '--raw', '/apis/stable.example.com/v1'])).code !== 0,
      20_000,
    );
    expect(await aggregatedGroup('stable.example.com')).toBeUndefined();
    expect(await ok('api-resources', '--api-group', 'stable.example.com')).not.toMatch('crontabs');
    // etcdctl with the apiserver's etcd client certificate
    const keys = (prefix: string) =>
      execFileSync('etcdctl', [...api.etcd.etcdctlArgs, 'get', '--prefix', '--keys-only', prefix], {
        env: { ...process.env, ETCDCTL_API: '3' },
        encoding: 'utf8',
      }).trim();
    expect(keys('/registry/stable.example.com/')).toBe('');
    expect(keys('/registry/apiextensions.k8s.io/')).toBe('');
  });
});
