// Job controller (upstream pkg/controller/job, without pod-tracking finalizers): runs pods until
// `completions` succeed (or, without completions, until one succeeds and the rest finish), honours
// parallelism, Indexed completion mode, backoffLimit with exponential backoff, activeDeadlineSeconds
// and suspend; status active/succeeded/failed/ready, startTime/completionTime, conditions.
import { isConflict, isNotFound, labelSelectorFromObject, matchesLabels, objectKey, R, rfc3339, type batch, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { Expectations, ownedPodHandlers } from '../../util/expectations';
import { adoptPatch, claimAction, newControllerRef, releasePatch } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import type { Pod } from '../../util/types';
import { slowStartBatches } from '../replicaset/logic';
import { backoffMs, countPods, formatIndexes, INDEX_ANNOTATION, pendingIndexes, verdict, wantActive, type JobSpecView } from './logic';

type Job = batch.Job & { metadata: NonNullable<batch.Job['metadata']>; [k: string]: unknown };
type JobCondition = batch.JobCondition;


export function specView(j: Job): JobSpecView {
  const s = j.spec!;
  return {
    parallelism: s.parallelism ?? 1,
    completions: s.completions ?? undefined,
    backoffLimit: s.backoffLimit ?? 6,
    activeDeadlineSeconds: s.activeDeadlineSeconds ?? undefined,
    indexed: s.completionMode === 'Indexed',
    suspend: s.suspend === true,
  };
}

function finished(j: Job): JobCondition | undefined {
  return j.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

function withCondition(conds: JobCondition[] | undefined, c: JobCondition): JobCondition[] {
  const cur = conds?.find((x) => x.type === c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return conds!;
  return [...(conds ?? []).filter((x) => x.type !== c.type), c];
}

export class JobController extends Controller {
  private readonly jobs: Informer<Job>;
  private readonly pods: Informer<Pod>;
  private readonly jobClient: ResourceClient<Job>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly expectations = new Expectations();
  /** Per Job: the failure count last seen and when it grew (for the backoff before replacing pods). */
  private readonly failures = new Map<string, { failed: number; at: number }>();

  constructor(ctx: ControllerContext, workers: number) {
    super('job', ctx, workers);
    this.jobs = ctx.factory.informer<Job>(R.jobs);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.jobClient = ctx.client.resource<Job>(R.jobs);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.jobs.addEventHandler({
      onAdd: (j) => this.enqueue(j),
      onUpdate: (_o, j) => this.enqueue(j),
      onDelete: (j) => {
        this.expectations.delete(objectKey(j));
        this.failures.delete(objectKey(j));
      },
    });
    this.pods.addEventHandler(ownedPodHandlers('Job', this.expectations, (k) => this.enqueue(k)));
  }

  protected async reconcile(key: string): Promise<void> {
    const job = this.jobs.store.get(key);
    if (!job) return;
    const ns = job.metadata.namespace!;
    const uid = job.metadata.uid!;
    const spec = specView(job);
    const now = Date.now();

    const selector = labelSelectorFromObject(job.spec?.selector);
    const pods: Pod[] = [];
    for (const p of this.pods.store.byIndex('namespace', ns)) {
      const action = claimAction(uid, !!job.metadata.deletionTimestamp, p, matchesLabels(selector, p.metadata.labels));
      if (action === 'keep') pods.push(p);
      else if (action === 'adopt') pods.push(await this.podClient.patch(p.metadata.name!, adoptPatch(p, newControllerRef(job, 'batch/v1', 'Job')), 'merge', { namespace: ns }));
      else if (action === 'release') await this.podClient.patch(p.metadata.name!, releasePatch(p, uid), 'merge', { namespace: ns }).catch(() => undefined);
    }
    const counts = countPods(pods, spec);
    const prev = this.failures.get(key);
    if (!prev || counts.failed > prev.failed) this.failures.set(key, { failed: counts.failed, at: prev ? now : 0 });

    const status: NonNullable<Job['status']> = structuredClone(job.status ?? {});
    const done = finished(job);
    if (!done && !spec.suspend && !status.startTime) status.startTime = rfc3339(now);
    const startTime = status.startTime ? Date.parse(status.startTime) : undefined;
    const v = done ? undefined : verdict(spec, counts, startTime, now);

    if (done || v?.done) {
      // Finished: nothing more runs.
      await this.deletePods(job, counts.active);
      if (v?.done) {
        const t = rfc3339(now);
        if (v.type === 'Complete') {
          status.conditions = withCondition(status.conditions, { type: 'Complete', status: 'True', lastProbeTime: t, lastTransitionTime: t });
          status.completionTime = t;
          this.ctx.recorder.event(job, 'Normal', 'Completed', 'Job completed');
        } else {
          status.conditions = withCondition(status.conditions, { type: 'Failed', status: 'True', reason: v.reason, message: v.message, lastProbeTime: t, lastTransitionTime: t });
          this.ctx.recorder.event(job, 'Warning', v.reason, v.message);
        }
      }
      return this.writeStatus(job, status, counts, 0);
    }

    const suspended = status.conditions?.find((c) => c.type === 'Suspended');
    const t = rfc3339(now);
    if (spec.suspend && suspended?.status !== 'True') {
      status.conditions = withCondition(status.conditions, { type: 'Suspended', status: 'True', reason: 'JobSuspended', message: 'Job suspended', lastProbeTime: t, lastTransitionTime: t });
      this.ctx.recorder.event(job, 'Normal', 'Suspended', 'Job suspended');
    } else if (!spec.suspend && suspended?.status === 'True') {
      status.conditions = withCondition(status.conditions, { type: 'Suspended', status: 'False', reason: 'JobResumed', message: 'Job resumed', lastProbeTime: t, lastTransitionTime: t });
      status.startTime = t;
      this.ctx.recorder.event(job, 'Normal', 'Resumed', 'Job resumed');
    }

    let activeCount = counts.active.length;
    if (this.expectations.satisfied(key)) {
      const want = wantActive(spec, counts);
      if (activeCount > want) {
        // Newest first, as the ReplicaSet ranks them.
        const victims = counts.active.slice().sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '')).slice(0, activeCount - want);
        await this.deletePods(job, victims);
        activeCount -= victims.length;
      } else if (activeCount < want) {
        const f = this.failures.get(key)!;
        const wait = f.at + backoffMs(counts.failed) - now;
        if (counts.failed > 0 && wait > 0) this.enqueueAfter(key, wait);
        else activeCount += await this.createPods(key, job, spec, counts, want - activeCount);
      }
    }
    if (spec.activeDeadlineSeconds !== undefined && startTime !== undefined) this.enqueueAfter(key, Math.max(0, startTime + spec.activeDeadlineSeconds * 1000 - now) + 100);
    return this.writeStatus(job, status, counts, activeCount);
  }

  private async createPods(key: string, job: Job, spec: JobSpecView, counts: ReturnType<typeof countPods>, n: number): Promise<number> {
    const indexes = spec.indexed ? pendingIndexes(spec, counts, n) : Array.from({ length: n }, () => undefined);
    this.expectations.expectCreations(key, indexes.length);
    let created = 0, attempted = 0;
    for (const size of slowStartBatches(indexes.length)) {
      const batch = indexes.slice(attempted, attempted + size);
      attempted += size;
      const results = await Promise.allSettled(batch.map((i) => this.createPod(job, i)));
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      created += batch.length - failed.length;
      for (let i = 0; i < failed.length; i++) this.expectations.creationObserved(key);
      if (failed.length) {
        for (let i = attempted; i < indexes.length; i++) this.expectations.creationObserved(key);
        throw failed[0].reason;
      }
    }
    return created;
  }

  private async createPod(job: Job, index: number | undefined): Promise<void> {
    const t = job.spec!.template;
    const ns = job.metadata.namespace!;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: index === undefined ? `${job.metadata.name}-` : `${job.metadata.name}-${index}-`,
        namespace: ns,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}) },
        ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
      },
      spec: structuredClone(t.spec!),
    };
    if (index !== undefined) {
      pod.metadata.annotations![INDEX_ANNOTATION] = String(index);
      pod.metadata.labels![INDEX_ANNOTATION] = String(index);
      pod.spec!.hostname ??= `${job.metadata.name}-${index}`;
      for (const c of pod.spec!.containers) {
        c.env = [...(c.env ?? []), { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } }];
      }
    }
    try {
      const created = await this.podClient.create(pod, { namespace: ns });
      this.ctx.recorder.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      this.ctx.recorder.event(job, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  private async deletePods(job: Job, pods: Pod[]): Promise<void> {
    if (pods.length === 0) return;
    const key = objectKey(job);
    this.expectations.expectDeletions(key, pods.map((p) => objectKey(p)));
    for (const p of pods) {
      try {
        await this.podClient.delete(p.metadata.name!, { namespace: p.metadata.namespace, preconditions: { uid: p.metadata.uid } });
        this.ctx.recorder.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (e) {
        this.expectations.deletionObserved(key, objectKey(p));
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  }

  private async writeStatus(job: Job, status: NonNullable<Job['status']>, counts: ReturnType<typeof countPods>, active: number): Promise<void> {
    status.active = active;
    status.succeeded = counts.succeeded;
    status.failed = counts.failed;
    status.ready = counts.ready;
    if (specView(job).indexed) {
      const s = formatIndexes(counts.succeededIndexes);
      if (s) status.completedIndexes = s;
      else delete status.completedIndexes;
    }
    if (semanticEqual(status, job.status)) return;
    try {
      await this.jobClient.updateStatus({ ...job, status });
    } catch (e) {
      if (isNotFound(e)) return;
      throw e; // a conflict: the informer brings the newer Job and we sync again
    }
  }
}
