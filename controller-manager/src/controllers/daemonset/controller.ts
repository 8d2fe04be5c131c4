// DaemonSet controller: one pod per eligible node (pinned by required node affinity on metadata.name,
// placed by the scheduler), daemon tolerations, RollingUpdate (maxUnavailable) and OnDelete updates,
// failed daemon pods replaced; status as `kubectl rollout status daemonset` reads it.
import { daemonPodSpec, isConflict, isNotFound, isPodAvailable, isPodReady, labelSelectorFromObject, matchesLabels, objectKey, R, type apps, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { Expectations, ownedPodHandlers } from '../../util/expectations';
import { scaledValue } from '../../util/intstr';
import { adoptPatch, claimAction, newControllerRef } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import type { Node, Pod } from '../../util/types';
import { computeHash } from '../deployment/hash';
import { nodePlacement, podNode } from './logic';

type DaemonSet = apps.DaemonSet & { metadata: NonNullable<apps.DaemonSet['metadata']>; [k: string]: unknown };
export const REVISION_LABEL = 'controller-revision-hash';

export class DaemonSetController extends Controller {
  private readonly dss: Informer<DaemonSet>;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  private readonly dsClient: ResourceClient<DaemonSet>;
  private readonly podClient: ResourceClient<Pod>;
  private readonly expectations = new Expectations();

  constructor(ctx: ControllerContext, workers: number) {
    super('daemonset', ctx, workers);
    this.dss = ctx.factory.informer<DaemonSet>(R.daemonsets);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.nodes = ctx.factory.informer<Node>(R.nodes);
    this.dsClient = ctx.client.resource<DaemonSet>(R.daemonsets);
    this.podClient = ctx.client.resource<Pod>(R.pods);
    this.dss.addEventHandler({ onAdd: (d) => this.enqueue(d), onUpdate: (_o, d) => this.enqueue(d), onDelete: (d) => this.expectations.delete(objectKey(d)) });
    const all = () => this.dss.store.keys().forEach((k) => this.enqueue(k));
    this.nodes.addEventHandler({
      onAdd: all,
      onUpdate: (o, n) => {
        if (!semanticEqual(o.metadata.labels, n.metadata.labels) || !semanticEqual(o.spec?.taints, n.spec?.taints)) all();
      },
      onDelete: all,
    });
    this.pods.addEventHandler(ownedPodHandlers('DaemonSet', this.expectations, (k) => this.enqueue(k)));
  }

  protected async reconcile(key: string): Promise<void> {
    const ds = this.dss.store.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    const ns = ds.metadata.namespace!;
    const uid = ds.metadata.uid!;
    const template = ds.spec!.template;
    const hash = computeHash(template);
    const now = Date.now();
    const minReady = ds.spec?.minReadySeconds ?? 0;

    const selector = labelSelectorFromObject(ds.spec?.selector);
    const owned: Pod[] = [];
    for (const p of this.pods.store.byIndex('namespace', ns)) {
      const action = claimAction(uid, false, p, matchesLabels(selector, p.metadata.labels));
      if (action === 'keep') owned.push(p);
      else if (action === 'adopt') owned.push(await this.podClient.patch(p.metadata.name!, adoptPatch(p, newControllerRef(ds, 'apps/v1', 'DaemonSet')), 'merge', { namespace: ns }));
    }
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      if (p.metadata.deletionTimestamp) continue;
      const n = podNode(p) ?? '';
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }

    const toCreate: string[] = [];
    const toDelete: Pod[] = [];
    const nodes = this.nodes.store.list();
    const status = { desired: 0, current: 0, misscheduled: 0, ready: 0, updated: 0, available: 0 };
    const oldAvailable: Pod[] = [];
    const oldUnavailable: Pod[] = [];
    let unavailable = 0;
    for (const node of nodes) {
      const name = node.metadata.name!;
      const { shouldRun, shouldContinueRunning } = nodePlacement(template.spec!, node);
      const pods = (byNode.get(name) ?? []).sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      byNode.delete(name);
      const scheduled = pods.some((p) => p.spec?.nodeName);
      if (!shouldContinueRunning) {
        if (scheduled) status.misscheduled++;
        toDelete.push(...pods);
        continue;
      }
      const failed = pods.filter((p) => p.status?.phase === 'Failed');
      for (const p of failed) this.ctx.recorder.event(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${ns}/${p.metadata.name} on node ${name}, will try to kill it`);
      toDelete.push(...failed);
      const alive = pods.filter((p) => p.status?.phase !== 'Failed');
      toDelete.push(...alive.slice(1));
      // A pod the node no longer takes new daemon pods for (say, a NoSchedule taint) keeps running.
      if (!shouldRun) {
        if (scheduled) status.misscheduled++;
        continue;
      }
      status.desired++;
      if (alive.length === 0) {
        toCreate.push(name);
        unavailable++;
        continue;
      }
      const pod = alive[0];
      if (pod.spec?.nodeName) status.current++;
      const ready = isPodReady(pod), available = isPodAvailable(pod, minReady, now);
      if (ready) status.ready++;
      if (available) status.available++;
      else unavailable++;
      if (pod.metadata.labels?.[REVISION_LABEL] === hash) status.updated++;
      else (available ? oldAvailable : oldUnavailable).push(pod);
    }
    // Pods for nodes that no longer exist.
    for (const pods of byNode.values()) toDelete.push(...pods);

    if (this.expectations.satisfied(key)) {
      if (ds.spec?.updateStrategy?.type !== 'OnDelete') {
        // RollingUpdate: old pods that are not available go at once; available ones within maxUnavailable.
        const maxUnavailable = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, status.desired, true, 1);
        toDelete.push(...oldUnavailable);
        const budget = Math.max(0, maxUnavailable - unavailable);
        toDelete.push(...oldAvailable.slice(0, budget));
      }
      await this.sync(key, ds, hash, toCreate, toDelete);
    }
    await this.writeStatus(ds, status, unavailable);
    if (minReady > 0 && status.ready > status.available) this.enqueueAfter(key, minReady * 1000);
  }

  private async sync(key: string, ds: DaemonSet, hash: string, create: string[], del: Pod[]): Promise<void> {
    const ns = ds.metadata.namespace!;
    this.expectations.expect(key, create.length, del.map((p) => objectKey(p)));
    const errors: unknown[] = [];
    await Promise.all(
      del.map(async (p) => {
        try {
          await this.podClient.delete(p.metadata.name!, { namespace: ns, preconditions: { uid: p.metadata.uid } });
          this.ctx.recorder.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (e) {
          this.expectations.deletionObserved(key, objectKey(p));
          if (!isNotFound(e) && !isConflict(e)) errors.push(e);
        }
      }),
    );
    const t = ds.spec!.template;
    await Promise.all(
      create.map(async (node) => {
        const pod: Pod = {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${ds.metadata.name}-`,
            namespace: ns,
            labels: { ...(t.metadata?.labels ?? {}), [REVISION_LABEL]: hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
            annotations: { ...(t.metadata?.annotations ?? {}) },
            ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
          },
          spec: daemonPodSpec(t.spec!, node),
        };
        try {
          const created = await this.podClient.create(pod, { namespace: ns });
          this.ctx.recorder.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (e) {
          this.expectations.creationObserved(key);
          this.ctx.recorder.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(e as Error).message}`);
          errors.push(e);
        }
      }),
    );
    if (errors.length) throw errors[0];
  }

  private async writeStatus(ds: DaemonSet, s: { desired: number; current: number; misscheduled: number; ready: number; updated: number; available: number }, unavailable: number): Promise<void> {
    const status: NonNullable<DaemonSet['status']> = {
      ...(ds.status ?? {}),
      currentNumberScheduled: s.current,
      numberMisscheduled: s.misscheduled,
      desiredNumberScheduled: s.desired,
      numberReady: s.ready,
      updatedNumberScheduled: s.updated,
      numberAvailable: s.available,
      numberUnavailable: unavailable,
      observedGeneration: ds.metadata.generation,
    };
    if (!status.numberAvailable) delete status.numberAvailable;
    if (!status.numberUnavailable) delete status.numberUnavailable;
    if (semanticEqual(status, ds.status ?? {})) return;
    await this.dsClient.updateStatus({ ...ds, status }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }
}
