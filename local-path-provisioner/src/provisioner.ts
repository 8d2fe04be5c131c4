// The provisioner's I/O shell (client-go shape: informers → work queue → reconcile). Claims the PV
// controller annotated for this provisioner and the scheduler placed on this node get a directory under
// the root and a PersistentVolume bound to them; released volumes of this node whose reclaim policy is
// Delete lose their directory, then their PersistentVolume. Events as the external provisioners send them.
import {
  ANN_SELECTED_NODE,
  R,
  WorkQueue,
  claimClass,
  isAlreadyExists,
  isNotFound,
  objectKey,
  runWorkers,
  type ApiClient,
  type Claim,
  type Counter,
  type EventRecorder,
  type InformerFactory,
  type Informer,
  type Logger,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';
import { deleteDecision, provisionDecision, provisionedVolume, type Me } from './decide';
import { freeBytes, makeVolumeDir, removeVolumeDir } from './fs';
import { volumeDirName } from './paths';

export interface ProvisionerOptions {
  client: ApiClient;
  factory: InformerFactory;
  recorder: Pick<EventRecorder, 'event'>;
  log: Logger;
  me: Me;
  metrics?: { provisioned: Counter<'result'>; deleted: Counter<'result'> };
}

export class LocalPathProvisioner {
  private readonly claims: Informer<Claim>;
  private readonly volumes: Informer<Volume>;
  private readonly classes: Informer<StorageClass>;
  private readonly queue = new WorkQueue<string>({ name: 'local-path-provisioner', baseDelayMs: 500, maxDelayMs: 300_000 });
  /** Volumes already refused (one Event each, not one per update). */
  private readonly refused = new Set<string>();

  constructor(private readonly o: ProvisionerOptions) {
    this.claims = o.factory.informer<Claim>(R.persistentvolumeclaims);
    this.volumes = o.factory.informer<Volume>(R.persistentvolumes);
    this.classes = o.factory.informer<StorageClass>(R.storageclasses);
    const claim = (c: Claim) => this.queue.add(`claim:${objectKey(c)}`);
    const volume = (v: Volume) => this.queue.add(`volume:${v.metadata.name}`);
    this.claims.addEventHandler({ onAdd: claim, onUpdate: (_o, c) => claim(c) });
    this.volumes.addEventHandler({ onAdd: volume, onUpdate: (_o, v) => volume(v) });
    this.classes.addEventHandler({ onAdd: () => this.claims.store.list().forEach(claim) });
  }

  /** Run the workers until stop(); the informers must have synced. */
  run(): Promise<void> {
    return runWorkers(this.queue, 1, (key) => (key.startsWith('claim:') ? this.provision(key.slice(6)) : this.delete(key.slice(7))), this.o.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private async provision(key: string): Promise<void> {
    const claim = this.claims.store.get(key);
    if (!claim) return;
    const { me, client, recorder, log } = this.o;
    const sc = this.classes.store.get(claimClass(claim));
    const free = await freeBytes(me.root);
    const d = provisionDecision(claim, sc, me, () => free);
    if (d.do === 'skip') return;
    const ref = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...claim };
    if (d.do === 'fail') {
      recorder.event(ref, 'Warning', 'ProvisioningFailed', d.message);
      this.o.metrics?.provisioned.inc({ result: 'failed' });
      log.info({ claim: key, reason: d.message }, 'not provisioning');
      if (d.reschedule) {
        // as the external provisioner does for a node that cannot hold the volume: let the scheduler choose again
        const { [ANN_SELECTED_NODE]: _node, ...annotations } = claim.metadata.annotations ?? {};
        await client.resource<Claim>(R.persistentvolumeclaims).update({ ...claim, metadata: { ...claim.metadata, annotations } }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
      return;
    }
    const pvName = `pvc-${claim.metadata.uid}`;
    if (this.volumes.store.get(pvName)) return; // made already; the PV controller binds it
    recorder.event(ref, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${key}"`);
    const path = await makeVolumeDir(me.root, volumeDirName(claim));
    try {
      await client.resource<Volume>(R.persistentvolumes).create(provisionedVolume(claim, sc!, me, path));
    } catch (e) {
      if (!isAlreadyExists(e)) {
        await removeVolumeDir(me.root, volumeDirName(claim));
        recorder.event(ref, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${claimClass(claim)}": error creating PersistentVolume ${pvName}: ${(e as Error).message}`);
        this.o.metrics?.provisioned.inc({ result: 'failed' });
        throw e;
      }
    }
    recorder.event(ref, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    this.o.metrics?.provisioned.inc({ result: 'success' });
    log.info({ claim: key, volume: pvName, path }, 'volume provisioned');
  }

  private async delete(name: string): Promise<void> {
    const pv = this.volumes.store.get(name);
    if (!pv) return;
    const { me, client, recorder, log } = this.o;
    const d = deleteDecision(pv, me);
    if (d.do === 'skip') return;
    const ref = { apiVersion: 'v1', kind: 'PersistentVolume', ...pv };
    if (d.do === 'refuse') {
      if (this.refused.has(pv.metadata.uid!)) return;
      this.refused.add(pv.metadata.uid!);
      recorder.event(ref, 'Warning', 'VolumeFailedDelete', d.message);
      this.o.metrics?.deleted.inc({ result: 'refused' });
      log.warn({ volume: name, path: pv.spec?.hostPath?.path ?? pv.spec?.local?.path }, d.message);
      return;
    }
    try {
      await removeVolumeDir(me.root, d.dir);
    } catch (e) {
      recorder.event(ref, 'Warning', 'VolumeFailedDelete', (e as Error).message);
      this.o.metrics?.deleted.inc({ result: 'failed' });
      throw e;
    }
    await client.resource<Volume>(R.persistentvolumes).delete(name, { preconditions: { uid: pv.metadata.uid } }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
    this.o.metrics?.deleted.inc({ result: 'success' });
    log.info({ volume: name, dir: d.dir }, 'volume deleted');
  }
}
