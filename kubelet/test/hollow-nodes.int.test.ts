// kubelet/dist/hollow-nodes.js: several hollow nodes in one process, each registered with its own
// kubelet port, reporting its bound pods Running and confirming their graceful deletion.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ApiClient, R, type core, type KubeObject } from '@minik8s/shared';
import { REPO, kubeletArgs, startApiserver, startProcess, stopAll, tlsFetch, waitFor, type Apiserver, type Proc } from '../../testing/procs';

type Node = core.Node & KubeObject;
type Pod = core.Pod & KubeObject;
let api: Apiserver;
let client: ApiClient;
let proc: Proc;
const names = ['hn-000', 'hn-001', 'hn-002'];

beforeAll(async () => {
  api = await startApiserver();
  client = new ApiClient(api.admin);
  proc = startProcess('hollow-nodes', process.execPath, [join(REPO, 'kubelet', 'dist', 'hollow-nodes.js'), '--count', '3', ...(await kubeletArgs(api.url, 'hn')).args, '--hostname-override', 'hn', '--address', '127.0.0.1', '--capacity', 'cpu=2,memory=4Gi']);
});

afterAll(async () => {
  client?.close();
  await stopAll();
});

const ready = (n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

describe('hollow-nodes', () => {
  it('registers every node Ready with its capacity, each on its own kubelet port', async () => {
    const nodes = await waitFor('3 Ready hollow nodes', async () => {
      const l = (await client.resource<Node>(R.nodes).list()).items.filter((n) => names.includes(n.metadata.name!) && ready(n));
      return l.length === 3 ? l : undefined;
    }, 60_000);
    expect(nodes.map((n) => n.status?.capacity?.cpu)).toEqual(['2', '2', '2']);
    const ports = nodes.map((n) => n.status!.daemonEndpoints!.kubeletEndpoint!.Port);
    expect(new Set(ports).size).toBe(3);
    for (const [i, port] of ports.entries()) {
      const res = await tlsFetch(`https://127.0.0.1:${port}/pods`);
      expect(res.ok, `${nodes[i].metadata.name} /pods`).toBe(true);
    }
    // each node's first Lease is written by its own heartbeat loop, which may trail its Ready status
    const leased = await waitFor('a Lease for each hollow node', async () => {
      const l = (await client.resource(R.leases).list({ namespace: 'kube-node-lease' })).items.map((x) => x.metadata.name!).filter((n) => names.includes(n)).sort();
      return l.length === names.length ? l : undefined;
    }, 30_000);
    expect(leased).toEqual(names);
  });

  it('reports a pod bound to one of its nodes Running, and confirms its graceful deletion', async () => {
    const pods = client.resource<Pod>(R.pods);
    await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fake' }, spec: { nodeName: 'hn-001', containers: [{ name: 'c', image: 'minik8s/pause:3.10' }] } } as Pod, { namespace: 'default' });
    const p = await waitFor('pod Running', async () => {
      const x = await pods.get('fake', 'default');
      return x.status?.phase === 'Running' ? x : undefined;
    });
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(p.status?.containerStatuses?.[0]?.ready).toBe(true);
    await pods.delete('fake', { namespace: 'default', gracePeriodSeconds: 30 });
    await waitFor('pod gone', async () => (await pods.list({ namespace: 'default' })).items.length === 0);
    expect(proc.child.exitCode).toBeNull();
  });
});
