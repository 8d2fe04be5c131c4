// StatefulSet controller: pods `<set>-<ordinal>` with stable hostnames under spec.serviceName,
// OrderedReady or Parallel pod management, RollingUpdate (partition) or OnDelete, and status as
// `kubectl rollout status statefulset` reads it (currentRevision/updateRevision `<set>-<hash>`).
// Each ordinal keeps its claims (`<template>-<set>-<ordinal>`, made from volumeClaimTemplates before its
// pod), owned as persistentVolumeClaimRetentionPolicy says, so the garbage collector removes them with
// the set or with a scaled-down pod, or never.
import { isAlreadyExists, isConflict, isNotFound, isPodAvailable, isPodReady, labelSelectorFromObject, matchesLabels, R, type apps, type Claim, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { adoptPatch, claimAction, controllerOf, newControllerRef } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import type { Pod } from '../../util/types';
import { computeHash } from '../deployment/hash';
import { claimOwnerRefs, claimsForOrdinal, ordinalOf, planSet, podVolumes, POD_INDEX_LABEL, POD_NAME_LABEL, REVISION_LABEL, type SetView } from './logic';

type StatefulSet = apps.StatefulSet & { metadata: NonNullable<apps.StatefulSet['metadata']>; [k: string]: unknown };

export class StatefulSetController extends Controller {
  private readonly sets: Informer<StatefulSet>;
  private readonly pods: Informer<Pod>;
  private readonly setClient: ResourceClient<StatefulSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly claims: Informer<Claim>;
  private readonly claimClient: ResourceClient<Claim>;

  constructor(ctx: ControllerContext, workers: number) {
    super('statefulset', ctx, workers);
    this.sets = ctx.factory.informer<StatefulSet>(R.statefulsets);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.claims = ctx.factory.informer<Claim>(R.persistentvolumeclaims);
    this.claimClient = ctx.client.resource<Claim>(R.persistentvolumeclaims);
    this.setClient = ctx.client.resource<StatefulSet>(R.statefulsets);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.sets.addEventHandler({ onAdd: (s) => this.enqueue(s), onUpdate: (_o, s) => this.enqueue(s) });
    const podChanged = (p: Pod) => {
      const ref = controllerOf(p);
      if (ref?.kind === 'StatefulSet') this.enqueue(`${p.metadata.namespace}/${ref.name}`);
    };
    this.pods.addEventHandler({ onAdd: podChanged, onUpdate: (_o, p) => podChanged(p), onDelete: podChanged });
  }

  protected async reconcile(key: string): Promise<void> {
    const set = this.sets.store.get(key);
    if (!set || set.metadata.deletionTimestamp) return;
    const ns = set.metadata.namespace!;
    const uid = set.metadata.uid!;
    const spec = set.spec!;
    const selector = labelSelectorFromObject(spec.selector);
    const pods: Pod[] = [];
    for (const p of this.pods.store.byIndex('namespace', ns)) {
      const action = claimAction(uid, false, p, matchesLabels(selector, p.metadata.labels));
      if (action === 'keep') pods.push(p);
      else if (action === 'adopt') pods.push(await this.podClient.patch(p.metadata.name!, adoptPatch(p, newControllerRef(set, 'apps/v1', 'StatefulSet')), 'merge', { namespace: ns }));
    }
    const updateRevision = `${set.metadata.name}-${computeHash(spec.template, set.status?.collisionCount ?? 0)}`;
    const view: SetView = {
      name: set.metadata.name!,
      replicas: spec.replicas ?? 1,
      start: spec.ordinals?.start ?? 0,
      parallel: spec.podManagementPolicy === 'Parallel',
      rolling: spec.updateStrategy?.type !== 'OnDelete',
      partition: spec.updateStrategy?.rollingUpdate?.partition ?? 0,
      updateRevision,
    };
    const plan = planSet(view, pods);
    // the claims of every pod follow the retention policy (a scaled-down pod's before it is deleted)
    for (const p of pods) {
      const o = ordinalOf(view.name, p.metadata.name!);
      if (o !== undefined) await this.ownClaims(set, o, p, o < view.start || o >= view.start + view.replicas);
    }
    for (const p of plan.delete) {
      await this.podClient.delete(p.metadata.name!, { namespace: ns, preconditions: { uid: p.metadata.uid } }).then(
        () => this.ctx.recorder.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`),
        (e) => {
          if (!isNotFound(e) && !isConflict(e)) throw e;
        },
      );
    }
    for (const o of plan.create) await this.createPod(set, o, updateRevision);
    await this.writeStatus(set, pods, updateRevision);
  }

  /** The claim owner references the retention policy asks for, on the ordinal's claims that exist. */
  private async ownClaims(set: StatefulSet, ordinal: number, pod: Pod, scaledDown: boolean): Promise<void> {
    const setOwner = { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
    for (const want of claimsForOrdinal(set, ordinal)) {
      const claim = this.claims.store.getByName(want.metadata.namespace, want.metadata.name!);
      if (!claim || claim.metadata.deletionTimestamp) continue;
      const refs = claimOwnerRefs(claim, setOwner, { ...pod, apiVersion: 'v1', kind: 'Pod' }, scaledDown);
      if (refs) await this.claimClient.patch(claim.metadata.name!, { metadata: { ownerReferences: refs, uid: claim.metadata.uid } }, 'merge', { namespace: claim.metadata.namespace }).catch((e) => {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      });
    }
  }

  /** createPersistentVolumeClaims: the ordinal's missing claims; a claim being deleted holds the pod back. */
  private async createClaims(set: StatefulSet, ordinal: number, podName: string): Promise<void> {
    const setOwner = { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
    for (const claim of claimsForOrdinal(set, ordinal)) {
      const name = claim.metadata.name!;
      const cur = this.claims.store.getByName(claim.metadata.namespace, name);
      if (cur) {
        if (cur.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      const refs = claimOwnerRefs(claim, setOwner, undefined, false);
      if (refs?.length) claim.metadata.ownerReferences = refs;
      try {
        await this.claimClient.create(claim, { namespace: set.metadata.namespace });
        this.ctx.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`);
      } catch (e) {
        if (isAlreadyExists(e)) continue; // the cache had not shown it yet
        this.ctx.recorder.event(set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
        throw new Error(`failed to create PVC ${name}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  private async createPod(set: StatefulSet, ordinal: number, revision: string): Promise<void> {
    const t = set.spec!.template;
    const name = `${set.metadata.name}-${ordinal}`;
    await this.createClaims(set, ordinal, name);
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: set.metadata.namespace,
        labels: { ...(t.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
        annotations: { ...(t.metadata?.annotations ?? {}) },
        ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')],
      },
      spec: {
        ...structuredClone(t.spec!),
        hostname: name,
        ...(set.spec!.serviceName ? { subdomain: set.spec!.serviceName } : {}),
        ...(set.spec!.volumeClaimTemplates?.length ? { volumes: podVolumes(set, ordinal, t.spec!.volumes) } : {}),
      },
    };
    try {
      await this.podClient.create(pod, { namespace: set.metadata.namespace });
      this.ctx.recorder.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    } catch (e) {
      if (isAlreadyExists(e)) return; // the cache had not shown it yet
      this.ctx.recorder.event(set, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${(e as Error).message}`);
      throw e;
    }
  }

  private async writeStatus(set: StatefulSet, pods: Pod[], updateRevision: string): Promise<void> {
    const now = Date.now();
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const currentRevision = set.status?.currentRevision || updateRevision;
    const replicas = set.spec!.replicas ?? 1;
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
    const ready = live.filter(isPodReady).length;
    const status: NonNullable<StatefulSet['status']> = {
      ...(set.status ?? {}),
      observedGeneration: set.metadata.generation,
      replicas: live.length,
      readyReplicas: ready,
      availableReplicas: live.filter((p) => isPodAvailable(p, set.spec!.minReadySeconds ?? 0, now)).length,
      currentReplicas: live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    // The update is complete when every replica runs the new revision: it becomes the current one.
    if (updated === replicas && live.length === replicas && ready === replicas) {
      status.currentRevision = updateRevision;
      status.currentReplicas = updated;
    }
    if (semanticEqual(status, set.status ?? {})) return;
    await this.setClient.updateStatus({ ...set, status }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }
}
