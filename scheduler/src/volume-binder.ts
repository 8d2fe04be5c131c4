// The VolumeBinding plugin's I/O (upstream's volume binder: AssumePodVolumes, BindPodVolumes): claim, volume
// and class informers behind the plugin's view; for the chosen node the plan is assumed (so the next
// cycles do not hand the same volume to another pod), then, before the pod is bound, each chosen volume
// gets its claimRef and each claim to provision the volume.kubernetes.io/selected-node annotation, and
// the binding waits until the PV controller (and the provisioner) have bound every claim.
import {
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  claimReference,
  ANN_SELECTED_NODE,
  R,
  volumeNodeAffinityMatches,
  type ApiClient,
  type Claim,
  type core,
  type Informer,
  type InformerFactory,
  type StorageClass,
  type Volume,
} from '@minik8s/shared';
import { planVolumes, podClaims, type VolumePlan, type VolumeView } from './plugins/volume-binding';

/** Upstream's default bindTimeoutSeconds. */
const BIND_TIMEOUT_MS = 600_000;
const POLL_MS = 200;

const claimKey = (c: Claim) => `${c.metadata.namespace}/${c.metadata.name}`;

export class VolumeBinder {
  private readonly claims: Informer<Claim>;
  private readonly volumes: Informer<Volume>;
  private readonly classes: Informer<StorageClass>;
  private readonly assumedVolumes = new Map<string, string>();
  private readonly assumedProvisions = new Map<string, string>();
  readonly view: VolumeView;

  /** `changed` runs on every claim, volume or class event (pods VolumeBinding rejected may fit now). */
  constructor(
    factory: InformerFactory,
    private readonly client: ApiClient,
    changed: () => void,
  ) {
    this.claims = factory.informer<Claim>(R.persistentvolumeclaims);
    this.volumes = factory.informer<Volume>(R.persistentvolumes);
    this.classes = factory.informer<StorageClass>(R.storageclasses);
    for (const inf of [this.claims, this.volumes, this.classes] as Informer<Claim | Volume | StorageClass>[])
      inf.addEventHandler({ onAdd: changed, onUpdate: changed, onDelete: changed });
    this.view = {
      claim: (ns, name) => this.claims.store.get(`${ns}/${name}`),
      volume: (name) => this.volumes.store.get(name),
      volumes: () => this.volumes.store.list(),
      storageClass: (name) => this.classes.store.get(name),
      assumedVolumes: this.assumedVolumes,
      assumedProvisions: this.assumedProvisions,
    };
  }

  /** The plan for the chosen node, assumed; undefined when the pod has nothing to bind or provision. */
  assume(pod: core.Pod, node: core.Node): VolumePlan | undefined {
    if (!pod.spec?.volumes?.some((v) => v.persistentVolumeClaim)) return undefined;
    const claims = podClaims(pod, this.view);
    if ('code' in claims || claims.delayed.length === 0) return undefined;
    const r = planVolumes(claims, node, this.view);
    if ('reasons' in r) return undefined;
    for (const b of r.plan.bindings) this.assumedVolumes.set(b.volume.metadata.name!, claimKey(b.claim));
    for (const c of r.plan.provisions) this.assumedProvisions.set(claimKey(c), node.metadata!.name!);
    return r.plan;
  }

  forget(plan: VolumePlan): void {
    for (const b of plan.bindings) this.assumedVolumes.delete(b.volume.metadata.name!);
    for (const c of plan.provisions) this.assumedProvisions.delete(claimKey(c));
  }

  /** BindPodVolumes: write the plan, then wait until every claim is bound to a volume the node reaches. Throws why not. */
  async bind(plan: VolumePlan, node: core.Node): Promise<void> {
    const nodeName = node.metadata!.name!;
    try {
      for (const { claim, volume } of plan.bindings) {
        const cur = this.volumes.store.get(volume.metadata.name!) ?? volume;
        await this.client.resource<Volume>(R.persistentvolumes).update({
          ...cur,
          metadata: { ...cur.metadata, annotations: { ...(cur.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' } },
          spec: {
            ...cur.spec,
            claimRef: claimReference(claim),
          },
        });
      }
      for (const claim of plan.provisions) {
        const cur = this.claims.store.get(claimKey(claim)) ?? claim;
        if (cur.metadata.annotations?.[ANN_SELECTED_NODE] === nodeName) continue;
        await this.client.resource<Claim>(R.persistentvolumeclaims).update({
          ...cur,
          metadata: { ...cur.metadata, annotations: { ...(cur.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName } },
        });
      }
      const deadline = Date.now() + BIND_TIMEOUT_MS;
      while (!this.bound(plan, node)) {
        if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } catch (e) {
      throw new Error(`binding volumes: ${(e as Error).message}`, { cause: e });
    }
  }

  /** checkBindings: true once every claim of the plan is bound; throws when that can no longer happen. */
  private bound(plan: VolumePlan, node: core.Node): boolean {
    let done = true;
    for (const want of [...plan.bindings.map((b) => b.claim), ...plan.provisions]) {
      const c = this.claims.store.get(claimKey(want));
      if (!c || c.metadata.uid !== want.metadata.uid) throw new Error(`pvc "${want.metadata.name}" was deleted`);
      const provisioning = plan.provisions.includes(want);
      if (provisioning && !c.spec?.volumeName && c.metadata.annotations?.[ANN_SELECTED_NODE] !== node.metadata!.name)
        throw new Error(`selectedNode annotation reset for PVC "${c.metadata.name}"`);
      if (!c.spec?.volumeName || c.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) {
        done = false;
        continue;
      }
      const v = this.volumes.store.get(c.spec.volumeName);
      if (!v) {
        done = false;
        continue;
      }
      if (!volumeNodeAffinityMatches(v, node))
        throw new Error(`pv "${v.metadata.name}" node affinity doesn't match node "${node.metadata!.name}"`);
    }
    return done;
  }
}
