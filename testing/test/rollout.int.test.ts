// Workloads on the whole host cluster (real processes; two real kubelets on the host's Docker
// engine): a rolling update within maxSurge/maxUnavailable driven by the real kubectl (status,
// history, undo), a controller-manager killed -9 in the middle of a rollout, and a node failure.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPodReady, R, type KubeObject } from '@minik8s/shared';
import { IMAGES } from '../images';
import { waitFor } from '../procs';
import { docker, startHostCluster, type HostCluster } from '../cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let c: HostCluster;
let kenv: NodeJS.ProcessEnv;
const NS = 'roll';
const REPLICAS = 4;
const MAX_SURGE = 1;
const MAX_UNAVAILABLE = 1;

/** The real kubectl, asynchronously (the samplers keep running meanwhile). */
function kubectl(args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) =>
    execFile('kubectl', ['-n', NS, ...args], { env: kenv, encoding: 'utf8', timeout: timeoutMs }, (err, out, errOut) =>
      ok({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out, err: errOut }),
    ),
  );
}

beforeAll(async () => {
  c = await startHostCluster({ nodes: 2, prefix: 'roll', nodeMonitorGraceSeconds: 16, tolerationSeconds: 2 });
  kenv = { ...process.env, ...c.kubeEnv() };
  await c.client.resource(R.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } as KubeObject);
}, 180_000);

afterAll(async () => {
  await c?.cleanup();
});

const isReady = (p: Obj) =>
  !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && isPodReady(p);
const listPods = async () => (await c.client.resource<Obj>(R.pods).list({ namespace: NS, labelSelector: 'app=web' })).items;
const live = (ps: Obj[]) => ps.filter((p) => !p.metadata.deletionTimestamp);
const brief = (ps: Obj[]) => JSON.stringify(ps.map((p) => [p.metadata.name, p.spec.nodeName, p.spec.containers[0].image, p.status?.phase, isReady(p), !!p.metadata.deletionTimestamp]));

/**
 * Samples the pods continuously until stopped: never fewer than replicas − maxUnavailable ready,
 * never more than replicas + maxSurge (non-terminating) pods.
 */
function sampleBounds() {
  const violations: string[] = [];
  let on = true;
  let samples = 0;
  let lastLine = '';
  const timeline: string[] = [];
  let firstAt = 0;
  const loop = (async () => {
    while (on) {
      try {
        const [ps, rss] = await Promise.all([listPods(), c.client.resource<Obj>(R.replicasets).list({ namespace: NS })]);
        // ReplicaSets (spec and status) beside the pods, so a violation shows what the controller saw.
        const line = `${rss.items.map((r) => `${r.metadata.name} gen=${r.metadata.generation} spec=${r.spec.replicas} status=${JSON.stringify({ o: r.status?.observedGeneration, r: r.status?.replicas, rd: r.status?.readyReplicas, a: r.status?.availableReplicas })}`).join(' | ')} || ${brief(ps)}`;
        if (line !== lastLine) timeline.push(`${new Date().toISOString()} ${line}`);
        lastLine = line;
        samples++;
        const ready = ps.filter(isReady).length;
        const count = live(ps).length;
        if (!violations.length) firstAt = timeline.length;
        if (ready < REPLICAS - MAX_UNAVAILABLE) violations.push(`ready ${ready} < ${REPLICAS - MAX_UNAVAILABLE}: ${line}`);
        if (count > REPLICAS + MAX_SURGE) violations.push(`pods ${count} > ${REPLICAS + MAX_SURGE}: ${line}`);
      } catch {
        // the apiserver is busy; next sample
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    violations,
    /** The first violation with the states that led to it (the test's failure message). */
    report: () => (violations.length ? `${violations[0]}\n--- timeline ---\n${timeline.slice(Math.max(0, firstAt - 8), firstAt + 1).join('\n')}` : ''),
    stop: async () => {
      on = false;
      await loop;
      return samples;
    },
  };
}

function container(image: string, version: string) {
  return {
    name: 'web',
    image,
    imagePullPolicy: 'IfNotPresent',
    env: [{ name: 'VERSION', value: version }],
    command: ['sh', '-c', 'mkdir -p /www && echo "$VERSION" > /www/index.html && exec httpd -f -p 8080 -h /www'],
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '50m', memory: '16Mi' } },
    // Lenient failure settings: a slow answer on a loaded machine must not look like a rollout bug.
    readinessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 1, periodSeconds: 1, timeoutSeconds: 5, failureThreshold: 5 },
  };
}

/** After the rollout: exactly `REPLICAS` pods (none extra, none lost), all ready, all of the current template. */
async function expectSettled(image: string, version: string): Promise<Obj[]> {
  const d = await c.client.resource<Obj>(R.deployments).get('web', NS);
  const rss = (await c.client.resource<Obj>(R.replicasets).list({ namespace: NS })).items;
  const current = rss.find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === d.metadata.annotations?.['deployment.kubernetes.io/revision']);
  expect(current, JSON.stringify(rss.map((rs) => rs.metadata))).toBeDefined();
  const hash = current!.metadata.labels!['pod-template-hash'];
  // Old pods finish terminating; then the set stays exactly the desired one.
  const ps = await waitFor(`exactly ${REPLICAS} pods of the new template`, async () => {
    const ps = await listPods();
    return ps.length === REPLICAS && ps.every((p) => isReady(p) && p.metadata.labels?.['pod-template-hash'] === hash) ? ps : undefined;
  }, 60_000, 250);
  for (const p of ps) {
    expect(p.spec.containers[0].image).toBe(image);
    expect(p.spec.containers[0].env).toEqual([{ name: 'VERSION', value: version }]);
  }
  for (const rs of rss) expect(rs.spec.replicas, rs.metadata.name).toBe(rs === current ? REPLICAS : 0);
  // What each pod serves comes from the new template.
  for (const p of ps) {
    const r = await fetch(`http://${p.status.podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
    expect(await r.text()).toBe(`${version}\n`);
  }
  return ps;
}

async function rolloutStatus(): Promise<void> {
  const st = await kubectl(['rollout', 'status', 'deployment/web', '--timeout=150s'], 180_000);
  expect(st.code, `${st.out}${st.err}\n${c.logs()}`).toBe(0);
  expect(st.out).toContain('deployment "web" successfully rolled out');
}

it('a Deployment of 4 on two kubelets rolls out within maxSurge/maxUnavailable; kubectl rollout status/history/undo', async () => {
  await c.client.resource<Obj>(R.deployments).create({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: NS },
    spec: {
      replicas: REPLICAS, selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: MAX_SURGE, maxUnavailable: MAX_UNAVAILABLE } },
      template: { metadata: { labels: { app: 'web' } }, spec: { terminationGracePeriodSeconds: 1, containers: [container(IMAGES.busybox, 'v1')] } },
    },
  });
  await rolloutStatus();
  const first = await expectSettled(IMAGES.busybox, 'v1');
  // Requests make least-allocated scoring spread the replicas over both real kubelets.
  expect(new Set(first.map((p) => p.spec.nodeName)).size).toBe(2);

  const sampler = sampleBounds();
  const set = await kubectl(['set', 'image', 'deployment/web', 'web=busybox:latest']);
  expect(set.code, set.err).toBe(0);
  await rolloutStatus();
  const samples = await sampler.stop();
  expect(sampler.report()).toBe('');
  expect(samples).toBeGreaterThan(10);
  const second = await expectSettled('busybox:latest', 'v1');
  expect(second.map((p) => p.metadata.name).filter((n) => first.some((f) => f.metadata.name === n))).toEqual([]);

  const hist = await kubectl(['rollout', 'history', 'deployment/web']);
  expect(hist.code, hist.err).toBe(0);
  expect(hist.out.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['REVISION', '1', '2']);
  expect(hist.out).toMatch(/^deployment\.apps\/web/);

  const undoSampler = sampleBounds();
  const undo = await kubectl(['rollout', 'undo', 'deployment/web']);
  expect(undo.code, undo.err).toBe(0);
  expect(undo.out).toContain('rolled back');
  await rolloutStatus();
  await undoSampler.stop();
  expect(undoSampler.report()).toBe('');
  const d = await c.client.resource<Obj>(R.deployments).get('web', NS);
  expect(d.spec.template.spec.containers[0].image).toBe(IMAGES.busybox);
  await expectSettled(IMAGES.busybox, 'v1');
  // Revision 1's ReplicaSet came back as revision 3.
  const hist2 = await kubectl(['rollout', 'history', 'deployment/web']);
  expect(hist2.out.trim().split('\n').slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['2', '3']);
}, 300_000);

it('kill -9 of the controller-manager mid-rollout: after restart the rollout completes with exactly the desired pods', async () => {
  const dc = c.client.resource<Obj>(R.deployments);
  const sampler = sampleBounds();
  await dc.patch('web', { spec: { template: { spec: { containers: [container(IMAGES.busybox, 'v2')] } } } }, 'strategic', { namespace: NS });
  // Mid-rollout: the new ReplicaSet has pods, but not all of them are updated and ready yet.
  await waitFor('rollout in progress', async () => {
    const d = await dc.get('web', NS);
    const s = d.status ?? {};
    return s.observedGeneration === d.metadata.generation && (s.updatedReplicas ?? 0) >= 1 && (s.updatedReplicas < REPLICAS || s.availableReplicas < REPLICAS || s.replicas > REPLICAS);
  }, 60_000, 50);
  await c.controllerManager.kill('SIGKILL');
  const whileDown = live(await listPods()).length;
  await new Promise((r) => setTimeout(r, 2000));
  // Nothing creates or deletes pods while it is down (the kubelets only make them ready).
  expect(live(await listPods()).length).toBe(whileDown);
  await c.controllerManager.restart();
  await rolloutStatus();
  await sampler.stop();
  expect(sampler.report()).toBe('');
  await expectSettled(IMAGES.busybox, 'v2');
  // And it stays that way: no late extra pod from a forgotten expectation.
  await new Promise((r) => setTimeout(r, 3000));
  const ps = await listPods();
  expect(ps.length, brief(ps)).toBe(REPLICAS);
  const d = await dc.get('web', NS);
  expect(d.status).toMatchObject({ replicas: REPLICAS, updatedReplicas: REPLICAS, readyReplicas: REPLICAS, availableReplicas: REPLICAS });
}, 240_000);

it('kill -9 of the scheduler as a rollout starts: new pods wait unbound, then the restarted scheduler places them', async () => {
  const dc = c.client.resource<Obj>(R.deployments);
  const sampler = sampleBounds();
  await c.scheduler.kill('SIGKILL');
  await dc.patch('web', { spec: { template: { spec: { containers: [container(IMAGES.busybox, 'v3')] } } } }, 'strategic', { namespace: NS });
  const unbound = await waitFor('a new pod waiting without a node', async () => {
    const ps = live(await listPods()).filter((p) => !p.spec.nodeName);
    return ps.length ? ps : undefined;
  }, 60_000, 250);
  await new Promise((r) => setTimeout(r, 2000));
  // Nobody else binds them, and the rollout cannot go past its surge while they wait.
  const still = await c.client.resource<Obj>(R.pods).get(unbound[0].metadata.name!, NS);
  expect(still.spec.nodeName).toBeUndefined();
  expect(live(await listPods()).length).toBeLessThanOrEqual(REPLICAS + MAX_SURGE);
  await c.scheduler.restart();
  await rolloutStatus();
  await sampler.stop();
  expect(sampler.report()).toBe('');
  await expectSettled(IMAGES.busybox, 'v3');
  const evs = (await c.client.resource<Obj>(R.events).list({ namespace: NS, fieldSelector: `involvedObject.name=${unbound[0].metadata.name}` })).items;
  expect(evs.some((e: any) => e.reason === 'Scheduled' && /^Successfully assigned roll\/web-.* to .+/.test(e.message))).toBe(true);
}, 240_000);

it('a node fails (kubelet killed -9, containers removed): NotReady/Unknown, pods recreated on the other node', async () => {
  const before = live(await listPods());
  const counts = new Map<string, number>();
  for (const p of before) counts.set(p.spec.nodeName, (counts.get(p.spec.nodeName) ?? 0) + 1);
  const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const survivor = c.nodeNames.find((n) => n !== victim)!;
  const lost = before.filter((p) => p.spec.nodeName === victim).map((p) => p.metadata.name!);
  const kubelet = c.kubelets.find((k) => k.node === victim)!;
  const t0 = Date.now();
  await kubelet.kill('SIGKILL');
  kubelet.removeContainers();

  const nodes = c.client.resource<Obj>(R.nodes);
  await waitFor(`${victim} Ready=Unknown with the unreachable NoExecute taint`, async () => {
    const n = await nodes.get(victim);
    const ready = n.status.conditions.find((x: { type: string }) => x.type === 'Ready');
    return ready?.status === 'Unknown' && (n.spec.taints ?? []).some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute');
  }, 60_000, 250);
  const detectedS = (Date.now() - t0) / 1000;
  // Grace 16 s (+ a monitor period and a busy machine): not long after.
  expect(detectedS).toBeLessThan(45);

  const moved = await waitFor(`${REPLICAS} ready pods on ${survivor}, the lost ones evicted`, async () => {
    const ps = await listPods();
    const evicted = lost.every((name) => { const p = ps.find((x) => x.metadata.name === name); return !p || p.metadata.deletionTimestamp; });
    const good = ps.filter((p) => isReady(p) && p.spec.nodeName === survivor);
    return evicted && good.length === REPLICAS ? good : undefined;
  }, 90_000, 500);
  // Real containers back them on the surviving node.
  for (const p of moved) {
    expect(docker(['ps', '-q', '--filter', `label=io.kubernetes.pod.uid=${p.metadata.uid}`, '--filter', `label=io.minik8s.node=${survivor}`]).split('\n').filter(Boolean)).toHaveLength(2);
  }
  expect(live(await listPods())).toHaveLength(REPLICAS);

  // The node comes back: Ready again, untainted; the evicted pods' objects are confirmed gone.
  await kubelet.restart();
  await waitFor(`${victim} Ready again without the taint`, async () => {
    const n = await nodes.get(victim);
    const ready = n.status.conditions.find((x: { type: string }) => x.type === 'Ready');
    return ready?.status === 'True' && !(n.spec.taints ?? []).some((t: { key: string }) => t.key.startsWith('node.kubernetes.io/'));
  }, 60_000, 250);
  await waitFor('evicted pods gone', async () => (await listPods()).length === REPLICAS, 60_000, 250);
}, 300_000);
