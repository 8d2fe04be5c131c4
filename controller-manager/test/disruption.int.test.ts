// PodDisruptionBudgets end to end: the disruption controller's status, the apiserver's eviction
// subresource spending it, and the real `kubectl drain` waiting for it — pods driven by FakeNodes.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, type KubeObject } from '@minik8s/shared';
import { REPO, stopAll, waitFor } from '../../testing/procs';
import { createNamespace, deployment, isReady, kubectl, startRig, type Rig } from './cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let rig: Rig;
const NS = 'pdb1';

beforeAll(async () => {
  rig = await startRig(['node-a', 'node-b']);
  await createNamespace(rig.client, NS);
}, 90_000);
afterAll(async () => {
  rig?.nodes.stop();
  await stopAll();
});

function mkctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [join(REPO, 'kubectl', 'dist', 'main.js'), ...args],
      { env: { ...process.env, ...rig.env } },
      (err, stdout, stderr) => {
        ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const readyPods = async (app: string) =>
  (await rig.client.resource<Obj>(R.pods).list({ namespace: NS, labelSelector: `app=${app}` })).items.filter(isReady);
const budget = (name: string) => rig.client.resource<Obj>(R.poddisruptionbudgets).get(name, NS);
const evict = (pod: string) =>
  rig.client
    .request<Obj>('POST', `/api/v1/namespaces/${NS}/pods/${pod}/eviction`, {
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: NS } },
    })
    .then(
      () => ({ code: 201, body: undefined as Obj | undefined }),
      (e) => ({ code: e.code as number, body: e.status as Obj }),
    );
/** The budget's status once the controller has seen `want` (a subset of the status fields). */
const statusReaches = (name: string, want: Record<string, number>) =>
  waitFor(
    `pdb ${name} status ${JSON.stringify(want)}`,
    async () => {
      const b = await budget(name);
      return Object.entries(want).every(([k, v]) => b.status?.[k] === v) && b.status?.observedGeneration === b.metadata.generation
        ? b
        : undefined;
    },
    30_000,
    200,
  );

describe('PodDisruptionBudget', () => {
  it('kubectl create pdb: the controller reports expected, healthy and allowed pods; get pdb prints as kubectl', async () => {
    await rig.client.resource(R.deployments).create(deployment('web', NS, 3, 'busybox'), { namespace: NS });
    await waitFor('3 ready web pods', async () => ((await readyPods('web')).length === 3 ? true : undefined), 30_000, 200);
    // `kubectl create pdb` sends a protobuf body
    const created = await kubectl(rig.env, ['create', 'pdb', 'web', '-n', NS, '--selector=app=web', '--min-available=2']);
    expect(created.stdout + created.stderr).toContain('poddisruptionbudget.policy/web created');
    const b = await statusReaches('web', { expectedPods: 3, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1 });
    expect(b.status.conditions).toEqual([expect.objectContaining({ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods' })]);
    const k = await kubectl(rig.env, ['get', 'pdb', '-n', NS]);
    expect(k.stdout.split('\n')[0].split(/\s{2,}/)).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(k.stdout.split('\n')[1].split(/\s+/).slice(0, 4)).toEqual(['web', '2', 'N/A', '1']);
    const m = await mkctl(['get', 'pdb', '-n', NS]);
    expect(m.stdout.replace(/\d+s\b/g, 'AGE')).toBe(k.stdout.replace(/\d+s\b/g, 'AGE'));
  });

  it('an eviction spends the budget; an exhausted budget answers 429 with the reason until a replacement is ready', async () => {
    rig.nodes.ready = () => false; // replacements stay unready for now
    const [first, second] = (await readyPods('web')).map((p) => p.metadata.name!);
    expect((await evict(first)).code).toBe(201);
    await statusReaches('web', { currentHealthy: 2, disruptionsAllowed: 0 });
    const refused = await evict(second);
    expect(refused.code).toBe(429);
    expect(refused.body).toMatchObject({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web needs 2 healthy pods and has 2 currently' }] },
    });
    expect((await budget('web')).status.conditions[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    rig.nodes.ready = () => true;
    await statusReaches('web', { currentHealthy: 3, disruptionsAllowed: 1 });
    expect((await evict(second)).code).toBe(201);
  });

  it('kubectl drain evicts within the budget, retrying while it is spent, and leaves the node cordoned', async () => {
    await statusReaches('web', { currentHealthy: 3, disruptionsAllowed: 1 });
    rig.nodes.readyDelayMs = 2000; // each replacement takes a moment, so drain meets the spent budget
    const onA = async () => (await readyPods('web')).filter((p) => p.spec.nodeName === 'node-a');
    if ((await onA()).length < 2) {
      // round-robin placement may leave node-a one pod: drain node-b instead, which then has two
      expect((await readyPods('web')).filter((p) => p.spec.nodeName === 'node-b').length).toBeGreaterThanOrEqual(2);
    }
    const node = (await onA()).length >= 2 ? 'node-a' : 'node-b';
    const d = await kubectl(rig.env, ['drain', node, '--timeout=90s'], 120_000);
    rig.nodes.readyDelayMs = 0;
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toContain(`node/${node} drained`);
    expect(d.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    const pods = await waitFor(
      '3 ready web pods, none on the drained node',
      async () => {
        const ps = await readyPods('web');
        return ps.length === 3 && ps.every((p) => p.spec.nodeName !== node) ? ps : undefined;
      },
      30_000,
      200,
    );
    expect(pods).toHaveLength(3);
    expect((await rig.client.resource<Obj>(R.nodes).get(node)).spec.unschedulable).toBe(true);
    await kubectl(rig.env, ['uncordon', node]);
  });

  it('maxUnavailable as a percentage counts the Deployment replicas; two budgets for a pod refuse its eviction', async () => {
    const pdbs = rig.client.resource<Obj>(R.poddisruptionbudgets);
    await pdbs.create(
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'half' },
        spec: { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } },
      },
      { namespace: NS },
    );
    // 3 replicas: ceil(50% of 3) = 2 may be unavailable, so 1 must stay healthy
    await statusReaches('half', { expectedPods: 3, desiredHealthy: 1, disruptionsAllowed: 2 });
    const pod = (await readyPods('web'))[0].metadata.name!;
    const refused = await evict(pod);
    expect(refused.code).toBe(500);
    expect(refused.body?.message).toBe('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    await pdbs.delete('half', { namespace: NS });
  });

  it('rejects a budget with both bounds, naming the field; defaults minAvailable to 1', async () => {
    const pdbs = rig.client.resource<Obj>(R.poddisruptionbudgets);
    const bad = await pdbs
      .create(
        {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'both' },
          spec: { minAvailable: 1, maxUnavailable: 1, selector: {} },
        },
        { namespace: NS },
      )
      .catch((e) => e);
    expect(bad.code).toBe(422);
    expect(bad.status.details.causes).toEqual([
      expect.objectContaining({ field: 'spec', message: expect.stringContaining('minAvailable and maxUnavailable cannot be both set') }),
    ]);
    const dflt = await pdbs.create(
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'none' },
        spec: { selector: { matchLabels: { app: 'nothing' } } },
      },
      { namespace: NS },
    );
    expect(dflt.spec.minAvailable).toBe(1);
    await pdbs.delete('none', { namespace: NS });
  });
});
