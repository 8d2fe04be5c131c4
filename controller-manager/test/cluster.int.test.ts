// Endpoints, node lifecycle/IPAM, namespaces, service accounts, and a controller-manager kill -9
// mid-rollout, against a real apiserver + etcd with pods driven by FakeNodes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, type KubeObject } from '@minik8s/shared';
import { kubeletServing, stopAll, waitFor } from '../../testing/procs';
import { createNamespace, deployment, isReady, kubectl, startControllerManager, startRig, type Rig } from './cluster';

type Obj = KubeObject & { spec?: any; status?: any; subsets?: any; endpoints?: any; ports?: any };
let rig: Rig;

beforeAll(async () => {
  rig = await startRig(['node-a', 'node-b', 'node-c']);
}, 90_000);
afterAll(async () => {
  rig?.nodes.stop();
  await stopAll();
});

const pods = (ns: string, sel: string) =>
  rig.client
    .resource<Obj>(R.pods)
    .list({ namespace: ns, labelSelector: sel })
    .then((l) => l.items);
const live = (ps: Obj[]) => ps.filter((p) => !p.metadata.deletionTimestamp);

describe('leader election', () => {
  it('a second controller-manager stands by while the first holds the lease', async () => {
    const standby = await startControllerManager(rig.api.url);
    const leading = async (port: number) =>
      /leader_election_master_status\{name="kube-controller-manager"\} 1/.test(
        await (await fetch(`http://127.0.0.1:${port}/metrics`)).text(),
      );
    await new Promise((r) => setTimeout(r, 3000));
    expect(await leading(rig.cm.port)).toBe(true);
    expect(await leading(standby.port)).toBe(false);
    const lease = await rig.client.resource<Obj>(R.leases).get('kube-controller-manager', 'kube-system');
    expect(lease.spec.holderIdentity).toBeTruthy();
    await standby.kill('SIGTERM');
  });
});

describe('nodes', () => {
  it('gives every node its own pod CIDR', async () => {
    const cidrs = await waitFor('podCIDRs', async () => {
      const ns = (await rig.client.resource<Obj>(R.nodes).list()).items;
      return ns.every((n) => n.spec?.podCIDR) && ns.map((n) => [n.spec.podCIDR, n.spec.podCIDRs]);
    });
    expect(new Set(cidrs.map(([c]) => c)).size).toBe(3);
    for (const [c, cs] of cidrs) {
      expect(c).toMatch(/^10\.244\.\d+\.0\/24$/);
      expect(cs).toEqual([c]);
    }
  });
});

describe('namespaces', () => {
  it('every namespace gets a default ServiceAccount', async () => {
    await createNamespace(rig.client, 'sa1');
    await waitFor('default SA', () => rig.client.resource(R.serviceaccounts).get('default', 'sa1'));
  });

  it('deleting a namespace removes everything in it, then the namespace', async () => {
    await createNamespace(rig.client, 'doomed');
    await rig.client.resource<Obj>(R.deployments).create(deployment('app', 'doomed', 2, 'busybox:1'));
    await rig.client
      .resource<Obj>(R.configmaps)
      .create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'doomed' }, data: { a: 'b' } });
    await rig.client.resource<Obj>(R.services).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'app', namespace: 'doomed' },
      spec: { selector: { app: 'app' }, ports: [{ port: 80 }] },
    });
    await waitFor('2 ready pods', async () => live(await pods('doomed', 'app=app')).filter(isReady).length === 2, 30_000);
    const del = await kubectl(rig.env, ['delete', 'namespace', 'doomed', '--timeout=60s']);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(
      'namespace gone',
      async () => {
        try {
          await rig.client.resource(R.namespaces).get('doomed');
          return false;
        } catch (e) {
          return (e as { code?: number }).code === 404;
        }
      },
      60_000,
    );
    for (const r of [R.pods, R.replicasets, R.deployments, R.configmaps, R.services, R.endpoints, R.serviceaccounts]) {
      expect((await rig.client.resource(r).list({ namespace: 'doomed' })).items, r.resource).toEqual([]);
    }
  });
});

describe('endpoints', () => {
  it('Endpoints and EndpointSlices follow the ready and not-ready pods, with named target ports', async () => {
    await createNamespace(rig.client, 'ep1');
    rig.nodes.ready = (p) => p.metadata.labels?.ready !== 'no';
    await rig.client.resource<Obj>(R.services).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'ep1' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const rs = deployment('web', 'ep1', 2, 'busybox:1');
    await rig.client.resource<Obj>(R.deployments).create(rs);
    const notReady = { ...deployment('web-nr', 'ep1', 1, 'busybox:1') };
    notReady.spec.selector = { matchLabels: { app: 'web', ready: 'no' } };
    notReady.spec.template.metadata.labels = { app: 'web', ready: 'no' };
    await rig.client.resource<Obj>(R.deployments).create(notReady);
    const ep = await waitFor(
      'endpoints with 2 ready, 1 not ready',
      async () => {
        const e = await rig.client.resource<Obj>(R.endpoints).get('web', 'ep1');
        const s = e.subsets?.[0];
        return e.subsets?.length === 1 && s.addresses?.length === 2 && s.notReadyAddresses?.length === 1 && e;
      },
      30_000,
    );
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    for (const a of ep.subsets[0].addresses)
      expect(a).toMatchObject({
        ip: expect.any(String),
        nodeName: expect.stringMatching(/^node-/),
        targetRef: { kind: 'Pod', namespace: 'ep1' },
      });

    const slice = await waitFor(
      'endpointslice',
      async () => {
        const l = (
          await rig.client.resource<Obj>(R.endpointslices).list({ namespace: 'ep1', labelSelector: 'kubernetes.io/service-name=web' })
        ).items;
        return l.length === 1 && l[0].endpoints?.length === 3 && l[0];
      },
      30_000,
    );
    expect(slice.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBe('endpointslice-controller.k8s.io');
    expect(slice.addressType).toBe('IPv4');
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints.filter((e: { conditions: { ready: boolean } }) => e.conditions.ready)).toHaveLength(2);

    // Scale to 0: addresses go away.
    await rig.client.resource(R.deployments).patch('web', { spec: { replicas: 0 } }, 'merge', { namespace: 'ep1' });
    await waitFor(
      'no ready addresses',
      async () => {
        const e = await rig.client.resource<Obj>(R.endpoints).get('web', 'ep1');
        return (e.subsets ?? []).every((s: { addresses?: unknown[] }) => !s.addresses?.length);
      },
      30_000,
    );
    rig.nodes.ready = () => true;
    // The apiserver maintains default/kubernetes itself: we leave its Endpoints alone.
    const k = await rig.client
      .resource<Obj>(R.endpoints)
      .get('kubernetes', 'default')
      .catch(() => undefined);
    if (k) expect(k.metadata.labels?.['endpointslice.kubernetes.io/managed-by']).toBeUndefined();
  });
});

describe('DaemonSet', () => {
  it('runs one pod per matching node and rolls an update with kubectl rollout status', async () => {
    await createNamespace(rig.client, 'ds1');
    await rig.client.resource(R.nodes).patch('node-b', { metadata: { labels: { role: 'edge' } } }, 'merge');
    await rig.client.resource(R.nodes).patch('node-c', { metadata: { labels: { role: 'edge' } } }, 'merge');
    const dsc = rig.client.resource<Obj>(R.daemonsets);
    await dsc.create({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'agent', namespace: 'ds1' },
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: {
          metadata: { labels: { app: 'agent' } },
          spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'c', image: 'busybox:1' }] },
        },
      },
    });
    const st = await kubectl(rig.env, ['rollout', 'status', 'daemonset/agent', '-n', 'ds1', '--timeout=60s']);
    expect(st.code, st.stdout + st.stderr).toBe(0);
    const first = live(await pods('ds1', 'app=agent'));
    expect(first.map((p) => p.spec.nodeName).sort()).toEqual(['node-b', 'node-c']);
    const ds = await dsc.get('agent', 'ds1');
    expect(ds.status).toMatchObject({
      desiredNumberScheduled: 2,
      currentNumberScheduled: 2,
      numberReady: 2,
      updatedNumberScheduled: 2,
      numberAvailable: 2,
    });

    await dsc.patch('agent', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic', {
      namespace: 'ds1',
    });
    const st2 = await kubectl(rig.env, ['rollout', 'status', 'daemonset/agent', '-n', 'ds1', '--timeout=60s']);
    expect(st2.code, st2.stdout + st2.stderr).toBe(0);
    await waitFor(
      'updated pods on both nodes',
      async () => {
        const ps = live(await pods('ds1', 'app=agent'));
        return ps.length === 2 && ps.every((p) => p.spec.containers[0].image === 'busybox:2' && isReady(p));
      },
      30_000,
    );
    // A node leaving the selector loses its pod.
    await rig.client.resource(R.nodes).patch('node-b', { metadata: { labels: { role: null } } }, 'merge');
    await waitFor(
      'only node-c',
      async () => {
        const ps = live(await pods('ds1', 'app=agent'));
        return ps.length === 1 && ps[0].spec.nodeName === 'node-c';
      },
      30_000,
    );
  });
});

describe('StatefulSet', () => {
  it('creates pods in order with stable names, rolls an update highest first, scales down from the top', async () => {
    await createNamespace(rig.client, 'sts1');
    rig.nodes.readyDelayMs = 300;
    const sc = rig.client.resource<Obj>(R.statefulsets);
    await sc.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'sts1' },
      spec: {
        replicas: 3,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } },
      },
    });
    // Ordered: db-1 never exists before db-0 is ready, db-2 never before db-1.
    let outOfOrder = false;
    await waitFor(
      '3 ready pods',
      async () => {
        const ps = live(await pods('sts1', 'app=db'));
        const has = (n: string) => ps.find((p) => p.metadata.name === n);
        if ((has('db-1') && !isReady(has('db-0')!)) || (has('db-2') && !(has('db-1') && isReady(has('db-1')!)))) outOfOrder = true;
        return ps.length === 3 && ps.every(isReady);
      },
      30_000,
      50,
    );
    expect(outOfOrder).toBe(false);
    const ps = live(await pods('sts1', 'app=db'));
    expect(ps.map((p) => p.metadata.name).sort()).toEqual(['db-0', 'db-1', 'db-2']);
    expect(ps.find((p) => p.metadata.name === 'db-1')!.spec).toMatchObject({ hostname: 'db-1', subdomain: 'db' });
    expect((await kubectl(rig.env, ['rollout', 'status', 'statefulset/db', '-n', 'sts1', '--timeout=30s'])).code).toBe(0);

    await sc.patch('db', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic', {
      namespace: 'sts1',
    });
    const st = await kubectl(rig.env, ['rollout', 'status', 'statefulset/db', '-n', 'sts1', '--timeout=60s']);
    expect(st.code, st.stdout + st.stderr).toBe(0);
    // The apiserver defaults partition to 0, so kubectl reports a partitioned roll out, as upstream.
    expect(st.stdout).toContain('partitioned roll out complete: 3 new pods have been updated');
    expect(live(await pods('sts1', 'app=db')).every((p) => p.spec.containers[0].image === 'busybox:2')).toBe(true);
    const set = await sc.get('db', 'sts1');
    expect(set.status).toMatchObject({
      replicas: 3,
      readyReplicas: 3,
      updatedReplicas: 3,
      currentReplicas: 3,
      currentRevision: set.status.updateRevision,
    });

    await sc.patch('db', { spec: { replicas: 1 } }, 'merge', { namespace: 'sts1' });
    await waitFor(
      'only db-0 left',
      async () => {
        const cur = await pods('sts1', 'app=db');
        return cur.length === 1 && cur[0].metadata.name === 'db-0';
      },
      30_000,
    );
    rig.nodes.readyDelayMs = 0;
  });
});

describe('HorizontalPodAutoscaler', () => {
  /**
   * A stand-in for the kubelets' stats endpoint, every node pointing at it (HTTPS with a serving
   * certificate of the cluster CA, as the apiserver verifies kubelets): each pod of `ns` has one
   * container using `usage()`.
   */
  async function standInKubelets(ns: string, usage: () => { cores: number; bytes: number }): Promise<() => void> {
    const tls = await kubeletServing('stats-stand-in');
    const server = createServer({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }, (req, res) => {
      const u = () => ({ cpu: { usageNanoCores: usage().cores * 1e9 }, memory: { workingSetBytes: usage().bytes } });
      rig.client
        .resource<Obj>(R.pods)
        .list({ namespace: ns })
        .then(
          ({ items: ps }) => {
            res.setHeader('Content-Type', 'application/json');
            res.end(
              JSON.stringify({
                node: {},
                pods: ps.map((p) => ({
                  podRef: { name: p.metadata.name, namespace: ns, uid: p.metadata.uid },
                  containers: [{ name: 'c', ...u() }],
                  ...u(),
                })),
              }),
            );
          },
          (e: unknown) => res.writeHead(500).end(String(e)),
        );
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    for (const n of ['node-a', 'node-b', 'node-c']) {
      await rig.client
        .resource(R.nodes)
        .patch(n, { status: { daemonEndpoints: { kubeletEndpoint: { Port: port } } } }, 'merge', { subresource: 'status' });
    }
    return () => server.close();
  }

  /** An HPA on Deployment `name` with one Resource metric; resolves with the HPA once the Deployment has `replicas`. */
  async function autoscale(
    ns: string,
    name: string,
    metric: { name: string; target: Record<string, unknown> },
    maxReplicas: number,
    replicas: number,
  ): Promise<Obj> {
    await rig.client.resource<Obj>(R.horizontalpodautoscalers).create({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name, namespace: ns },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 1,
        maxReplicas,
        metrics: [{ type: 'Resource', resource: metric }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      },
    });
    return waitFor(
      `scaled to ${replicas}`,
      async () => {
        const h = await rig.client.resource<Obj>(R.horizontalpodautoscalers).get(name, ns);
        const dep = await rig.client.resource<Obj>(R.deployments).get(name, ns);
        return dep.spec.replicas === replicas && h.status?.currentMetrics?.length && h;
      },
      30_000,
    );
  }

  const rescales = async (ns: string) =>
    (await rig.client.resource<Obj>(R.events).list({ namespace: ns })).items
      .filter((e) => e.reason === 'SuccessfulRescale')
      .map((e) => e.message);

  it("scales a Deployment on CPU utilization read from metrics.k8s.io (the apiserver scrapes the kubelets' /stats/summary)", async () => {
    await createNamespace(rig.client, 'hpa1');
    let cores = 0.2;
    const close = await standInKubelets('hpa1', () => ({ cores, bytes: 1e6 }));
    try {
      const d = deployment('web', 'hpa1', 1, 'busybox:1');
      d.spec.template.spec.containers[0].resources = { requests: { cpu: '100m' } };
      await rig.client.resource<Obj>(R.deployments).create(d);
      // 200 % of the request against a 50 % target: 4× the pods, capped at maxReplicas 4.
      const hot = await autoscale('hpa1', 'web', { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } }, 4, 4);
      expect(hot.status.currentMetrics[0].resource).toMatchObject({ name: 'cpu', current: { averageUtilization: 200 } });
      expect(hot.status.conditions.find((c: { type: string }) => c.type === 'ScalingActive')).toMatchObject({
        status: 'True',
        reason: 'ValidMetricFound',
      });
      await waitFor('4 running pods', async () => live(await pods('hpa1', 'app=web')).filter(isReady).length === 4, 30_000);
      cores = 0.005;
      await waitFor(
        'scaled back to 1',
        async () => (await rig.client.resource<Obj>(R.deployments).get('web', 'hpa1')).spec.replicas === 1,
        30_000,
      );
      expect(await rescales('hpa1')).toContain('New size: 4; reason: cpu resource utilization (percentage of request) above target');
    } finally {
      close();
    }
  });

  it('scales on memory: an averageValue target against the working set the kubelets report', async () => {
    await createNamespace(rig.client, 'hpa2');
    const close = await standInKubelets('hpa2', () => ({ cores: 0.001, bytes: 96 * 2 ** 20 }));
    try {
      await rig.client.resource<Obj>(R.deployments).create(deployment('mem', 'hpa2', 1, 'busybox:1'));
      // 96Mi per pod against 32Mi: 3× the pods.
      const hot = await autoscale('hpa2', 'mem', { name: 'memory', target: { type: 'AverageValue', averageValue: '32Mi' } }, 5, 3);
      expect(hot.status.currentMetrics[0].resource).toEqual({ name: 'memory', current: { averageValue: String(96 * 2 ** 20) } });
      expect(await rescales('hpa2')).toContain('New size: 3; reason: memory resource above target');
    } finally {
      close();
    }
  });
});

describe('node failure', () => {
  it('a node whose lease stops goes Unknown, is tainted, and its pods are recreated elsewhere', async () => {
    await createNamespace(rig.client, 'nf1');
    await rig.client.resource<Obj>(R.deployments).create(deployment('app', 'nf1', 3, 'busybox:1'));
    await waitFor('3 ready pods', async () => live(await pods('nf1', 'app=app')).filter(isReady).length === 3, 30_000);
    const victims = live(await pods('nf1', 'app=app'))
      .filter((p) => p.spec.nodeName === 'node-c')
      .map((p) => p.metadata.name);
    expect(victims.length).toBeGreaterThan(0);
    rig.nodes.kill('node-c');
    const node = await waitFor(
      'node-c Unknown and tainted',
      async () => {
        const n = await rig.client.resource<Obj>(R.nodes).get('node-c');
        const ready = n.status.conditions.find((c: { type: string }) => c.type === 'Ready');
        return (
          ready?.status === 'Unknown' &&
          (n.spec.taints ?? []).some(
            (t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
          ) &&
          n
        );
      },
      30_000,
    );
    expect(node.status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
    });
    await waitFor(
      'pods evicted and replaced on live nodes',
      async () => {
        const ps = await pods('nf1', 'app=app');
        const gone = victims.every(
          (v) => ps.find((p) => p.metadata.name === v)?.metadata.deletionTimestamp || !ps.some((p) => p.metadata.name === v),
        );
        const alive = live(ps).filter((p) => p.spec.nodeName !== 'node-c' && isReady(p));
        return gone && alive.length === 3;
      },
      45_000,
    );
    // Heartbeats resume: Ready again (as the kubelet reports it) and the taints go away.
    rig.nodes.dead.delete('node-c');
    await rig.client.resource(R.nodes).patch(
      'node-c',
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              lastHeartbeatTime: new Date().toISOString(),
              lastTransitionTime: new Date().toISOString(),
            },
          ],
        },
      },
      'merge',
      { subresource: 'status' },
    );
    await waitFor(
      'taints removed',
      async () => !((await rig.client.resource<Obj>(R.nodes).get('node-c')).spec.taints ?? []).length,
      30_000,
    );
  });
});

describe('controller-manager restart', () => {
  it('kill -9 mid-rollout: after restart exactly the desired pods, rollout completes', async () => {
    await createNamespace(rig.client, 'k9');
    rig.nodes.readyDelayMs = 400;
    const dc = rig.client.resource<Obj>(R.deployments);
    await dc.create(deployment('app', 'k9', 6, 'busybox:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2, maxUnavailable: 1 } }));
    expect((await kubectl(rig.env, ['rollout', 'status', 'deployment/app', '-n', 'k9', '--timeout=60s'])).code).toBe(0);
    await dc.patch('app', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } } }, 'strategic', {
      namespace: 'k9',
    });
    await waitFor(
      'rollout under way',
      async () => live(await pods('k9', 'app=app')).some((p) => p.spec.containers[0].image === 'busybox:2'),
      30_000,
    );
    await rig.cm.kill('SIGKILL');
    // Across the restart the pod count never exceeds replicas + maxSurge.
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, live(await pods('k9', 'app=app')).length);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    rig.cm = await startControllerManager(rig.api.url);
    const st = await kubectl(rig.env, ['rollout', 'status', 'deployment/app', '-n', 'k9', '--timeout=90s']);
    sampling = false;
    await sampler;
    expect(st.code, st.stdout + st.stderr).toBe(0);
    expect(most).toBeLessThanOrEqual(8);
    await waitFor(
      'exactly 6 new pods',
      async () => {
        const ps = live(await pods('k9', 'app=app'));
        return ps.length === 6 && ps.every((p) => p.spec.containers[0].image === 'busybox:2' && isReady(p));
      },
      30_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(live(await pods('k9', 'app=app'))).toHaveLength(6);
    const rss = (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'k9' })).items;
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 6]);
    rig.nodes.readyDelayMs = 0;
  });
});
