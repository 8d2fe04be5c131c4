// Real etcd + apiserver + scheduler; Node objects created directly (no kubelet needed for placement).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, milliValue, parseQuantity, type ApiClient } from '@minik8s/shared';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startApiserver, stopAll, tempDir, waitFor } from '../../testing/procs';
import {
  clientFor,
  createNode,
  createPod,
  ensureNamespace,
  failedSchedulingMessage,
  podSpec,
  startScheduler,
  waitBound,
  type Node,
  type Pod,
} from './cluster';

let c: ApiClient;
let server: string;
let schedPort: number;
const NS = 'default';

beforeAll(async () => {
  const api = await startApiserver();
  server = api.url;
  c = clientFor(api.url);
  await createNode(c, 'small', '1', '2Gi');
  await createNode(c, 'medium', '2', '4Gi');
  await createNode(c, 'large', '4', '8Gi', { labels: { disk: 'ssd' } });
  schedPort = (await startScheduler(api.url)).port;
});

afterAll(stopAll);

describe('scheduler placement', () => {
  it('places 20 pods with requests on three nodes of different sizes without overcommit', async () => {
    for (let i = 0; i < 20; i++) await createPod(c, NS, podSpec(`fill-${i}`, '300m', '256Mi', {}, { app: 'fill' }));
    await waitFor(
      '20 pods bound',
      async () => {
        const pods = await c.resource<Pod>(R.pods).list({ namespace: NS, labelSelector: 'app=fill' });
        return pods.items.filter((p) => p.spec?.nodeName).length === 20 || undefined;
      },
      90_000,
      300,
    );
    const pods = (await c.resource<Pod>(R.pods).list({ namespace: NS })).items;
    const nodes = (await c.resource<Node>(R.nodes).list()).items;
    const used = new Map<string, { cpu: number; memory: number }>();
    for (const p of pods) {
      const u = used.get(p.spec!.nodeName!) ?? { cpu: 0, memory: 0 };
      u.cpu += milliValue(p.spec!.containers[0].resources!.requests!.cpu);
      u.memory += parseQuantity(p.spec!.containers[0].resources!.requests!.memory);
      used.set(p.spec!.nodeName!, u);
    }
    for (const n of nodes) {
      const u = used.get(n.metadata.name!) ?? { cpu: 0, memory: 0 };
      expect(u.cpu, `cpu on ${n.metadata.name}`).toBeLessThanOrEqual(milliValue(n.status!.allocatable!.cpu));
      expect(u.memory, `memory on ${n.metadata.name}`).toBeLessThanOrEqual(parseQuantity(n.status!.allocatable!.memory));
    }
    expect(used.size).toBe(3); // least-allocated spreads them over every node
    const ev = await c.resource(R.events).list({ namespace: NS, fieldSelector: 'involvedObject.name=fill-0' });
    expect(ev.items.map((e) => (e as { message?: string }).message)).toContainEqual(
      expect.stringMatching(/^Successfully assigned default\/fill-0 to (small|medium|large)$/),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${schedPort}/metrics`)).text();
    const scheduled = /^scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} (\d+)$/m.exec(metrics);
    expect(Number(scheduled?.[1])).toBeGreaterThanOrEqual(20);
  });

  it('keeps a pod too large for every node Pending with the reasons, and schedules it when a big node appears', async () => {
    await createPod(c, NS, podSpec('huge', '16', '1Gi'));
    const msg = await failedSchedulingMessage(c, NS, 'huge', /Insufficient cpu/);
    expect(msg).toBe(
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
    const cond = await waitFor('PodScheduled=False on huge', async () => {
      const pod = await c.resource<Pod>(R.pods).get('huge', NS);
      expect(pod.spec?.nodeName).toBeFalsy();
      return pod.status?.conditions?.find((x) => x.type === 'PodScheduled');
    });
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: msg });
    await createNode(c, 'xl', '32', '64Gi');
    expect(await waitBound(c, NS, 'huge')).toBe('xl');
  });

  it('respects nodeSelector and taints/tolerations', async () => {
    await createNode(c, 'infra', '8', '16Gi', {
      labels: { role: 'infra' },
      taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }],
    });
    await createPod(c, NS, podSpec('on-ssd', '100m', '64Mi', { nodeSelector: { disk: 'ssd' } }));
    expect(await waitBound(c, NS, 'on-ssd')).toBe('large');
    await createPod(
      c,
      NS,
      podSpec('tolerant', '100m', '64Mi', {
        nodeSelector: { role: 'infra' },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }],
      }),
    );
    expect(await waitBound(c, NS, 'tolerant')).toBe('infra');
    await createPod(c, NS, podSpec('intolerant', '100m', '64Mi', { nodeSelector: { role: 'infra' } }));
    const msg = await failedSchedulingMessage(c, NS, 'intolerant', /untolerated taint/);
    expect(msg).toBe(
      "0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, 4 node(s) didn't match Pod's node affinity/selector. " +
        'preemption: 0/5 nodes are available: 5 Preemption is not helpful for scheduling.',
    );
    // Many pods without the toleration never land on the tainted node.
    for (let i = 0; i < 5; i++) await createPod(c, NS, podSpec(`plain-${i}`, '10m', '16Mi'));
    for (let i = 0; i < 5; i++) expect(await waitBound(c, NS, `plain-${i}`)).not.toBe('infra');
  });

  it('respects required pod anti-affinity on kubernetes.io/hostname', async () => {
    await ensureNamespace(c, 'ha');
    await createNode(c, 'ha-1', '2', '4Gi', { labels: { pool: 'ha' } });
    await createNode(c, 'ha-2', '2', '4Gi', { labels: { pool: 'ha' } });
    const spec = {
      nodeSelector: { pool: 'ha' },
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } },
          ],
        },
      },
    };
    for (let i = 0; i < 3; i++) await createPod(c, 'ha', podSpec(`db-${i}`, '100m', '64Mi', spec, { app: 'db' }));
    const placed = await waitFor(
      'two db pods bound',
      async () => {
        const pods = (await c.resource<Pod>(R.pods).list({ namespace: 'ha' })).items.filter((p) => p.spec?.nodeName);
        return pods.length === 2 ? pods : undefined;
      },
      60_000,
      300,
    );
    expect(new Set(placed.map((p) => p.spec!.nodeName))).toEqual(new Set(['ha-1', 'ha-2']));
    const pending = (await c.resource<Pod>(R.pods).list({ namespace: 'ha' })).items.find((p) => !p.spec?.nodeName)!;
    const msg = await failedSchedulingMessage(c, 'ha', pending.metadata.name!, /anti-affinity/);
    expect(msg).toMatch(/^0\/7 nodes are available: .*2 node\(s\) didn't match pod anti-affinity rules/);
    // Deleting one of the placed pods frees its node for the pending one.
    await c.resource(R.pods).delete(placed[0].metadata.name!, { namespace: 'ha', gracePeriodSeconds: 0 });
    expect(await waitBound(c, 'ha', pending.metadata.name!)).toBe(placed[0].spec!.nodeName);
  });

  it('runs the profile a pod names in spec.schedulerName, from a --config file; other names are ignored', async () => {
    const cfg = join(tempDir('minik8s-schedcfg-'), 'config.yaml');
    writeFileSync(
      cfg,
      [
        'apiVersion: kubescheduler.config.k8s.io/v1',
        'kind: KubeSchedulerConfiguration',
        'leaderElection: {leaderElect: false}',
        'profiles:',
        '- schedulerName: packer',
        '  plugins:',
        '    score:',
        '      disabled: [{name: "*"}]',
        '      enabled: [{name: NodeResourcesFit, weight: 1}]',
        '  pluginConfig:',
        '  - name: NodeResourcesFit',
        '    args: {scoringStrategy: {type: MostAllocated}}',
        '',
      ].join('\n'),
    );
    await startScheduler(server, ['--config', cfg]);
    await createPod(c, NS, podSpec('packed', '100m', '64Mi', { schedulerName: 'packer' }));
    await createPod(c, NS, podSpec('orphan', '100m', '64Mi', { schedulerName: 'nobody' }));
    expect(await waitBound(c, NS, 'packed')).toBeTruthy();
    const orphan = await c.resource<Pod>(R.pods).get('orphan', NS);
    expect(orphan.spec?.nodeName).toBeFalsy();
    const ev = await c.resource(R.events).list({ namespace: NS, fieldSelector: 'involvedObject.name=orphan' });
    expect(ev.items).toHaveLength(0);
  });
});
