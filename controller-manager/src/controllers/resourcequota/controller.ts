// The resourcequota controller (upstream pkg/controller/resourcequota): keeps each ResourceQuota's
// status.hard (= spec.hard) and status.used (recalculated from the namespace's objects), so usage charged
// by the ResourceQuota admission is given back when pods finish or objects are deleted. Quotas are synced
// when their spec changes, when a counted object of their namespace is deleted or changed so that it may use
// less (upstream's replenishment; a recount on creates would race with creates in flight), and all of them every
// --resource-quota-sync-period. Pods, services, configmaps, secrets, claims and replication controllers
// come from informers; other "count/<resource>.<group>" resources are listed when a quota names them.
import {
  R,
  RESOURCES,
  isConflict,
  isNotFound,
  type Informer,
  type KubeObject,
  type ResourceClient,
  type ResourceQuota,
  type ResourceType,
} from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { countedResource, quotaStatus, statusDiffers, updateMayFreeUsage, type Counted } from './logic';

type Quota = ResourceQuota & KubeObject;

/** The kinds whose deletes and updates may give usage back. */
const WATCHED = [R.pods, R.services, R.configmaps, R.secrets, R.persistentvolumeclaims, R.replicationcontrollers, R.resourcequotas];

export class ResourceQuotaController extends Controller {
  private readonly quotas: Informer<Quota>;
  private readonly watched = new Map<ResourceType, Informer<KubeObject>>();
  private readonly quotaClient: ResourceClient<Quota>;
  private timer?: NodeJS.Timeout;

  constructor(ctx: ControllerContext, workers: number) {
    super('resourcequota', ctx, workers);
    this.quotas = ctx.factory.informer<Quota>(R.resourcequotas);
    this.quotaClient = ctx.client.resource<Quota>(R.resourcequotas);
    this.quotas.addEventHandler({
      onAdd: (q) => this.enqueue(q),
      // a status write (ours or an admission's charge) needs no recalculation; a new spec does
      onUpdate: (o, q) => {
        if (JSON.stringify(o.spec) !== JSON.stringify(q.spec) || !q.status?.hard) this.enqueue(q);
      },
    });
    for (const rt of WATCHED) {
      const inf = rt === R.resourcequotas ? (this.quotas as unknown as Informer<KubeObject>) : ctx.factory.informer<KubeObject>(rt);
      this.watched.set(rt, inf);
      // upstream's replenishment: deletes and usage-lowering updates give usage back; creates were charged already
      inf.addEventHandler({
        onUpdate: (o, n) => {
          if (updateMayFreeUsage(rt.resource, o, n, new Date())) this.enqueueNamespace(n.metadata.namespace);
        },
        onDelete: (o) => this.enqueueNamespace(o.metadata.namespace),
      });
    }
  }

  private enqueueNamespace(ns: string | undefined): void {
    if (!ns) return;
    for (const q of this.quotas.store.byIndex('namespace', ns)) this.enqueue(q);
  }

  protected override async beforeRun(): Promise<void> {
    const period = this.ctx.options.resourceQuotaSyncPeriodMs;
    if (period > 0) {
      this.timer = setInterval(() => {
        for (const q of this.quotas.store.list()) this.enqueue(q);
      }, period);
      this.timer.unref();
    }
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  /** The namespace's objects of every kind the quota's hard list can charge. */
  private async counted(quota: Quota): Promise<Counted[]> {
    const ns = quota.metadata.namespace!;
    const out: Counted[] = [];
    for (const [rt, inf] of this.watched) out.push({ group: rt.group, resource: rt.resource, items: inf.store.byIndex('namespace', ns) });
    for (const name of Object.keys(quota.spec?.hard ?? {})) {
      const c = countedResource(name);
      if (!c || WATCHED.some((rt) => rt.group === c.group && rt.resource === c.resource)) continue;
      const rt = RESOURCES.find((r) => r.group === c.group && r.resource === c.resource && r.namespaced);
      if (!rt) continue; // a kind this cluster does not serve counts nothing
      out.push({ ...c, items: (await this.ctx.client.resource(rt).list({ namespace: ns })).items });
    }
    return out;
  }

  protected async reconcile(key: string): Promise<void> {
    const quota = this.quotas.store.get(key);
    if (!quota) return;
    const want = quotaStatus(quota, await this.counted(quota), new Date());
    if (!statusDiffers(quota, want)) return;
    await this.quotaClient.updateStatus({ ...quota, status: want }).then(
      () => this.log.debug({ quota: key, used: want.used }, 'quota usage recalculated'),
      (e) => {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
        this.enqueueAfter(key, 100); // the informer brings the newer quota; decide again on it
      },
    );
  }
}
