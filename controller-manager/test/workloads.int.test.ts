// ReplicaSet and Deployment controllers against a real apiserver + etcd, pods driven by FakeNodes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, type KubeObject } from '@minik8s/shared';
import { stopAll, waitFor } from '../../testing/procs';
import { createNamespace, deployment, isReady, kubectl, startRig, type Rig } from './cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let rig: Rig;

beforeAll(async () => {
  rig = await startRig(['node-a', 'node-b']);
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

describe('ReplicaSet', () => {
  it('creates the replicas, replaces a deleted pod, reports status and events', async () => {
    await createNamespace(rig.client, 'rs1');
    const rsc = rig.client.resource<Obj>(R.replicasets);
    await rsc.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'rs1' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    const first = await waitFor(
      '3 ready pods',
      async () => {
        const ps = live(await pods('rs1', 'app=web'));
        return ps.length === 3 && ps.every(isReady) && ps;
      },
      30_000,
    );
    for (const p of first) {
      expect(p.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'ReplicaSet', name: 'web', controller: true, blockOwnerDeletion: true }),
      ]);
      // the controller's writes are recorded under its manager name (its User-Agent's)
      expect(p.metadata.managedFields).toContainEqual(
        expect.objectContaining({ manager: 'kube-controller-manager', operation: 'Update', apiVersion: 'v1' }),
      );
    }
    await waitFor('status', async () => {
      const rs = await rsc.get('web', 'rs1');
      return (
        rs.status?.replicas === 3 &&
        rs.status?.readyReplicas === 3 &&
        rs.status?.availableReplicas === 3 &&
        rs.status?.fullyLabeledReplicas === 3 &&
        rs.status?.observedGeneration === rs.metadata.generation
      );
    });
    expect((await rsc.get('web', 'rs1')).metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kube-controller-manager', operation: 'Update', subresource: 'status' }),
    );
    await rig.client.resource(R.pods).delete(first[0].metadata.name!, { namespace: 'rs1', gracePeriodSeconds: 0 });
    await waitFor(
      'a replacement',
      async () => {
        const ps = live(await pods('rs1', 'app=web'));
        return ps.length === 3 && !ps.some((p) => p.metadata.name === first[0].metadata.name) && ps.every(isReady);
      },
      30_000,
    );
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
    await waitFor(
      'released pod and a new one',
      async () => {
        const released = await rig.client.resource<Obj>(R.pods).get(last.metadata.name!, 'rs1');
        return !(released.metadata.ownerReferences ?? []).length && live(await pods('rs1', 'app=web')).length === 1;
      },
      30_000,
    );
  });
});

describe('ReplicationController', () => {
  it('shares the ReplicaSet core: map selector, status, scale down', async () => {
    await createNamespace(rig.client, 'rc1');
    const rcc = rig.client.resource<Obj>(R.replicationcontrollers);
    await rcc.create({
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'old', namespace: 'rc1' },
      spec: {
        replicas: 2,
        selector: { app: 'old' },
        template: { metadata: { labels: { app: 'old' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    await waitFor(
      '2 ready pods owned by the RC',
      async () => {
        const ps = live(await pods('rc1', 'app=old'));
        return ps.length === 2 && ps.every((p) => isReady(p) && p.metadata.ownerReferences?.[0]?.kind === 'ReplicationController');
      },
      30_000,
    );
    await waitFor('RC status', async () => (await rcc.get('old', 'rc1')).status?.readyReplicas === 2);
    await rcc.patch('old', { spec: { replicas: 0 } }, 'merge', { namespace: 'rc1' });
    await waitFor('no pods', async () => live(await pods('rc1', 'app=old')).length === 0, 30_000);
  });
});

describe('Deployment', () => {
  it('rolls out within maxSurge/maxUnavailable; kubectl rollout status/history/undo; pause/resume', async () => {
    await createNamespace(rig.client, 'dep1');
    const dc = rig.client.resource<Obj>(R.deployments);
    rig.nodes.readyDelayMs = 300;
    await dc.create(
      deployment('web', 'dep1', 4, 'busybox:1', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } }),
    );
    const st = await kubectl(rig.env, ['rollout', 'status', 'deployment/web', '-n', 'dep1', '--timeout=60s']);
    expect(st.stdout + st.stderr).toContain('successfully rolled out');
    expect(st.code).toBe(0);

    // Watch the bounds continuously during the image change.
    const violations: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const ps = live(await pods('dep1', 'app=web'));
        const ready = ps.filter(isReady).length;
        if (ready < 3)
          violations.push(
            `ready ${ready} < 3: ${ps.map((p) => `${p.metadata.name}:${p.spec.containers[0].image}:${isReady(p) ? 'R' : '-'}`).join(' ')}`,
          );
        if (ps.length > 5) violations.push(`pods ${ps.length} > 5`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await dc.patch(
      'web',
      {
        metadata: { annotations: { 'kubernetes.io/change-cause': 'to v2' } },
        spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:2' }] } } },
      },
      'strategic',
      { namespace: 'dep1' },
    );
    const st2 = await kubectl(rig.env, ['rollout', 'status', 'deployment/web', '-n', 'dep1', '--timeout=90s']);
    sampling = false;
    await sampler;
    expect(st2.code, st2.stdout + st2.stderr).toBe(0);
    expect(
      violations,
      readFileSync(rig.cm.logFile, 'utf8')
        .split('\n')
        .filter((l) => /NotReady|stopped posting|Scaled|error/i.test(l))
        .slice(-30)
        .join('\n'),
    ).toEqual([]);
    const ps = live(await pods('dep1', 'app=web'));
    expect(ps).toHaveLength(4);
    expect(ps.every((p) => p.spec.containers[0].image === 'busybox:2')).toBe(true);

    const d = await dc.get('web', 'dep1');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
    expect(d.status).toMatchObject({
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 4,
      availableReplicas: 4,
      observedGeneration: d.metadata.generation,
    });
    const conds = Object.fromEntries((d.status.conditions ?? []).map((c: { type: string; reason: string }) => [c.type, c.reason]));
    expect(conds).toEqual({ Available: 'MinimumReplicasAvailable', Progressing: 'NewReplicaSetAvailable' });
    const rss = (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'dep1' })).items;
    expect(rss).toHaveLength(2);
    for (const rs of rss) {
      const hash = rs.metadata.labels?.['pod-template-hash'];
      expect(rs.metadata.name).toBe(`web-${hash}`);
      expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
      expect(rs.metadata.annotations).toMatchObject({
        'deployment.kubernetes.io/desired-replicas': '4',
        'deployment.kubernetes.io/max-replicas': '5',
      });
    }
    const events = (await rig.client.resource<Obj>(R.events).list({ namespace: 'dep1' })).items
      .filter((e) => e.reason === 'ScalingReplicaSet')
      .map((e) => e.message);
    expect(events).toContainEqual(expect.stringMatching(/^Scaled up replica set web-[a-z0-9]+ to 4 from 0$/));
    expect(events).toContainEqual(expect.stringMatching(/^Scaled down replica set web-[a-z0-9]+ to \d from \d$/));

    const hist = await kubectl(rig.env, ['rollout', 'history', 'deployment/web', '-n', 'dep1']);
    expect(hist.code).toBe(0);
    expect(hist.stdout).toMatch(/1\s+<none>/);
    expect(hist.stdout).toMatch(/2\s+to v2/);

    // Undo: back to busybox:1, the old RS becomes revision 3.
    const undo = await kubectl(rig.env, ['rollout', 'undo', 'deployment/web', '-n', 'dep1']);
    expect(undo.code, undo.stderr).toBe(0);
    const st3 = await kubectl(rig.env, ['rollout', 'status', 'deployment/web', '-n', 'dep1', '--timeout=90s']);
    expect(st3.code, st3.stdout + st3.stderr).toBe(0);
    await waitFor(
      'old template back on every pod',
      async () => {
        const cur = live(await pods('dep1', 'app=web'));
        return cur.length === 4 && cur.every((p) => p.spec.containers[0].image === 'busybox:1' && isReady(p));
      },
      30_000,
    );
    expect((await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'dep1' })).items).toHaveLength(2);
    const afterUndo = await dc.get('web', 'dep1');
    expect(afterUndo.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
    const hist2 = await kubectl(rig.env, ['rollout', 'history', 'deployment/web', '-n', 'dep1']);
    expect(hist2.stdout).toMatch(/2\s+to v2/);
    expect(hist2.stdout).toMatch(/3\s+/);

    // Pause: a template change makes no new RS until resume.
    expect((await kubectl(rig.env, ['rollout', 'pause', 'deployment/web', '-n', 'dep1'])).code).toBe(0);
    await dc.patch('web', { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox:3' }] } } } }, 'strategic', {
      namespace: 'dep1',
    });
    await waitFor('paused condition', async () =>
      (await dc.get('web', 'dep1')).status?.conditions?.some((c: { reason: string }) => c.reason === 'DeploymentPaused'),
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'dep1' })).items).toHaveLength(2);
    expect((await kubectl(rig.env, ['rollout', 'resume', 'deployment/web', '-n', 'dep1'])).code).toBe(0);
    const st4 = await kubectl(rig.env, ['rollout', 'status', 'deployment/web', '-n', 'dep1', '--timeout=90s']);
    expect(st4.code, st4.stdout + st4.stderr).toBe(0);
    const final = live(await pods('dep1', 'app=web'));
    expect(final).toHaveLength(4);
    expect(final.every((p) => p.spec.containers[0].image === 'busybox:3')).toBe(true);
    rig.nodes.readyDelayMs = 0;
  });

  it('Recreate scales old pods away before new ones; scaling a deployment; revisionHistoryLimit', async () => {
    await createNamespace(rig.client, 'dep2');
    const dc = rig.client.resource<Obj>(R.deployments);
    const d = deployment('rec', 'dep2', 2, 'busybox:1', { type: 'Recreate' });
    d.spec.revisionHistoryLimit = 1;
    await dc.create(d);
    expect((await kubectl(rig.env, ['rollout', 'status', 'deployment/rec', '-n', 'dep2', '--timeout=60s'])).code).toBe(0);
    let mixed = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const images = new Set(live(await pods('dep2', 'app=rec')).map((p) => p.spec.containers[0].image));
        if (images.size > 1) mixed = true;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    for (const image of ['busybox:2', 'busybox:3']) {
      await dc.patch('rec', { spec: { template: { spec: { containers: [{ name: 'c', image }] } } } }, 'strategic', { namespace: 'dep2' });
      const st = await kubectl(rig.env, ['rollout', 'status', 'deployment/rec', '-n', 'dep2', '--timeout=60s']);
      expect(st.code, st.stdout + st.stderr).toBe(0);
    }
    sampling = false;
    await sampler;
    expect(mixed).toBe(false);
    // revisionHistoryLimit 1: the current RS plus one old one.
    await waitFor(
      'history pruned to 1 old RS',
      async () => (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'dep2' })).items.length === 2,
      30_000,
    );

    await kubectl(rig.env, ['scale', 'deployment/rec', '-n', 'dep2', '--replicas=5']);
    await waitFor(
      '5 ready pods',
      async () => {
        const ps = live(await pods('dep2', 'app=rec'));
        return ps.length === 5 && ps.every(isReady);
      },
      30_000,
    );
    await waitFor('status 5', async () => (await dc.get('rec', 'dep2')).status?.availableReplicas === 5);
  });

  it('a rollout that makes no progress reports ProgressDeadlineExceeded; kubectl rollout status fails', async () => {
    await createNamespace(rig.client, 'dep4');
    rig.nodes.ready = (p) => p.metadata.labels?.app !== 'stuck';
    const d = deployment('stuck', 'dep4', 2, 'busybox:1');
    d.spec.progressDeadlineSeconds = 2;
    await rig.client.resource<Obj>(R.deployments).create(d);
    const st = await kubectl(rig.env, ['rollout', 'status', 'deployment/stuck', '-n', 'dep4', '--timeout=60s']);
    expect(st.code).not.toBe(0);
    expect(st.stderr).toContain('deployment "stuck" exceeded its progress deadline');
    const cur = await rig.client.resource<Obj>(R.deployments).get('stuck', 'dep4');
    const conds = Object.fromEntries(
      cur.status.conditions.map((c: { type: string; status: string; reason: string }) => [c.type, `${c.status}/${c.reason}`]),
    );
    expect(conds).toEqual({ Available: 'False/MinimumReplicasUnavailable', Progressing: 'False/ProgressDeadlineExceeded' });
    rig.nodes.ready = () => true;
  });

  it('deleting a Deployment removes its ReplicaSets and pods', async () => {
    await createNamespace(rig.client, 'dep3');
    await rig.client.resource<Obj>(R.deployments).create(deployment('gone', 'dep3', 2, 'busybox:1'));
    await waitFor('2 pods', async () => live(await pods('dep3', 'app=gone')).length === 2, 30_000);
    const del = await kubectl(rig.env, ['delete', 'deployment/gone', '-n', 'dep3']);
    expect(del.code, del.stderr).toBe(0);
    await waitFor(
      'RS and pods gone',
      async () => {
        const rss = (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'dep3' })).items;
        return rss.length === 0 && (await pods('dep3', 'app=gone')).length === 0;
      },
      30_000,
    );
  });
});

describe('garbage collector finalizers', () => {
  // kubectl sends propagationPolicy; the apiserver turns it into the orphan / foregroundDeletion finalizer.
  it('kubectl delete --cascade=orphan: dependents lose the owner reference and stay; --cascade=foreground: dependents go first', async () => {
    await createNamespace(rig.client, 'gc1');
    const dc = rig.client.resource<Obj>(R.deployments);
    await dc.create(deployment('keep', 'gc1', 2, 'busybox:1'));
    await dc.create(deployment('fg', 'gc1', 2, 'busybox:1'));
    await waitFor('4 pods', async () => live(await pods('gc1', 'app in (keep,fg)')).length === 4, 30_000);

    const orphan = await kubectl(rig.env, ['delete', 'deployment/keep', '-n', 'gc1', '--cascade=orphan']);
    expect(orphan.code, orphan.stderr).toBe(0);
    await waitFor(
      'orphaning owner gone',
      async () => !(await dc.list({ namespace: 'gc1' })).items.some((d) => d.metadata.name === 'keep'),
      30_000,
    );
    const rss = (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'gc1', labelSelector: 'app=keep' })).items;
    expect(rss).toHaveLength(1);
    expect(rss[0].metadata.ownerReferences ?? []).toEqual([]);
    await new Promise((r) => setTimeout(r, 1000));
    expect(live(await pods('gc1', 'app=keep'))).toHaveLength(2);

    const fgDel = await kubectl(rig.env, ['delete', 'deployment/fg', '-n', 'gc1', '--cascade=foreground', '--wait=false']);
    expect(fgDel.code, fgDel.stderr).toBe(0);
    let ownerGoneFirst = false;
    await waitFor(
      'foreground owner gone after its dependents',
      async () => {
        // Dependents first, then the owner: list them in that order so a gone owner implies the check is fresh.
        const deps = (await rig.client.resource<Obj>(R.replicasets).list({ namespace: 'gc1', labelSelector: 'app=fg' })).items;
        const owner = (await dc.list({ namespace: 'gc1' })).items.find((d) => d.metadata.name === 'fg');
        if (!owner && deps.length > 0) ownerGoneFirst = true;
        return !owner && deps.length === 0;
      },
      30_000,
    );
    expect(ownerGoneFirst).toBe(false);
    expect(live(await pods('gc1', 'app=fg'))).toHaveLength(0);
  });
});

describe('Job', () => {
  it('runs completions with parallelism, Indexed mode, and fails at backoffLimit', async () => {
    await createNamespace(rig.client, 'job1');
    rig.nodes.finish = (p) =>
      p.metadata.labels?.['job-name']?.startsWith('ok') || p.metadata.labels?.finish === 'ok'
        ? 'Succeeded'
        : p.metadata.labels?.['job-name'] === 'bad'
          ? 'Failed'
          : undefined;
    const jc = rig.client.resource<Obj>(R.jobs);
    const job = (name: string, spec: object): Obj => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: 'job1' },
      spec: { ...spec, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await jc.create(job('ok', { completions: 3, parallelism: 2 }));
    await jc.create(job('ok-indexed', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await jc.create(job('bad', { backoffLimit: 0 }));
    const wait = await kubectl(rig.env, ['wait', '--for=condition=complete', 'job/ok', 'job/ok-indexed', '-n', 'job1', '--timeout=60s']);
    expect(wait.code, wait.stdout + wait.stderr).toBe(0);
    const ok = await jc.get('ok', 'job1');
    expect(ok.status).toMatchObject({ succeeded: 3, active: 0, failed: 0 });
    expect(ok.status.completionTime).toBeTruthy();
    expect((await pods('job1', 'job-name=ok')).filter((p) => p.status?.phase === 'Succeeded')).toHaveLength(3);
    const indexed = await jc.get('ok-indexed', 'job1');
    expect(indexed.status.completedIndexes).toBe('0-2');
    const idx = (await pods('job1', 'job-name=ok-indexed'))
      .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
      .sort();
    expect(idx).toEqual(['0', '1', '2']);
    // ttlSecondsAfterFinished: a finished Job and its pods are deleted.
    await jc.create(job('ok-ttl', { ttlSecondsAfterFinished: 1 }));
    await waitFor(
      'ttl job deleted with its pods',
      async () => {
        const jobs = (await jc.list({ namespace: 'job1' })).items.map((j) => j.metadata.name);
        return !jobs.includes('ok-ttl') && (await pods('job1', 'job-name=ok-ttl')).length === 0;
      },
      30_000,
    );
    const bad = await waitFor(
      'bad job failed',
      async () => {
        const j = await jc.get('bad', 'job1');
        return j.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Failed' && c.status === 'True') && j;
      },
      30_000,
    );
    expect(bad.status.conditions.find((c: { type: string }) => c.type === 'Failed').reason).toBe('BackoffLimitExceeded');
    expect(bad.status.failed).toBe(1);
  });

  it('CronJob creates the Job for a due schedule time and records its success', async () => {
    const cc = rig.client.resource<Obj>(R.cronjobs);
    await cc.create({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'tick', namespace: 'job1' },
      spec: {
        schedule: '*/1 * * * *',
        concurrencyPolicy: 'Forbid',
        jobTemplate: {
          spec: {
            template: {
              metadata: { labels: { finish: 'ok' } },
              spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
            },
          },
        },
      },
    });
    // Pretend the last run was 90 s ago: one schedule time is due now.
    const last = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await cc.patch('tick', { status: { lastScheduleTime: last } }, 'merge', { namespace: 'job1', subresource: 'status' });
    const due = Math.floor(Date.now() / 60_000) * 60_000;
    const job = await waitFor(
      'the job',
      async () =>
        (await rig.client.resource<Obj>(R.jobs).list({ namespace: 'job1' })).items.find((j) => j.metadata.name?.startsWith('tick-')),
      30_000,
    );
    expect([Math.floor(due / 60_000), Math.floor(due / 60_000) - 1, Math.floor(due / 60_000) + 1].map((m) => `tick-${m}`)).toContain(
      job.metadata.name,
    );
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CronJob', name: 'tick', controller: true });
    expect(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBeTruthy();
    const cj = await waitFor(
      'lastSuccessfulTime',
      async () => {
        const c = await cc.get('tick', 'job1');
        return c.status?.lastSuccessfulTime && !(c.status?.active ?? []).length && c;
      },
      30_000,
    );
    expect(Date.parse(cj.status.lastScheduleTime)).toBeGreaterThan(Date.parse(last));
    rig.nodes.finish = () => undefined;
  });
});
