// Pod Security admission, the Node authorizer and NodeRestriction on real parts: the harness apiserver (the
// cluster's admission configuration: enforce baseline, warn restricted, kube-system exempt) driven by the
// real kubectl, and a second apiserver on the same etcd authorizing with `--authorization-mode Node` only,
// asked with a kubelet's client certificate (system:node:n1 in system:nodes) from the harness PKI.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realKubectl, type RealKubectl } from '../../testing/kubectl';
import {
  REPO,
  apiserverArgs,
  freePort,
  startApiserver,
  startProcess,
  stopAll,
  tlsFetch,
  waitFor,
  type Apiserver,
} from '../../testing/procs';
import { call } from './helpers';

let api: Apiserver;
let kubectl: RealKubectl;

beforeAll(async () => {
  api = await startApiserver();
  kubectl = await realKubectl(api);
});
afterAll(stopAll);

const podYaml = (name: string, namespace: string, spec: string) => `apiVersion: v1
kind: Pod
metadata: { name: ${name}, namespace: ${namespace} }
spec:
${spec}`;

describe('PodSecurity (enforce baseline, warn restricted)', () => {
  beforeAll(async () => {
    await kubectl.ok('create', 'namespace', 'psa');
  });

  it.each([
    [
      'privileged',
      `  containers: [{ name: c, image: busybox:1.36, securityContext: { privileged: true } }]`,
      'privileged (container "c" must not set securityContext.privileged=true)',
    ],
    [
      'hostpath',
      `  containers: [{ name: c, image: busybox:1.36 }]\n  volumes: [{ name: root, hostPath: { path: / } }]`,
      'hostPath volumes (volume "root")',
    ],
    ['hostnet', `  hostNetwork: true\n  containers: [{ name: c, image: busybox:1.36 }]`, 'host namespaces (hostNetwork)'],
    ['hostpid', `  hostPID: true\n  containers: [{ name: c, image: busybox:1.36 }]`, 'host namespaces (hostPID)'],
    [
      'caps',
      `  containers: [{ name: c, image: busybox:1.36, securityContext: { capabilities: { add: [NET_ADMIN, SYS_ADMIN] } } }]`,
      'non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
    ],
  ])('a %s pod is refused with the PodSecurity message', async (name, spec, violation) => {
    const r = await kubectl.run(['apply', '-f', kubectl.file(`${name}.yaml`, podYaml(name, 'psa', spec))]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`pods "${name}" is forbidden: violates PodSecurity "baseline:latest": ${violation}`);
    expect((await kubectl.run(['get', 'pod', name, '-n', 'psa'])).code).not.toBe(0);
  });

  it('a baseline pod is admitted, and kubectl prints the restricted warning', async () => {
    const r = await kubectl.run(['run', 'plain', '-n', 'psa', '--image', 'busybox:1.36', '--restart', 'Never']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "plain" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "plain" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "plain" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "plain" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('kube-system is exempt', async () => {
    const spec = `  hostNetwork: true\n  containers: [{ name: c, image: busybox:1.36, securityContext: { privileged: true } }]`;
    const r = await kubectl.run(['apply', '-f', kubectl.file('sys.yaml', podYaml('sys', 'kube-system', spec))]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('PodSecurity');
  });

  it('a workload template is warned about, not refused', async () => {
    const r = await kubectl.run(['create', 'deployment', 'web', '-n', 'psa', '--image', 'busybox:1.36']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "busybox"',
    );
  });

  it('namespace labels: a stricter enforce level warns about existing pods; a bad value is refused', async () => {
    const r = await kubectl.run(['label', 'namespace', 'psa', 'pod-security.kubernetes.io/enforce=restricted']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: existing pods in namespace "psa" violate the new PodSecurity enforce level "restricted:latest"');
    expect(r.stderr).toContain(
      'Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile',
    );
    const bad = await kubectl.run(['label', '--overwrite', 'namespace', 'psa', 'pod-security.kubernetes.io/enforce=strict']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(
      'Namespace "psa" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Unsupported value: "strict": supported values: "privileged", "baseline", "restricted"',
    );
    // a privileged namespace admits what baseline refuses
    await kubectl.ok('label', '--overwrite', 'namespace', 'psa', 'pod-security.kubernetes.io/enforce=privileged');
    const spec = `  containers: [{ name: c, image: busybox:1.36, securityContext: { privileged: true } }]`;
    await kubectl.ok('apply', '-f', kubectl.file('priv2.yaml', podYaml('priv2', 'psa', spec)));
  });
});

describe('Node authorizer and NodeRestriction (a kubelet identity)', () => {
  let nodeUrl: string;
  const n1 = 'node:n1' as const;
  const admin = (method: string, path: string, body?: unknown) => call(api.url, method, path, body);
  const asNode = (method: string, path: string, body?: unknown, ct = 'application/json') => call(nodeUrl, method, path, body, ct, {}, n1);
  const merge = 'application/merge-patch+json';

  beforeAll(async () => {
    const port = await freePort();
    nodeUrl = `https://127.0.0.1:${port}`;
    startProcess('apiserver-node-authz', process.execPath, [
      join(REPO, 'apiserver', 'dist', 'main.js'),
      ...(await apiserverArgs(api.etcd, '127.0.0.1', port)),
      '--authorization-mode',
      'Node',
    ]);
    // under Node alone nobody may read /healthz (a non-resource path): wait for its 403
    await waitFor('the Node-authorizing apiserver', async () => (await tlsFetch(`${nodeUrl}/healthz`, {}, n1)).status === 403, 30_000);
    for (const name of ['n1', 'n2'])
      expect((await admin('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } })).code).toBe(201);
    expect((await admin('POST', '/api/v1/namespaces', { metadata: { name: 'nodes' } })).code).toBe(201);
    expect((await admin('POST', '/api/v1/namespaces/nodes/serviceaccounts', { metadata: { name: 'runner' } })).code).toBe(201);
    for (const name of ['mine', 'theirs', 'unrelated'])
      expect((await admin('POST', '/api/v1/namespaces/nodes/secrets', { metadata: { name }, stringData: { k: name } })).code).toBe(201);
    const bound = (name: string, node: string, secret: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: {
        nodeName: node,
        serviceAccountName: 'runner',
        automountServiceAccountToken: false,
        containers: [{ name: 'c', image: 'busybox:1.36', volumeMounts: [{ name: 's', mountPath: '/s' }] }],
        volumes: [{ name: 's', secret: { secretName: secret } }],
      },
    });
    expect((await admin('POST', '/api/v1/namespaces/nodes/pods', bound('bound', 'n1', 'mine'))).code).toBe(201);
    expect((await admin('POST', '/api/v1/namespaces/nodes/pods', bound('other', 'n2', 'theirs'))).code).toBe(201);
    // the node apiserver's graph follows its watch caches
    await waitFor(
      'the graph to see pod "bound"',
      async () => (await asNode('GET', '/api/v1/namespaces/nodes/secrets/mine')).code === 200,
      30_000,
    );
  });

  it('reads a Secret a pod bound to it references, and no other', async () => {
    expect((await asNode('GET', '/api/v1/namespaces/nodes/secrets/mine')).body.data.k).toBe(Buffer.from('mine').toString('base64'));
    for (const name of ['theirs', 'unrelated']) {
      const r = await asNode('GET', `/api/v1/namespaces/nodes/secrets/${name}`);
      expect(r.code).toBe(403);
      expect(r.body.message).toBe(
        `secrets "${name}" is forbidden: User "system:node:n1" cannot get resource "secrets" in API group "" in the namespace "nodes": no relationship found between node 'n1' and this object`,
      );
    }
    expect((await asNode('GET', '/api/v1/namespaces/nodes/secrets')).code).toBe(403);
  });

  it('cannot patch another node; may patch its own', async () => {
    const other = await asNode('PATCH', '/api/v1/nodes/n2', { metadata: { labels: { x: 'y' } } }, merge);
    expect(other.code).toBe(403);
    expect(other.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    const status = await asNode('PATCH', '/api/v1/nodes/n2/status', { status: { phase: 'Running' } }, merge);
    expect(status.body.message).toBe('nodes "n2" is forbidden: node "n1" is not allowed to modify node "n2"');
    expect((await asNode('PATCH', '/api/v1/nodes/n1', { metadata: { labels: { x: 'y' } } }, merge)).code).toBe(200);
    const restricted = await asNode(
      'PATCH',
      '/api/v1/nodes/n1',
      { metadata: { labels: { 'node-restriction.kubernetes.io/pci': 'yes' } } },
      merge,
    );
    expect(restricted.body.message).toBe('nodes "n1" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci');
  });

  it('cannot touch a pod not bound to it; updates the status of its own', async () => {
    const status = await asNode('PATCH', '/api/v1/namespaces/nodes/pods/other/status', { status: { message: 'x' } }, merge);
    expect(status.code).toBe(403);
    expect(status.body.message).toBe(
      'pods "other" is forbidden: node "n1" can only update pod status for pods with spec.nodeName set to itself',
    );
    const del = await asNode('DELETE', '/api/v1/namespaces/nodes/pods/other');
    expect(del.code).toBe(403);
    expect(del.body.message).toBe('pods "other" is forbidden: node "n1" can only delete pods with spec.nodeName set to itself');
    const patch = await asNode('PATCH', '/api/v1/namespaces/nodes/pods/other', { metadata: { labels: { x: 'y' } } }, merge);
    expect(patch.body.message).toBe(
      'pods "other" is forbidden: User "system:node:n1" cannot patch resource "pods" in API group "" in the namespace "nodes"',
    );
    const evict = await asNode('POST', '/api/v1/namespaces/nodes/pods/other/eviction', {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'other' },
    });
    expect(evict.body.message).toBe('pods "other" is forbidden: node n1 can only evict pods with spec.nodeName set to itself');
    expect((await admin('GET', '/api/v1/namespaces/nodes/pods/other')).code).toBe(200);
    expect((await asNode('PATCH', '/api/v1/namespaces/nodes/pods/bound/status', { status: { message: 'mine' } }, merge)).code).toBe(200);
  });

  it('creates tokens only for the ServiceAccount of a pod bound to it, bound to that pod', async () => {
    const pod = (await admin('GET', '/api/v1/namespaces/nodes/pods/bound')).body;
    const tr = (name: string, uid: string) => ({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid } },
    });
    const ok = await asNode('POST', '/api/v1/namespaces/nodes/serviceaccounts/runner/token', tr('bound', pod.metadata.uid));
    expect(ok.code, JSON.stringify(ok.body)).toBe(201);
    const otherPod = (await admin('GET', '/api/v1/namespaces/nodes/pods/other')).body;
    const elsewhere = await asNode('POST', '/api/v1/namespaces/nodes/serviceaccounts/runner/token', tr('other', otherPod.metadata.uid));
    expect(elsewhere.body.message).toBe(
      'serviceaccounts "runner" is forbidden: node requested token bound to a pod scheduled on a different node',
    );
  });
});
