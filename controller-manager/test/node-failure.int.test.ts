// Real kubelets on the real Docker engine (two kubelets, the real scheduler, the controller-manager):
// a rolling update kept within its bounds, then a node failure — one kubelet is killed and its
// containers removed → the node goes Ready=Unknown with the unreachable taint and its pods are
// recreated on the other node.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient, isNodeReady, isPodReady, R, type KubeObject } from '@minik8s/shared';
import { ensureKubeletImages, IMAGES } from '../../testing/images';
import {
  freePort,
  kubeEnv,
  kubeconfigFile,
  hostKubeletArgs,
  removeDir,
  startApiserver,
  startComponent,
  stopAll,
  tempDir,
  waitFor,
  type Apiserver,
  type Proc,
} from '../../testing/procs';
import { createNamespace, kubectl, startControllerManager } from './cluster';

type Obj = KubeObject & { spec?: any; status?: any };
const tag = randomBytes(2).toString('hex');
const nodes = [`cmf-${tag}-a`, `cmf-${tag}-b`];
const dirs: string[] = [];
const kubelets = new Map<string, Proc>();
let api: Apiserver;
let client: ApiClient;

function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Everything a test kubelet created carries its node name as a label. */
function removeNodeContainers(node: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=io.minik8s.node=${node}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) docker(['rm', '-f', '-v', ...ids]);
  try {
    docker(['network', 'rm', `minik8s-${node}`]);
  } catch {
    // no such network
  }
}

async function startKubelet(node: string): Promise<void> {
  const port = await freePort();
  const root = tempDir('minik8s-cmf-');
  dirs.push(root);
  const secure = await hostKubeletArgs(api.url, node, port, root);
  const args = [...secure.args, '--node-status-update-frequency', '1'];
  kubelets.set(node, await startComponent('kubelet', args, secure.healthUrl));
}

beforeAll(async () => {
  await ensureKubeletImages();
  api = await startApiserver();
  client = new ApiClient(api.admin);
  // A pod range of our own, so the kubelets' Docker networks cannot collide with anyone else's.
  // The kubelet renews its Lease every 10 s: the grace period must stay above that.
  await startControllerManager(api.url, [
    '--cluster-cidr',
    `10.253.${randomInt(0, 250)}.0/24`,
    '--node-cidr-mask-size',
    '26',
    '--node-monitor-grace-period',
    '16s',
  ]);
  const sp = await freePort();
  await startComponent(
    'scheduler',
    [
      '--kubeconfig',
      await kubeconfigFile(api.url, 'scheduler'),
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(sp),
      '--leader-elect=false',
    ],
    `http://127.0.0.1:${sp}/healthz`,
  );
  for (const n of nodes) await startKubelet(n);
}, 120_000);

afterAll(async () => {
  await stopAll();
  for (const n of nodes) removeNodeContainers(n);
  for (const d of dirs) removeDir(d);
});

const ready = (p: Obj) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);

it('a Deployment rolls out on real kubelets within maxSurge/maxUnavailable; kubectl rollout status', async () => {
  await waitFor(
    'both nodes Ready with a podCIDR',
    async () => {
      const ns = (await client.resource<Obj>(R.nodes).list()).items;
      return ns.length === 2 && ns.every((n) => n.spec?.podCIDR && isNodeReady(n));
    },
    60_000,
  );
  await createNamespace(client, 'ro');
  const container = (image: string) => ({
    name: 'c',
    image,
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', '-c', 'exec sleep 3600'],
    readinessProbe: { exec: { command: ['true'] }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 10 },
  });
  const dc = client.resource<Obj>(R.deployments);
  await dc.create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'ro' },
    spec: {
      replicas: 4,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { terminationGracePeriodSeconds: 1, containers: [container(IMAGES.busybox)] },
      },
    },
  });
  const env = kubeEnv(api.url);
  const st = await kubectl(env, ['rollout', 'status', 'deployment/web', '-n', 'ro', '--timeout=120s']);
  expect(st.code, st.stdout + st.stderr).toBe(0);
  const pods = () =>
    client
      .resource<Obj>(R.pods)
      .list({ namespace: 'ro', labelSelector: 'app=web' })
      .then((l) => l.items.filter((p) => !p.metadata.deletionTimestamp));
  const violations: string[] = [];
  const seenReady = new Map<string, boolean>();
  const flaps: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const ps = await pods();
      for (const p of ps) {
        const was = seenReady.get(p.metadata.name!);
        if (was && !ready(p))
          flaps.push(
            `${p.metadata.name} ${JSON.stringify(p.status?.conditions)} ${JSON.stringify(p.status?.containerStatuses?.map((c: any) => [c.ready, c.restartCount, c.state]))}`,
          );
        seenReady.set(p.metadata.name!, ready(p));
      }
      const r = ps.filter(ready).length;
      if (r < 3)
        violations.push(
          `ready ${r} < 3: ${JSON.stringify((await client.resource<Obj>(R.pods).list({ namespace: 'ro' })).items.map((p) => [p.metadata.name, p.spec.containers[0].image.slice(0, 9), p.status?.phase, p.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status, !!p.metadata.deletionTimestamp]))}`,
        );
      if (ps.length > 5) violations.push(`pods ${ps.length} > 5`);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  await dc.patch('web', { spec: { template: { spec: { containers: [container('busybox:latest')] } } } }, 'strategic', { namespace: 'ro' });
  const st2 = await kubectl(env, ['rollout', 'status', 'deployment/web', '-n', 'ro', '--timeout=150s']);
  sampling = false;
  await sampler;
  expect(st2.code, st2.stdout + st2.stderr).toBe(0);
  expect(flaps).toEqual([]);
  expect(violations).toEqual([]);
  const after = await pods();
  expect(after.filter((p) => ready(p) && p.spec.containers[0].image === 'busybox:latest')).toHaveLength(4);
  await dc.delete('web', { namespace: 'ro' });
}, 300_000);

it('a killed node turns Unknown and tainted; its pods come back on the other node', async () => {
  await waitFor(
    'both nodes Ready with a podCIDR',
    async () => {
      const ns = (await client.resource<Obj>(R.nodes).list()).items;
      return ns.length === 2 && ns.every((n) => n.spec?.podCIDR && isNodeReady(n));
    },
    60_000,
  );
  await createNamespace(client, 'nf');
  await client.resource<Obj>(R.deployments).create({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'sleeper', namespace: 'nf' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'sleeper' } },
      template: {
        metadata: { labels: { app: 'sleeper' } },
        spec: {
          terminationGracePeriodSeconds: 1,
          // Default 300 s is shortened for the test, as the brief allows.
          tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }],
          containers: [{ name: 'c', image: IMAGES.busybox, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'exec sleep 3600'] }],
        },
      },
    },
  });
  const pods = () =>
    client
      .resource<Obj>(R.pods)
      .list({ namespace: 'nf', labelSelector: 'app=sleeper' })
      .then((l) => l.items);
  const running = await waitFor(
    '2 running pods',
    async () => {
      const ps = (await pods()).filter(ready);
      return ps.length === 2 && ps;
    },
    90_000,
  );
  // Kill the node holding (at least one of) the pods: kubelet SIGKILL, its containers removed.
  const victim = running[0].spec.nodeName as string;
  const survivor = nodes.find((n) => n !== victim)!;
  const lost = running.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name);
  await kubelets.get(victim)!.kill('SIGKILL');
  removeNodeContainers(victim);

  await waitFor(
    `${victim} Ready=Unknown with the unreachable taint`,
    async () => {
      const n = await client.resource<Obj>(R.nodes).get(victim);
      const c = n.status.conditions.find((x: { type: string }) => x.type === 'Ready');
      return (
        c?.status === 'Unknown' &&
        (n.spec.taints ?? []).some(
          (t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute',
        )
      );
    },
    60_000,
  );
  await waitFor(
    `2 running pods on ${survivor}, the lost ones evicted`,
    async () => {
      const ps = await pods();
      const evicted = lost.every((name) => {
        const p = ps.find((x) => x.metadata.name === name);
        return !p || p.metadata.deletionTimestamp;
      });
      const good = ps.filter((p) => ready(p) && p.spec.nodeName === survivor);
      return evicted && good.length === 2;
    },
    90_000,
  );
  // Real containers back them on the surviving node.
  const ids = docker(['ps', '-q', '--filter', `label=io.minik8s.node=${survivor}`])
    .split('\n')
    .filter(Boolean);
  expect(ids.length).toBeGreaterThanOrEqual(2);
}, 240_000);
