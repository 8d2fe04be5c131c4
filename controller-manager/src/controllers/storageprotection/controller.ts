// The pvc-protection and pv-protection controllers (upstream StorageObjectInUseProtection): a claim being
// deleted keeps kubernetes.io/pvc-protection until no scheduled, unterminated pod uses it (the informer's
// answer confirmed by a live list of the namespace's pods, as upstream asks the apiserver); a volume being
// deleted keeps kubernetes.io/pv-protection until it is no longer Bound. Both add their finalizer to
// objects missing it (made before the admission step existed).
import { PVC_PROTECTION_FINALIZER, PV_PROTECTION_FINALIZER, R, isConflict, isNotFound, type Claim, type Informer, type KubeObject, type ResourceClient, type Volume } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { indexPodsByClaim, POD_CLAIM_INDEX } from '../../util/claims';
import type { Pod } from '../../util/types';
import { claimInUse, finalizerStep, volumeInUse } from './logic';

/** The object with `finalizer` added or removed, written with its resourceVersion (a conflict is retried). */
async function setFinalizer<T extends KubeObject>(client: ResourceClient<T>, obj: T, finalizer: string, add: boolean): Promise<void> {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await client.update({ ...obj, metadata: { ...obj.metadata, finalizers: add ? [...rest, finalizer] : rest } }).catch((e) => {
    if (!isNotFound(e)) throw e;
  });
}

export class PvcProtectionController extends Controller {
  private readonly claims: Informer<Claim>;
  private readonly pods: Informer<Pod>;
  private readonly claimClient: ResourceClient<Claim>;
  private readonly podClient: ResourceClient<Pod>;

  constructor(ctx: ControllerContext, workers: number) {
    super('pvc-protection', ctx, workers);
    this.claims = ctx.factory.informer<Claim>(R.persistentvolumeclaims);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    indexPodsByClaim(this.pods);
    this.claimClient = ctx.client.resource<Claim>(R.persistentvolumeclaims);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.claims.addEventHandler({ onAdd: (c) => this.enqueue(c), onUpdate: (_o, c) => this.enqueue(c) });
    // a pod going away (or finishing) may free the claims it used
    const podChanged = (p: Pod) => {
      for (const v of p.spec?.volumes ?? []) if (v.persistentVolumeClaim?.claimName) this.enqueue(`${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
    };
    this.pods.addEventHandler({ onUpdate: (_o, p) => podChanged(p), onDelete: podChanged });
  }

  protected async reconcile(key: string): Promise<void> {
    const claim = this.claims.store.get(key);
    if (!claim) return;
    const informerSaysUsed = claimInUse(claim, this.pods.store.byIndex(POD_CLAIM_INDEX, key));
    let step = finalizerStep(claim, PVC_PROTECTION_FINALIZER, () => informerSaysUsed);
    if (step === 'remove') {
      const live = await this.podClient.list({ namespace: claim.metadata.namespace });
      if (claimInUse(claim, live.items)) step = 'keep';
    }
    if (step === 'keep') return;
    await setFinalizer(this.claimClient, claim, PVC_PROTECTION_FINALIZER, step === 'add').catch((e) => {
      if (!isConflict(e)) throw e;
      this.enqueueAfter(key, 100);
    });
    if (step === 'remove') this.log.info({ claim: key }, 'claim no longer used: protection finalizer removed');
  }
}

export class PvProtectionController extends Controller {
  private readonly volumes: Informer<Volume>;
  private readonly volumeClient: ResourceClient<Volume>;

  constructor(ctx: ControllerContext, workers: number) {
    super('pv-protection', ctx, workers);
    this.volumes = ctx.factory.informer<Volume>(R.persistentvolumes);
    this.volumeClient = ctx.client.resource<Volume>(R.persistentvolumes);
    this.volumes.addEventHandler({ onAdd: (v) => this.enqueue(v), onUpdate: (_o, v) => this.enqueue(v) });
  }

  protected async reconcile(key: string): Promise<void> {
    const volume = this.volumes.store.get(key);
    if (!volume) return;
    const step = finalizerStep(volume, PV_PROTECTION_FINALIZER, () => volumeInUse(volume));
    if (step === 'keep') return;
    await setFinalizer(this.volumeClient, volume, PV_PROTECTION_FINALIZER, step === 'add').catch((e) => {
      if (!isConflict(e)) throw e;
      this.enqueueAfter(key, 100);
    });
  }
}
