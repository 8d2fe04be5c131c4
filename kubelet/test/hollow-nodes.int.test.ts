// kubelet/dist/hollow-nodes.js: several hollow nodes in one process, each registered with its own
// kubelet port, running its bound pods through the kubelet's pod workers over the in-memory runtime
// (init containers first, the kubelet's Events, Running) and confirming their graceful deletion; their API
// authorized by the apiserver (--authorization-mode Webhook).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ApiClient, R, isNodeReady, type KubeObject, type Node, type Pod } from '@minik8s/shared';
import {
  REPO,
  kubeconfigFile,
  kubeletArgs,
  startApiserver,
  startProcess,
  stopAll,
  tlsFetch,
  waitFor,
  type Apiserver,
  type Proc,
} from '../../testing/procs';

let api: Apiserver;
let client: ApiClient;
let proc: Proc;
const names = ['hn-000', 'hn-001', 'hn-002'];

beforeAll(async () => {
  api = await startApiserver();
  client = new ApiClient(api.admin);
  // One process speaks for three nodes, so it cannot use one node's identity (NodeRestriction lets
  // system:node:hn write only Node "hn"): like kubemark's hollow nodes, a user of its own, later flags
  // winning — in system:masters, as no RBAC role covers three nodes' writes.
  proc = startProcess('hollow-nodes', process.execPath, [
    join(REPO, 'kubelet', 'dist', 'hollow-nodes.js'),
    '--count',
    '3',
    ...(await kubeletArgs(api.url, 'hn')).args,
    '--kubeconfig',
    await kubeconfigFile(api.url, { user: 'kubemark', groups: ['system:masters'] }),
    '--hostname-override',
    'hn',
    '--address',
    '127.0.0.1',
    '--capacity',
    'cpu=2,memory=4Gi',
    '--authorization-mode',
    'Webhook',
  ]);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

describe('hollow-nodes', () => {
  it('registers every node Ready with its capacity, each on its own kubelet port', async () => {
    const nodes = await waitFor(
      '3 Ready hollow nodes',
      async () => {
        const l = (await client.resource<Node>(R.nodes).list()).items.filter((n) => names.includes(n.metadata.name!) && isNodeReady(n));
        return l.length === 3 ? l : undefined;
      },
      60_000,
    );
    expect(nodes.map((n) => n.status?.capacity?.cpu)).toEqual(['2', '2', '2']);
    const ports = nodes.map((n) => n.status!.daemonEndpoints!.kubeletEndpoint!.Port);
    expect(new Set(ports).size).toBe(3);
    for (const [i, port] of ports.entries()) {
      const res = await tlsFetch(`https://127.0.0.1:${port}/pods`);
      expect(res.ok, `${nodes[i].metadata.name} /pods`).toBe(true);
    }
    // each node's first Lease is written by its own heartbeat loop, which may trail its Ready status
    const leased = await waitFor(
      'a Lease for each hollow node',
      async () => {
        const l = (await client.resource(R.leases).list({ namespace: 'kube-node-lease' })).items
          .map((x) => x.metadata.name!)
          .filter((n) => names.includes(n))
          .sort();
        return l.length === names.length ? l : undefined;
      },
      30_000,
    );
    expect(leased).toEqual(names);
  });

  it('its API in Webhook mode: a TokenReview and a SubjectAccessReview to the apiserver for each caller; no credentials, no answer', async () => {
    const node = await client.resource<Node>(R.nodes).get('hn-002');
    const url = `https://127.0.0.1:${node.status!.daemonEndpoints!.kubeletEndpoint!.Port}/pods`;
    // the apiserver's SubjectAccessReview (Node,RBAC): the admin may; the ServiceAccount may not until it
    // is bound to system:kubelet-api-admin (nodes/proxy) — a second account, as the kubelet caches denials
    const token = async (sa: string) => {
      await client.request('POST', '/api/v1/namespaces/default/serviceaccounts', {
        body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa } },
      });
      const r = await client.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, {
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
      });
      return { headers: { authorization: `Bearer ${r.status.token}` } };
    };
    expect((await tlsFetch(url)).status).toBe(200);
    expect((await tlsFetch(url, await token('kubelet-reader'), null)).status).toBe(403);
    await client.request('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
      body: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'kubelet-api' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:kubelet-api-admin' },
        subjects: [{ kind: 'ServiceAccount', name: 'kubelet-api', namespace: 'default' }],
      },
    });
    const bound = await token('kubelet-api');
    await waitFor('the bound ServiceAccount allowed', async () => (await tlsFetch(url, bound, null)).status === 200 || undefined, 10_000);
    expect((await tlsFetch(url, {}, null)).status).toBe(401);
    expect((await tlsFetch(url, { headers: { authorization: 'Bearer not-a-token' } }, null)).status).toBe(401);
  });

  it('runs a pod bound to one of its nodes through the pod workers: init container, Events, Running; confirms its graceful deletion', async () => {
    const pods = client.resource<Pod>(R.pods);
    await pods.create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'fake' },
        spec: {
          nodeName: 'hn-001',
          initContainers: [{ name: 'init', image: 'minik8s/busybox:1.36' }],
          containers: [{ name: 'c', image: 'minik8s/pause:3.10' }],
        },
      },
      { namespace: 'default' },
    );
    const p = await waitFor('pod Running', async () => {
      const x = await pods.get('fake', 'default');
      return x.status?.phase === 'Running' ? x : undefined;
    });
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: true, containerID: expect.stringMatching(/^fake:\/\//) });
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const events = await waitFor("the kubelet's Events", async () => {
      const l = (
        await client
          .resource<KubeObject & { reason?: string; source?: { component?: string; host?: string } }>(R.events)
          .list({ namespace: 'default' })
      ).items.filter((e) => e.source?.component === 'kubelet' && e.source.host === 'hn-001');
      return l.filter((e) => e.reason === 'Started').length === 2 ? l : undefined;
    });
    expect(events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Pulling', 'Pulled', 'Created', 'Started']));
    await pods.delete('fake', { namespace: 'default', gracePeriodSeconds: 30 });
    await waitFor('pod gone', async () => (await pods.list({ namespace: 'default' })).items.length === 0);
    expect(proc.child.exitCode).toBeNull();
  });
});
