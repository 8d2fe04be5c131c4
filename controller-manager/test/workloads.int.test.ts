// ReplicaSet and Deployment controllers against a real apiserver + etcd, pods driven by FakeNodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, type KubeObject } from '@minik8s/shared';
import { stopAll, waitFor } from '../../testing/procs';
import { createNamespace, deployment, isReady, kubectl, startControllerManager, startRig, type Rig } from './cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let rig: Rig;

beforeAll(async () => {
  rig = await startRig(['node-a', 'node-b']);
}, 90_000);
afterAll(async () => {
  rig?.nodes.stop();
  await stopAll();
});

const pods = (ns: string, sel: string) => rig.client.resource<Obj>(R.pods).list({ namespace: ns, labelSelector: sel }).then((l) => l.items);
const live = (ps: Obj[]) => ps.filter((p) => !p.metadata.deletionTimestamp);

describe('ReplicaSet', () => {
  it('creates the replicas, replaces a deleted pod, reports status and events', async () => {
    await createNamespace(rig.client, 'rs1');
    const rsc = rig.client.resource<Obj>(R.replicasets);
    await rsc.create({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web', namespace: 'rs1' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    const first = await waitFor('3 ready pods', async () => {
      const ps = live(await pods('rs1', 'app=web'));
      return ps.length === 3 && ps.every(isReady) && ps;
    }, 30_000);
    for (const p of first) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'ReplicaSet', name: 'web', controller: true, blockOwnerDeletion: true })]);
    }
    await waitFor('status', async () => {
      const rs = await rsc.get('web', 'rs1');
      return rs.status?.replicas === 3 && rs.status?.readyReplicas === 3 && rs.status?.availableReplicas === 3 && rs.status?.fullyLabeledReplicas === 3 && rs.status?.observedGeneration === rs.metadata.generation;
    });
    await rig.client.resource(R.pods).delete(first[0].metadata.name!, { namespace: 'rs1', gracePeriodSeconds: 0 });
    await waitFor('a replacement', async () => {
      const ps = live(await pods('rs1', 'app=web'));
      return ps.length === 3 && !ps.some((p) => p.metadata.name === first[0].metadata.name) && ps.every(isReady);
    }, 30_000);
    // Stays at exactly 3 (no double creation while the informer catches up).
    await new Promise((r) => setTimeout(r, 1000));
    expect(live(await pods('rs1', 'app=web'))).toHaveLength(3);

    // Scale down to 1, orphan-by-label, events.
    await rsc.patch('web', { spec: { replicas: 1 } }, 'merge', { namespace: 'rs1' });
    await waitFor('scaled to 1', async () => live(await pods('rs1', 'app=web')).length === 1, 30_000);
    const evs = (await rig.client.resource<Obj>(R.events).list({ namespace: 'rs1' })).items.map((e) => e.reason);
    expect(evs).toContain('SuccessfulCreate');
    expect(evs).toContain('SuccessfulDelete');
    const [last] = live(await pods('rs1', 'app=web'));
    await rig.client.resource(R.pods).patch(last.metadata.name!, { metadata: { labels: { app: 'other' } } }, 'merge', { namespace: 'rs1' });
    await waitFor('released pod and a new one', async () => {
      const released = await rig.client.resource<Obj>(R.pods).get(last.metadata.name!, 'rs1');
      return !(released.metadata.ownerReferences ?? []).length && live(await pods('rs1', 'app=web')).length === 1;
    }, 30_000);
  });
});
