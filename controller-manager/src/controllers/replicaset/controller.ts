// ReplicaSet and ReplicationController controller (upstream pkg/controller/replicaset): one core,
// parametrised by the resource and how its selector is read.
import {
  apiVersionOf, isConflict, isNotFound, isPodActive, labelSelectorFromObject, labelSelectorFromSet, matchesLabels, objectKey, R, secondsUntilAvailable,
  type core, type Informer, type KubeObject, type LabelSelector, type ResourceClient, type ResourceType,
} from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Pod } from '../../util/types';
import { Expectations } from '../../util/expectations';
import { adoptPatch, claimAction, controllerOf, newControllerRef, releasePatch } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import { countReplicas, podsToDelete, replicaFailureConditions, slowStartBatches } from './logic';

const BURST_REPLICAS = 500;

/** The fields the core needs from a ReplicaSet or a ReplicationController. */
interface ReplicaOwner extends KubeObject {
  spec?: { replicas?: number; minReadySeconds?: number; selector?: unknown; template?: core.PodTemplateSpec };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}

export interface ReplicaKind {
  name: string;
  rt: ResourceType;
  selector(o: ReplicaOwner): LabelSelector;
}

export const REPLICASET: ReplicaKind = {
  name: 'replicaset',
  rt: R.replicasets,
  selector: (o) => labelSelectorFromObject(o.spec?.selector as never),
};

export const REPLICATION_CONTROLLER: ReplicaKind = {
  name: 'replicationcontroller',
  rt: R.replicationcontrollers,
  // An RC's selector is a plain map; empty means "the template's labels" (defaulted by the apiserver).
  selector: (o) => {
    const sel = (o.spec?.selector as Record<string, string> | undefined) ?? o.spec?.template?.metadata?.labels ?? {};
    return Object.keys(sel).length ? labelSelectorFromSet(sel) : { requirements: [], nothing: true };
  },
};

export class ReplicaSetController extends Controller {
  private readonly owners: Informer<ReplicaOwner>;
  private readonly pods: Informer<Pod>;
  private readonly ownerClient: ResourceClient<ReplicaOwner>;
  private readonly podClient: ResourceClient<Pod>;
  readonly expectations = new Expectations();
  private readonly kindName: string;
  private readonly apiVersion: string;

  constructor(private readonly kind: ReplicaKind, ctx: ControllerContext, workers: number) {
    super(kind.name, ctx, workers);
    this.kindName = kind.rt.kind;
    this.apiVersion = apiVersionOf(kind.rt);
    this.owners = ctx.factory.informer<ReplicaOwner>(kind.rt);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.ownerClient = ctx.client.resource<ReplicaOwner>(kind.rt);
    this.podClient = ctx.client.resource<Pod>(R.pods);

    this.owners.addEventHandler({
      onAdd: (o) => this.enqueue(o),
      onUpdate: (_old, cur) => this.enqueue(cur),
      onDelete: (o) => {
        this.expectations.delete(objectKey(o));
        this.enqueue(o);
      },
    });
    this.pods.addEventHandler({
      onAdd: (p) => this.podAdded(p),
      onUpdate: (old, cur) => this.podUpdated(old, cur),
      onDelete: (p) => this.podDeleted(p),
    });
  }

  private ownerKeyOf(pod: Pod): string | undefined {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== this.kindName) return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    const o = this.owners.store.get(key);
    return o && o.metadata.uid === ref.uid ? key : undefined;
  }

  /** Owners in the pod's namespace whose selector matches it (candidates to adopt an orphan). */
  private matchingOwners(pod: Pod): ReplicaOwner[] {
    return this.owners.store.byIndex('namespace', pod.metadata.namespace ?? '').filter((o) => {
      try {
        return matchesLabels(this.kind.selector(o), pod.metadata.labels);
      } catch {
        return false;
      }
    });
  }

  private podAdded(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod);
    const key = this.ownerKeyOf(pod);
    if (key) {
      this.expectations.creationObserved(key);
      return this.enqueue(key);
    }
    if (!controllerOf(pod)) for (const o of this.matchingOwners(pod)) this.enqueue(o);
  }

  private podUpdated(old: Pod, cur: Pod): void {
    if (cur.metadata.resourceVersion === old.metadata.resourceVersion) return;
    const oldKey = this.ownerKeyOf(old), curKey = this.ownerKeyOf(cur);
    if (cur.metadata.deletionTimestamp && !old.metadata.deletionTimestamp && curKey) this.expectations.deletionObserved(curKey, objectKey(cur));
    if (oldKey && oldKey !== curKey) this.enqueue(oldKey);
    if (curKey) {
      this.enqueue(curKey);
      // A pod turning ready must be re-checked once minReadySeconds pass, to count it available.
      const o = this.owners.store.get(curKey);
      const wait = o && secondsUntilAvailable(cur, o.spec?.minReadySeconds ?? 0, Date.now());
      if (wait) this.enqueueAfter(curKey, wait * 1000 + 100);
    } else if (!controllerOf(cur)) {
      for (const o of this.matchingOwners(cur)) this.enqueue(o);
    }
  }

  private podDeleted(pod: Pod): void {
    const key = this.ownerKeyOf(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, objectKey(pod));
    this.enqueue(key);
  }

  protected async reconcile(key: string): Promise<void> {
    const owner = this.owners.store.get(key);
    if (!owner) {
      this.expectations.delete(key);
      return;
    }
    const selector = this.kind.selector(owner);
    const ns = owner.metadata.namespace!;
    const uid = owner.metadata.uid!;
    const deleting = !!owner.metadata.deletionTimestamp;

    // Claim: keep ours, adopt matching orphans, release ours that stopped matching.
    const owned: Pod[] = [];
    for (const pod of this.pods.store.byIndex('namespace', ns)) {
      if (!isPodActive(pod)) continue;
      const action = claimAction(uid, deleting, pod, matchesLabels(selector, pod.metadata.labels));
      if (action === 'keep') owned.push(pod);
      else if (action === 'adopt') {
        const fresh = await this.ownerClient.get(owner.metadata.name!, ns).catch(() => undefined);
        if (!fresh || fresh.metadata.uid !== uid || fresh.metadata.deletionTimestamp) continue;
        try {
          owned.push(await this.podClient.patch(pod.metadata.name!, adoptPatch(pod, newControllerRef(owner, this.apiVersion, this.kindName)), 'merge', { namespace: ns }));
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      } else if (action === 'release') {
        await this.podClient.patch(pod.metadata.name!, releasePatch(pod, uid), 'merge', { namespace: ns }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }

    let failure: { creating: boolean; message: string } | undefined;
    if (this.expectations.satisfied(key) && !deleting) {
      try {
        await this.manageReplicas(key, owner, owned);
      } catch (e) {
        failure = { creating: owned.length < (owner.spec?.replicas ?? 1), message: (e as Error).message };
      }
    }
    await this.updateStatus(owner, owned, failure);
    if (failure) throw new Error(failure.message);
  }

  private async manageReplicas(key: string, owner: ReplicaOwner, pods: Pod[]): Promise<void> {
    const desired = owner.spec?.replicas ?? 1;
    const diff = pods.length - desired;
    const ns = owner.metadata.namespace!;
    if (diff < 0) {
      const want = Math.min(-diff, BURST_REPLICAS);
      this.expectations.expectCreations(key, want);
      let attempted = 0;
      for (const batch of slowStartBatches(want)) {
        attempted += batch;
        const results = await Promise.allSettled(Array.from({ length: batch }, () => this.createPod(owner)));
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        for (let i = 0; i < failed.length; i++) this.expectations.creationObserved(key);
        if (failed.length) {
          // The creations never attempted will never be observed either.
          for (let i = attempted; i < want; i++) this.expectations.creationObserved(key);
          throw failed[0].reason;
        }
      }
    } else if (diff > 0) {
      const related = this.pods.store.byIndex('namespace', ns).filter((p) => isPodActive(p));
      const victims = podsToDelete(pods, related, Math.min(diff, BURST_REPLICAS));
      this.expectations.expectDeletions(key, victims.map((p) => objectKey(p)));
      const results = await Promise.allSettled(
        victims.map(async (p) => {
          try {
            await this.podClient.delete(p.metadata.name!, { namespace: ns, preconditions: { uid: p.metadata.uid } });
            this.ctx.recorder.event(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
          } catch (e) {
            this.expectations.deletionObserved(key, objectKey(p));
            if (isNotFound(e)) return;
            this.ctx.recorder.event(owner, 'Warning', 'FailedDelete', `Error deleting: ${(e as Error).message}`);
            throw e;
          }
        }),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  private async createPod(owner: ReplicaOwner): Promise<void> {
    const t = owner.spec?.template ?? {};
    const ns = owner.metadata.namespace!;
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${owner.metadata.name}-`,
        namespace: ns,
        labels: { ...(t.metadata?.labels ?? {}) },
        annotations: { ...(t.metadata?.annotations ?? {}) },
        ownerReferences: [newControllerRef(owner, this.apiVersion, this.kindName)],
      },
      spec: structuredClone(t.spec ?? { containers: [] }),
    };
    if (t.metadata?.finalizers?.length) pod.metadata.finalizers = [...t.metadata.finalizers];
    try {
      const created = await this.podClient.create(pod, { namespace: ns });
      this.ctx.recorder.event(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    } catch (e) {
      this.ctx.recorder.event(owner, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
      throw e;
    }
  }

  private async updateStatus(owner: ReplicaOwner, pods: Pod[], failure: { creating: boolean; message: string } | undefined): Promise<void> {
    const now = Date.now();
    const minReady = owner.spec?.minReadySeconds ?? 0;
    const counts = countReplicas(pods, owner.spec?.template?.metadata?.labels ?? {}, minReady, now);
    const conditions = replicaFailureConditions(owner.status?.conditions, failure, new Date(now).toISOString());
    const status: Record<string, unknown> = { ...counts, observedGeneration: owner.metadata.generation };
    if (conditions.length) status.conditions = conditions;
    if (!semanticEqual(status, { ...owner.status })) {
      try {
        await this.ownerClient.updateStatus({ ...owner, status } as ReplicaOwner);
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e)) throw e;
        const fresh = await this.ownerClient.get(owner.metadata.name!, owner.metadata.namespace);
        await this.ownerClient.updateStatus({ ...fresh, status } as ReplicaOwner);
      }
    }
    // Ready pods that are not yet available: look again when minReadySeconds have passed.
    if (minReady > 0 && counts.readyReplicas === counts.replicas && counts.availableReplicas !== counts.replicas) {
      this.enqueueAfter(objectKey(owner), minReady * 1000);
    }
  }
}
