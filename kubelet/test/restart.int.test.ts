// kill -9 of the kubelet: pods keep running and are adopted when it returns (no duplicates); a pod
// deleted while it was down has its containers removed. Also: podCIDR → a Docker network with that
// subnet, --require-pod-cidr (no sandboxes until the node has a podCIDR), and --hollow mode (kubemark).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomInt } from 'node:crypto';
import { R, type KubeObject } from '@minik8s/shared';
import { freePort, stopAll, waitFor } from '../../testing/procs';
import {
  cs,
  createPod,
  ctr,
  docker,
  getPod,
  kubeletGet,
  podContainers,
  podSpec,
  removeNodeContainers,
  startKubeletEnv,
  startNamedKubelet,
  waitPod,
  type KubeletEnv,
} from '../../testing/kubelet';

let env: KubeletEnv;
const subnet = `10.251.${randomInt(1, 250)}.0/24`;

beforeAll(async () => {
  env = await startKubeletEnv(['--pod-cidr', subnet]);
});

afterAll(async () => {
  await env?.cleanup();
  await stopAll();
});

describe('kubelet restarts', () => {
  it('pods get IPs from the podCIDR network, made before the first pod', async () => {
    await waitFor(
      'the pod network, with no pod yet',
      () => docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', `minik8s-${env.node}`]) === subnet,
    );
    await createPod(env, podSpec('keep', { containers: [ctr('c', 'exec sleep 3600')] }, env.node));
    await createPod(env, podSpec('gone', { containers: [ctr('c', 'exec sleep 3600')] }, env.node));
    const p = await waitPod(env, 'keep', 'Running', (x) => x.status?.phase === 'Running');
    await waitPod(env, 'gone', 'Running', (x) => x.status?.phase === 'Running');
    expect(p.status?.podIP?.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).toBe(true);
    expect(docker(['network', 'inspect', '-f', '{{(index .IPAM.Config 0).Subnet}}', `minik8s-${env.node}`])).toBe(subnet);
  });

  it('kill -9: pods keep running, are adopted (no duplicates); a pod deleted meanwhile is cleaned up', async () => {
    const keep = (await getPod(env, 'keep'))!;
    const gone = (await getPod(env, 'gone'))!;
    const before = podContainers(keep.metadata.uid!).sort();
    expect(before).toHaveLength(2);
    await env.kubelet.kill('SIGKILL');
    // While the kubelet is down: containers still run; a grace-0 delete removes the pod object at once.
    expect(podContainers(keep.metadata.uid!).sort()).toEqual(before);
    await env.client.resource(R.pods).delete('gone', { namespace: 'default', gracePeriodSeconds: 0 });
    await env.startKubelet();
    await waitFor('orphaned containers removed', () => podContainers(gone.metadata.uid!, true).length === 0, 30_000);
    // Adoption: same containers, none added, restart count unchanged.
    await new Promise((r) => setTimeout(r, 3000));
    expect(podContainers(keep.metadata.uid!, true).sort()).toEqual(before);
    const after = await waitPod(env, 'keep', 'Running', (x) => x.status?.phase === 'Running');
    expect(cs(after, 'c')?.restartCount).toBe(0);
    expect(cs(after, 'c')?.containerID).toBe(cs(keep, 'c')?.containerID);
    const listed = JSON.parse(await kubeletGet(env, '/pods')) as { items: KubeObject[] };
    expect(listed.items.map((i) => i.metadata.name)).toEqual(['keep']);
  });

  it('/stats/summary reports the node and its pods', async () => {
    const s = JSON.parse(await kubeletGet(env, '/stats/summary')) as {
      node: { nodeName: string; memory: { workingSetBytes: number } };
      pods: Array<{ podRef: { name: string }; containers: Array<{ name: string; memory: { workingSetBytes: number } }> }>;
    };
    expect(s.node.nodeName).toBe(env.node);
    expect(s.node.memory.workingSetBytes).toBeGreaterThan(0);
    const keep = s.pods.find((p) => p.podRef.name === 'keep');
    expect(keep?.containers[0].name).toBe('c');
    expect(keep?.containers[0].memory.workingSetBytes).toBeGreaterThan(0);
  });

  it('--hollow: registers a node and reports bound pods Running without containers', async () => {
    const port = await freePort();
    const name = `${env.node}-hollow`;
    await startNamedKubelet(env, name, ['--hollow', '--address', '127.0.0.1', '--port', String(port), '--capacity', 'cpu=4,memory=8Gi']);
    const node = (await env.client.resource(R.nodes).get(name)) as KubeObject & { status: { capacity: Record<string, string> } };
    expect(node.status.capacity.cpu).toBe('4');
    await createPod(env, podSpec('fake', { containers: [ctr('c', 'exit 1')] }, name));
    const p = await waitPod(env, 'fake', 'Running', (x) => x.status?.phase === 'Running');
    expect(p.status?.podIP).toBeTruthy();
    expect(podContainers(p.metadata.uid!, true)).toEqual([]);
    await env.client.resource(R.pods).delete('fake', { namespace: 'default' });
    await waitFor('hollow pod deleted', async () => (await getPod(env, 'fake')) === undefined);
  });

  it('a podCIDR that overlaps another Docker network falls back to the default network', async () => {
    const port = await freePort();
    const name = `${env.node}-overlap`;
    let kubelet: Awaited<ReturnType<typeof startNamedKubelet>> | undefined;
    try {
      kubelet = await startNamedKubelet(env, name, [
        '--address',
        '127.0.0.1',
        '--port',
        String(port),
        '--pod-cidr',
        subnet,
        '--root-dir',
        env.rootDir,
      ]);
      await createPod(env, podSpec('overlap', { containers: [ctr('c', 'exec sleep 3600')] }, name));
      const p = await waitPod(env, 'overlap', 'Running', (x) => x.status?.phase === 'Running' && !!x.status.podIP);
      expect(p.status?.podIP?.startsWith(subnet.split('.').slice(0, 3).join('.') + '.')).toBe(false);
    } finally {
      await kubelet?.kill();
      removeNodeContainers(name);
    }
  });

  it('--require-pod-cidr: node NotReady and pods wait (NetworkNotReady) until the node has a podCIDR, then run in it', async () => {
    const port = await freePort();
    const name = `${env.node}-nocidr`;
    const cidr = `10.252.${randomInt(1, 250)}.0/24`;
    type NodeObj = KubeObject & { status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } };
    const readyOf = async () =>
      ((await env.client.resource(R.nodes).get(name)) as NodeObj).status?.conditions?.find((c) => c.type === 'Ready');
    let kubelet: Awaited<ReturnType<typeof startNamedKubelet>> | undefined;
    try {
      kubelet = await startNamedKubelet(env, name, [
        '--address',
        '127.0.0.1',
        '--port',
        String(port),
        '--require-pod-cidr',
        '--sync-frequency',
        '2',
        '--root-dir',
        env.rootDir,
      ]);
      const notReady = await waitFor('node reports Ready=False', async () =>
        (await readyOf())?.status === 'False' ? readyOf() : undefined,
      );
      expect(notReady?.reason).toBe('KubeletNotReady');
      expect(notReady?.message).toMatch(/^container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady/);
      const created = await createPod(env, podSpec('waitnet', { containers: [ctr('c', 'exec sleep 3600')] }, name));
      await waitFor('NetworkNotReady event', async () => {
        const list = await env.client.resource(R.events).list({ namespace: 'default', fieldSelector: 'involvedObject.name=waitnet' });
        return (list.items as Array<KubeObject & { reason?: string; message?: string }>).some(
          (e) => e.reason === 'NetworkNotReady' && /^network is not ready: container runtime network not ready/.test(e.message ?? ''),
        );
      });
      const waiting = await waitPod(env, 'waitnet', 'ContainerCreating', (x) => cs(x, 'c')?.state?.waiting?.reason === 'ContainerCreating');
      expect(waiting.status?.phase).toBe('Pending');
      expect(waiting.status?.podIP).toBeUndefined();
      expect(podContainers(created.metadata.uid!, true)).toEqual([]);

      await env.client.resource(R.nodes).patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } }, 'merge');
      await waitFor('node Ready', async () => (await readyOf())?.status === 'True');
      const p = await waitPod(env, 'waitnet', 'Running', (x) => x.status?.phase === 'Running' && !!x.status.podIP);
      expect(p.status?.podIP?.startsWith(cidr.split('.').slice(0, 3).join('.') + '.')).toBe(true);
    } finally {
      await kubelet?.kill();
      removeNodeContainers(name);
    }
  });

  it('a missing pod sandbox image: ContainerCreating with a FailedCreatePodSandBox event, the kubelet stays up', async () => {
    const port = await freePort();
    const name = `${env.node}-nopause`;
    let kubelet: Awaited<ReturnType<typeof startNamedKubelet>> | undefined;
    try {
      kubelet = await startNamedKubelet(env, name, [
        '--address',
        '127.0.0.1',
        '--port',
        String(port),
        '--pod-infra-container-image',
        'minik8s/no-such-pause:0',
        '--root-dir',
        env.rootDir,
      ]);
      await createPod(env, podSpec('nopause', { containers: [ctr('c', 'exec sleep 3600')] }, name));
      const p = await waitPod(env, 'nopause', 'ContainerCreating', (x) => cs(x, 'c')?.state?.waiting?.reason === 'ContainerCreating');
      expect(p.status?.phase).toBe('Pending');
      await waitFor('FailedCreatePodSandBox event', async () => {
        const list = await env.client.resource(R.events).list({ namespace: 'default', fieldSelector: 'involvedObject.name=nopause' });
        return (list.items as Array<KubeObject & { reason?: string; message?: string }>).some(
          (e) => e.reason === 'FailedCreatePodSandBox' && /minik8s\/no-such-pause:0/.test(e.message ?? ''),
        );
      });
      expect((await fetch(kubelet.healthUrl)).ok).toBe(true);
    } finally {
      await kubelet?.kill();
      removeNodeContainers(name);
    }
  });
});
