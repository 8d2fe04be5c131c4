// The PersistentVolume controller (upstream persistentvolume-binder): binds claims to volumes, asks external
// provisioners for new ones (the claim annotation), moves phases (Available, Bound, Released, Failed;
// Pending, Bound, Lost) and leaves Delete to the provisioner that made a volume. Keys "claim:ns/name"
// and "volume:name" go through one queue with one worker (two workers could bind one volume twice);
// everything is resynced every 15 s, as upstream's --pvclaimbinder-sync-period.
import { defaultClass, isNotFound, R, type Claim, type Informer, type ResourceClient, type StorageClass, type Volume } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { activePodsOfClaim, indexPodsByClaim } from '../../util/claims';
import type { Pod } from '../../util/types';
import { boundClaim, boundVolume, claimStatus, provisionerAnnotations, syncClaim, syncVolume, unboundVolume, type ClaimStep, type Event, type VolumeStep } from './binder';

const RESYNC_MS = 15_000;

export class PersistentVolumeController extends Controller {
  private readonly claims: Informer<Claim>;
  private readonly volumes: Informer<Volume>;
  private readonly classes: Informer<StorageClass>;
  private readonly pods: Informer<Pod>;
  private readonly claimClient: ResourceClient<Claim>;
  private readonly volumeClient: ResourceClient<Volume>;
  private timer?: NodeJS.Timeout;

  constructor(ctx: ControllerContext) {
    super('persistentvolume-binder', ctx, 1);
    this.claims = ctx.factory.informer<Claim>(R.persistentvolumeclaims);
    this.volumes = ctx.factory.informer<Volume>(R.persistentvolumes);
    this.classes = ctx.factory.informer<StorageClass>(R.storageclasses);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    indexPodsByClaim(this.pods);
    this.claimClient = ctx.client.resource<Claim>(R.persistentvolumeclaims);
    this.volumeClient = ctx.client.resource<Volume>(R.persistentvolumes);
    const claim = (c: Claim) => this.enqueue(`claim:${c.metadata.namespace}/${c.metadata.name}`);
    const volume = (v: Volume) => this.enqueue(`volume:${v.metadata.name}`);
    this.claims.addEventHandler({
      onAdd: claim,
      onUpdate: (_o, c) => claim(c),
      // a deleted claim releases its volume
      onDelete: (c) => {
        if (c.spec?.volumeName) this.enqueue(`volume:${c.spec.volumeName}`);
      },
    });
    this.volumes.addEventHandler({
      onAdd: volume,
      onUpdate: (_o, v) => volume(v),
      onDelete: (v) => {
        const ref = v.spec?.claimRef;
        if (ref?.name) this.enqueue(`claim:${ref.namespace}/${ref.name}`);
      },
    });
    // a new default class or a changed class may settle pending claims
    this.classes.addEventHandler({ onAdd: () => this.resync(), onUpdate: () => this.resync() });
    // a pod using an unbound claim changes its WaitForPodScheduled event
    this.pods.addEventHandler({
      onAdd: (p) => {
        if (!p.spec?.nodeName) for (const v of p.spec?.volumes ?? []) if (v.persistentVolumeClaim) this.enqueue(`claim:${p.metadata.namespace}/${v.persistentVolumeClaim.claimName}`);
      },
    });
  }

  private resync(): void {
    for (const c of this.claims.store.list()) this.enqueue(`claim:${c.metadata.namespace}/${c.metadata.name}`);
    for (const v of this.volumes.store.list()) this.enqueue(`volume:${v.metadata.name}`);
  }

  protected override async beforeRun(): Promise<void> {
    this.timer = setInterval(() => this.resync(), RESYNC_MS);
    this.timer.unref();
  }

  override stop(): void {
    if (this.timer) clearInterval(this.timer);
    super.stop();
  }

  protected async reconcile(key: string): Promise<void> {
    if (key.startsWith('claim:')) await this.syncClaim(key.slice('claim:'.length));
    else if (key.startsWith('volume:')) await this.syncVolume(key.slice('volume:'.length));
  }

  private event(obj: Claim | Volume, kind: string, e: Event): void {
    this.ctx.recorder.event({ apiVersion: 'v1', kind, ...obj }, e.type, e.reason, e.message);
  }

  private async syncClaim(key: string): Promise<void> {
    let claim = this.claims.store.get(key);
    if (!claim || claim.metadata.deletionTimestamp) return;
    const steps = syncClaim(claim, {
      volumes: this.volumes.store.list(),
      volume: (name) => this.volumes.store.get(name),
      storageClass: (name) => this.classes.store.get(name),
      defaultClass: defaultClass(this.classes.store.list()),
      unscheduledPods: activePodsOfClaim(this.pods, key).filter((p) => !p.spec?.nodeName).map((p) => p.metadata.name!),
    });
    for (const s of steps) claim = await this.claimStep(claim, s);
  }

  private async claimStep(claim: Claim, s: ClaimStep): Promise<Claim> {
    switch (s.do) {
      case 'bind':
        return this.bind(s.volume, claim);
      case 'phase': {
        const status = claimStatus(claim, s.phase);
        if (!status) return claim;
        const next = await this.claimClient.updateStatus({ ...claim, status });
        if (s.event && claim.status?.phase !== s.phase) this.event(next, 'PersistentVolumeClaim', s.event);
        return next;
      }
      case 'event':
        this.event(claim, 'PersistentVolumeClaim', s.event);
        return claim;
      case 'defaultClass':
        this.log.info({ claim: `${claim.metadata.namespace}/${claim.metadata.name}`, storageClass: s.className }, 'assigning the default StorageClass');
        return this.claimClient.update({ ...claim, spec: { ...claim.spec, storageClassName: s.className } });
      case 'provisioner':
        return this.claimClient.update({ ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), ...provisionerAnnotations(s.provisioner) } } });
    }
  }

  /** bind(): the volume first (spec, then phase Bound), then the claim (spec, then status Bound). */
  private async bind(volume: Volume, claim: Claim): Promise<Claim> {
    const v1 = boundVolume(volume, claim);
    if (v1) volume = await this.volumeClient.update(v1);
    if (volume.status?.phase !== 'Bound') volume = await this.volumeClient.updateStatus({ ...volume, status: { ...volume.status, phase: 'Bound', message: undefined } });
    const c1 = boundClaim(claim, volume);
    if (c1) claim = await this.claimClient.update(c1);
    const status = claimStatus(claim, 'Bound', volume);
    if (status) {
      claim = await this.claimClient.updateStatus({ ...claim, status });
      this.log.info({ claim: `${claim.metadata.namespace}/${claim.metadata.name}`, volume: volume.metadata.name }, 'claim bound to volume');
    }
    return claim;
  }

  private async syncVolume(name: string): Promise<void> {
    let volume = this.volumes.store.get(name);
    if (!volume) return;
    const ref = volume.spec?.claimRef;
    let claim = ref?.name ? this.claims.store.getByName(ref.namespace, ref.name) : undefined;
    // the cache may not show a claim made a moment ago: ask before releasing the volume
    if (ref?.uid && !claim && volume.status?.phase !== 'Released' && volume.status?.phase !== 'Failed')
      claim = await this.claimClient.get(ref.name!, ref.namespace).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    for (const s of syncVolume(volume, claim)) volume = await this.volumeStep(volume, s);
  }

  private async volumeStep(volume: Volume, s: VolumeStep): Promise<Volume> {
    switch (s.do) {
      case 'phase': {
        if (volume.status?.phase === s.phase) return volume;
        const next = await this.volumeClient.updateStatus({ ...volume, status: { ...volume.status, phase: s.phase, message: s.event?.message } });
        if (s.event) this.event(next, 'PersistentVolume', s.event);
        this.log.info({ volume: volume.metadata.name, phase: s.phase }, 'volume entered phase');
        return next;
      }
      case 'event':
        this.event(volume, 'PersistentVolume', s.event);
        return volume;
      case 'unbind': {
        const next = await this.volumeClient.update(unboundVolume(volume));
        return this.volumeStep(next, { do: 'phase', phase: 'Available' });
      }
      case 'syncClaim':
        this.enqueue(`claim:${s.key}`);
        return volume;
    }
  }
}
