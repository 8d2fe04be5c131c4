// TTL-after-finished controller: deletes a finished Job (with its pods, in the background)
// spec.ttlSecondsAfterFinished after it completed or failed.
import { isNotFound, R, type batch, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';

type Job = batch.Job & { metadata: NonNullable<batch.Job['metadata']>; [k: string]: unknown };

/** When a finished Job expires (epoch ms), or undefined if it has no TTL or is not finished. */
export function expiresAt(j: Job): number | undefined {
  const ttl = j.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null) return undefined;
  const c = j.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  if (!c) return undefined;
  const finished = Date.parse((c.type === 'Complete' ? j.status?.completionTime : undefined) ?? c.lastTransitionTime ?? '');
  return Number.isNaN(finished) ? undefined : finished + ttl * 1000;
}

export class TTLAfterFinishedController extends Controller {
  private readonly jobs: Informer<Job>;
  private readonly client: ResourceClient<Job>;

  constructor(ctx: ControllerContext, workers: number) {
    super('ttl-after-finished', ctx, workers);
    this.jobs = ctx.factory.informer<Job>(R.jobs);
    this.client = ctx.client.resource<Job>(R.jobs);
    this.jobs.addEventHandler({ onAdd: (j) => this.enqueue(j), onUpdate: (_o, j) => this.enqueue(j) });
  }

  protected async reconcile(key: string): Promise<void> {
    const job = this.jobs.store.get(key);
    if (!job || job.metadata.deletionTimestamp) return;
    const at = expiresAt(job);
    if (at === undefined) return;
    const left = at - Date.now();
    if (left > 0) return this.enqueueAfter(key, left + 50);
    // Re-check the live object: the TTL or the Job may have changed since the cache saw it.
    const fresh = await this.client
      .get(job.metadata.name!, job.metadata.namespace)
      .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    if (!fresh || fresh.metadata.uid !== job.metadata.uid) return;
    const freshAt = expiresAt(fresh);
    if (freshAt === undefined || freshAt > Date.now()) return this.enqueue(key);
    this.log.info({ job: key }, 'deleting finished job past its TTL');
    await this.client
      .delete(job.metadata.name!, {
        namespace: job.metadata.namespace,
        propagationPolicy: 'Background',
        preconditions: { uid: job.metadata.uid },
      })
      .catch((e) => {
        if (!isNotFound(e)) throw e;
      });
  }
}
