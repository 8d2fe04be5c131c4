// CronJob controller (upstream cronjob v2): creates a Job for each schedule time, honouring
// startingDeadlineSeconds, concurrencyPolicy (Allow/Forbid/Replace), suspend and the job history limits;
// status active/lastScheduleTime/lastSuccessfulTime.
import { isAlreadyExists, isNotFound, objectKey, R, rfc3339, type batch, type core, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { controllerOf, newControllerRef } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import { jobNameFor, scheduleWindow, ScheduleError } from './schedule';

type Meta = { metadata: NonNullable<batch.Job['metadata']>; [k: string]: unknown };
type CronJob = batch.CronJob & Meta;
type Job = batch.Job & Meta;

export const SCHEDULED_ANNOTATION = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

function jobFinished(j: Job): 'Complete' | 'Failed' | undefined {
  const c = j.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

export class CronJobController extends Controller {
  private readonly cronjobs: Informer<CronJob>;
  private readonly jobs: Informer<Job>;
  private readonly cjClient: ResourceClient<CronJob>;
  private readonly jobClient: ResourceClient<Job>;

  constructor(ctx: ControllerContext, workers: number) {
    super('cronjob', ctx, workers);
    this.cronjobs = ctx.factory.informer<CronJob>(R.cronjobs);
    this.jobs = ctx.factory.informer<Job>(R.jobs);
    this.cjClient = ctx.client.resource<CronJob>(R.cronjobs);
    this.jobClient = ctx.client.resource<Job>(R.jobs);
    this.cronjobs.addEventHandler({ onAdd: (c) => this.enqueue(c), onUpdate: (_o, c) => this.enqueue(c) });
    const jobChanged = (j: Job) => {
      const ref = controllerOf(j);
      if (ref?.kind === 'CronJob') this.enqueue(`${j.metadata.namespace}/${ref.name}`);
    };
    this.jobs.addEventHandler({ onAdd: jobChanged, onUpdate: (_o, j) => jobChanged(j), onDelete: jobChanged });
  }

  protected async reconcile(key: string): Promise<void> {
    const cj = this.cronjobs.store.get(key);
    if (!cj) return;
    const ns = cj.metadata.namespace!;
    const now = Date.now();
    const owned = this.jobs.store.byIndex('namespace', ns).filter((j) => controllerOf(j)?.uid === cj.metadata.uid);
    const status: NonNullable<CronJob['status']> = structuredClone(cj.status ?? {});

    // Active list: the owned Jobs still running (and ones we created that the cache may not show yet).
    const byName = new Map(owned.map((j) => [j.metadata.name!, j]));
    const active: core.ObjectReference[] = [];
    for (const ref of status.active ?? []) {
      const j = byName.get(ref.name!);
      if (j && jobFinished(j)) continue;
      if (!j) {
        const live = await this.jobClient.get(ref.name!, ns).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
        if (!live || jobFinished(live)) continue;
      }
      active.push(ref);
    }
    for (const j of owned) {
      const done = jobFinished(j);
      if (!done && !active.some((r) => r.uid === j.metadata.uid)) active.push(this.ref(j));
      if (done === 'Complete') {
        const t = j.status?.completionTime;
        if (t && (!status.lastSuccessfulTime || Date.parse(t) > Date.parse(status.lastSuccessfulTime))) status.lastSuccessfulTime = t;
        if ((cj.status?.active ?? []).some((r) => r.uid === j.metadata.uid)) this.ctx.recorder.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: Complete`);
      }
    }
    status.active = active;
    await this.cleanupHistory(cj, owned);

    if (!cj.metadata.deletionTimestamp && !cj.spec?.suspend) await this.maybeRun(cj, status, now);
    if (!semanticEqual(status, cj.status ?? {})) {
      if (!status.active?.length) delete status.active;
      await this.cjClient.updateStatus({ ...cj, status }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  private ref(j: Job): core.ObjectReference {
    return { apiVersion: 'batch/v1', kind: 'Job', name: j.metadata.name, namespace: j.metadata.namespace, uid: j.metadata.uid, resourceVersion: j.metadata.resourceVersion };
  }

  private async maybeRun(cj: CronJob, status: NonNullable<CronJob['status']>, now: number): Promise<void> {
    const spec = cj.spec!;
    const key = objectKey(cj);
    let earliest = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || now;
    if (spec.startingDeadlineSeconds != null) earliest = Math.max(earliest, now - spec.startingDeadlineSeconds * 1000);
    let w;
    try {
      w = scheduleWindow(spec.schedule, spec.timeZone ?? undefined, earliest, now);
    } catch (e) {
      if (e instanceof ScheduleError) return void this.ctx.recorder.event(cj, 'Warning', 'UnparseableSchedule', e.message);
      throw e;
    }
    this.enqueueAfter(key, w.next - now + 100);
    if (w.mostRecent === undefined) return;
    if (w.missed > 100) this.ctx.recorder.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const scheduled = w.mostRecent;
    if (spec.startingDeadlineSeconds != null && scheduled < now - spec.startingDeadlineSeconds * 1000) {
      this.ctx.recorder.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc3339(scheduled)}`);
      return;
    }
    const name = jobNameFor(cj.metadata.name!, scheduled);
    if (status.active?.some((r) => r.name === name) || this.jobs.store.get(`${cj.metadata.namespace}/${name}`)) return;
    const policy = spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && status.active?.length) {
      this.ctx.recorder.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return;
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) {
        await this.jobClient.delete(ref.name!, { namespace: cj.metadata.namespace, propagationPolicy: 'Background' }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
        this.ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${ref.name}`);
      }
      status.active = [];
    }
    const t = spec.jobTemplate;
    const job: Job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name,
        namespace: cj.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_ANNOTATION]: rfc3339(scheduled) },
        ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
      },
      spec: structuredClone(t.spec!),
    };
    let created: Job;
    try {
      created = await this.jobClient.create(job, { namespace: cj.metadata.namespace });
      this.ctx.recorder.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${name}`);
    } catch (e) {
      if (!isAlreadyExists(e)) {
        this.ctx.recorder.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(e as Error).message}`);
        throw e;
      }
      created = await this.jobClient.get(name, cj.metadata.namespace);
      if (controllerOf(created)?.uid !== cj.metadata.uid) return;
    }
    if (!jobFinished(created) && !status.active?.some((r) => r.uid === created.metadata.uid)) status.active = [...(status.active ?? []), this.ref(created)];
    status.lastScheduleTime = rfc3339(scheduled);
  }

  /** Keep successfulJobsHistoryLimit / failedJobsHistoryLimit finished Jobs, the newest. */
  private async cleanupHistory(cj: CronJob, owned: Job[]): Promise<void> {
    const limits = { Complete: cj.spec?.successfulJobsHistoryLimit ?? 3, Failed: cj.spec?.failedJobsHistoryLimit ?? 1 };
    for (const kind of ['Complete', 'Failed'] as const) {
      const done = owned
        .filter((j) => jobFinished(j) === kind && !j.metadata.deletionTimestamp)
        .sort((a, b) => Date.parse(a.status?.startTime ?? a.metadata.creationTimestamp ?? '') - Date.parse(b.status?.startTime ?? b.metadata.creationTimestamp ?? ''));
      for (const j of done.slice(0, Math.max(0, done.length - limits[kind]))) {
        await this.jobClient.delete(j.metadata.name!, { namespace: j.metadata.namespace, propagationPolicy: 'Background' }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
        this.ctx.recorder.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${j.metadata.name}`);
      }
    }
  }
}
