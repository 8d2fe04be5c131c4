// Deployment controller (upstream pkg/controller/deployment): ReplicaSets per pod template, rolling
// and recreate rollouts, revisions, history cleanup, pause, and status/conditions for kubectl rollout.
import { isAlreadyExists, isConflict, isNotFound, isPodTerminal, labelSelectorFromObject, labelSelectorIsEmpty, matchesLabels, objectKey, R, type Informer, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { adoptPatch, claimAction, controllerOf, newControllerRef, releasePatch } from '../../util/owners';
import { semanticEqual } from '../../util/semantic';
import type { Deployment, Pod, ReplicaSet } from '../../util/types';
import { computeHash } from './hash';
import { historyToDelete, maxSurge, newRSNewReplicas, proportionalScale, scaleDownOld, type RsInfo } from './rollout';
import { calculateStatus, desiredReplicas, getCondition, isComplete, newCondition, REASON, setCondition, strategyOf, updateProgressing } from './status';

export const HASH_LABEL = 'pod-template-hash';
export const ANN_REVISION = 'deployment.kubernetes.io/revision';
export const ANN_REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const ANN_DESIRED = 'deployment.kubernetes.io/desired-replicas';
export const ANN_MAX = 'deployment.kubernetes.io/max-replicas';
/** Deployment annotations never copied to its ReplicaSets (annotationsToSkip). */
const SKIP_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration', ANN_REVISION, ANN_REVISION_HISTORY, ANN_DESIRED, ANN_MAX, 'deprecated.deployment.rollback.to']);

const revisionOf = (rs: ReplicaSet) => Number.parseInt(rs.metadata.annotations?.[ANN_REVISION] ?? '', 10) || 0;
const replicasOf = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
const createdOf = (rs: ReplicaSet) => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
const byCreation = (a: ReplicaSet, b: ReplicaSet) => createdOf(a) - createdOf(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
/**
 * An RS's status may still count pods its controller is about to delete after a scale-down, so its
 * available pods are capped at its size: counting them would let old RSes shrink below minAvailable.
 */
const info = (rs: ReplicaSet): RsInfo => ({ name: rs.metadata.name!, replicas: replicasOf(rs), available: Math.min(rs.status?.availableReplicas ?? 0, replicasOf(rs)), created: createdOf(rs) });

/** Pod templates equal apart from the pod-template-hash label (EqualIgnoreHash). */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = structuredClone((t ?? {}) as { metadata?: { labels?: Record<string, string> } });
    if (c.metadata?.labels) delete c.metadata.labels[HASH_LABEL];
    return c;
  };
  return semanticEqual(strip(a), strip(b));
}

export class DeploymentController extends Controller {
  private readonly deployments: Informer<Deployment>;
  private readonly replicasets: Informer<ReplicaSet>;
  private readonly pods: Informer<Pod>;
  private readonly dClient: ResourceClient<Deployment>;
  private readonly rsClient: ResourceClient<ReplicaSet>;

  constructor(ctx: ControllerContext, workers: number) {
    super('deployment', ctx, workers);
    this.deployments = ctx.factory.informer<Deployment>(R.deployments);
    this.replicasets = ctx.factory.informer<ReplicaSet>(R.replicasets);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.dClient = ctx.client.resource<Deployment>(R.deployments);
    this.rsClient = ctx.client.resource<ReplicaSet>(R.replicasets);
    this.deployments.addEventHandler({ onAdd: (d) => this.enqueue(d), onUpdate: (_o, d) => this.enqueue(d), onDelete: (d) => this.enqueue(d) });
    this.replicasets.addEventHandler({
      onAdd: (rs) => this.rsChanged(rs),
      onUpdate: (old, rs) => {
        this.rsChanged(old);
        this.rsChanged(rs);
      },
      onDelete: (rs) => this.rsChanged(rs),
    });
    // Recreate waits for old pods to be gone.
    this.pods.addEventHandler({
      onDelete: (p) => {
        const ref = controllerOf(p);
        const rs = ref?.kind === 'ReplicaSet' ? this.replicasets.store.get(`${p.metadata.namespace}/${ref.name}`) : undefined;
        const d = rs && this.ownerKey(rs);
        if (d) this.enqueue(d);
      },
    });
  }

  private ownerKey(rs: ReplicaSet): string | undefined {
    const ref = controllerOf(rs);
    return ref?.kind === 'Deployment' ? `${rs.metadata.namespace}/${ref.name}` : undefined;
  }

  private rsChanged(rs: ReplicaSet): void {
    const key = this.ownerKey(rs);
    if (key) return this.enqueue(key);
    if (controllerOf(rs)) return;
    for (const d of this.deployments.store.byIndex('namespace', rs.metadata.namespace ?? '')) {
      if (this.selects(d, rs.metadata.labels)) this.enqueue(d);
    }
  }

  private selects(d: Deployment, labels: Record<string, string> | undefined): boolean {
    try {
      const sel = labelSelectorFromObject(d.spec?.selector);
      return !labelSelectorIsEmpty(sel) && matchesLabels(sel, labels);
    } catch {
      return false;
    }
  }

  protected async reconcile(key: string): Promise<void> {
    const cached = this.deployments.store.get(key);
    if (!cached) return;
    const d = structuredClone(cached);
    if (labelSelectorIsEmpty(labelSelectorFromObject(d.spec?.selector))) {
      this.ctx.recorder.event(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return this.syncStatusOnly(d, rsList);
    await this.checkPausedConditions(d);
    if (d.spec?.paused || this.isScalingEvent(d, rsList)) return this.sync(d, rsList);
    if (strategyOf(d).type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const ns = d.metadata.namespace!;
    const out: ReplicaSet[] = [];
    for (const rs of this.replicasets.store.byIndex('namespace', ns)) {
      const action = claimAction(d.metadata.uid!, !!d.metadata.deletionTimestamp, rs, this.selects(d, rs.metadata.labels));
      if (action === 'keep') out.push(structuredClone(rs));
      else if (action === 'adopt') {
        const fresh = await this.dClient.get(d.metadata.name!, ns).catch(() => undefined);
        if (!fresh || fresh.metadata.uid !== d.metadata.uid || fresh.metadata.deletionTimestamp) continue;
        out.push(await this.rsClient.patch(rs.metadata.name!, adoptPatch(rs, newControllerRef(d, 'apps/v1', 'Deployment')), 'merge', { namespace: ns }));
      } else if (action === 'release') {
        await this.rsClient.patch(rs.metadata.name!, releasePatch(rs, d.metadata.uid!), 'merge', { namespace: ns }).catch((e) => {
          if (!isNotFound(e)) throw e;
        });
      }
    }
    return out;
  }

  /** Split into the RS matching the current template (oldest such) and the rest (FindNewReplicaSet/FindOldReplicaSets). */
  private split(d: Deployment, rsList: ReplicaSet[]): { newRS?: ReplicaSet; oldRSs: ReplicaSet[] } {
    const sorted = rsList.slice().sort(byCreation);
    const newRS = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
    return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
  }

  private isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    for (const rs of rsList) {
      if (replicasOf(rs) <= 0) continue;
      const want = rs.metadata.annotations?.[ANN_DESIRED];
      if (want !== undefined && Number(want) !== desiredReplicas(d)) return true;
    }
    return false;
  }

  /** Copy annotations and bump the revision (setNewReplicaSetAnnotations); true if anything changed. */
  private setNewRSAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
    const ann = (rs.metadata.annotations ??= {});
    let changed = false;
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (SKIP_ANNOTATIONS.has(k) || ann[k] === v) continue;
      ann[k] = v;
      changed = true;
    }
    const old = Number.parseInt(ann[ANN_REVISION] ?? '', 10) || 0;
    if (old < newRevision) {
      if (exists && ann[ANN_REVISION]) ann[ANN_REVISION_HISTORY] = ann[ANN_REVISION_HISTORY] ? `${ann[ANN_REVISION_HISTORY]},${old}` : String(old);
      ann[ANN_REVISION] = String(newRevision);
      changed = true;
    }
    if (!exists) changed = this.setReplicasAnnotations(d, rs) || changed;
    return changed;
  }

  private setReplicasAnnotations(d: Deployment, rs: ReplicaSet): boolean {
    const desired = desiredReplicas(d);
    const ann = (rs.metadata.annotations ??= {});
    const want = { [ANN_DESIRED]: String(desired), [ANN_MAX]: String(desired + maxSurge(strategyOf(d), desired)) };
    let changed = false;
    for (const [k, v] of Object.entries(want)) {
      if (ann[k] !== v) {
        ann[k] = v;
        changed = true;
      }
    }
    return changed;
  }

  /** The deployment's own revision annotation follows its new RS (via the main resource: /status ignores metadata). */
  private async setDeploymentRevision(d: Deployment, revision: string): Promise<void> {
    if (d.metadata.annotations?.[ANN_REVISION] === revision) return;
    const patched = await this.dClient.patch(d.metadata.name!, { metadata: { annotations: { [ANN_REVISION]: revision } } }, 'merge', { namespace: d.metadata.namespace });
    d.metadata.annotations = patched.metadata.annotations;
    setResourceVersion(d, patched);
  }

  /** getAllReplicaSetsAndSyncRevision: the new RS (created when asked) and the old ones. */
  private async getAll(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const { newRS: existing, oldRSs } = this.split(d, rsList);
    const newRevision = Math.max(0, ...oldRSs.map(revisionOf)) + 1;
    const nowIso = new Date().toISOString();
    const hasDeadline = d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== 2147483647;
    if (existing) {
      const rs = structuredClone(existing);
      const annChanged = this.setNewRSAnnotations(d, rs, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      let cur = existing;
      if (annChanged || (rs.spec?.minReadySeconds ?? 0) !== minReady) {
        rs.spec = { ...rs.spec!, minReadySeconds: minReady };
        cur = await this.rsClient.update(rs);
        this.replace(rsList, cur);
      }
      await this.setDeploymentRevision(d, cur.metadata.annotations?.[ANN_REVISION] ?? String(newRevision));
      if (hasDeadline && !getCondition(d.status, 'Progressing')) {
        d.status ??= {};
        setCondition(d.status, newCondition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${cur.metadata.name}"`, nowIso));
        await this.writeStatus(d, d.status);
      }
      return { newRS: cur, oldRSs };
    }
    if (!create) return { oldRSs };

    const template = structuredClone(d.spec!.template);
    const hash = computeHash(template, d.status?.collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    const count = newRSNewReplicas(strategyOf(d), desiredReplicas(d), [...oldRSs, rs].map(info), info(rs));
    rs.spec!.replicas = count;
    this.setNewRSAnnotations(d, rs, newRevision, false);
    let created: ReplicaSet;
    try {
      created = await this.rsClient.create(rs, { namespace: d.metadata.namespace });
      if (count > 0) this.ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} to ${count} from 0`);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      const other = await this.rsClient.get(rs.metadata.name!, d.metadata.namespace);
      if (controllerOf(other)?.uid !== d.metadata.uid || !equalIgnoreHash(other.spec?.template, d.spec?.template)) {
        // A different template hashed to this name: bump collisionCount so the next hash differs.
        const status = { ...(d.status ?? {}), collisionCount: (d.status?.collisionCount ?? 0) + 1 };
        await this.writeStatus(d, status);
        throw new Error(`hash collision for replica set ${rs.metadata.name}; collisionCount now ${status.collisionCount}`);
      }
      created = other;
    }
    rsList.push(created);
    if (hasDeadline) {
      d.status ??= {};
      setCondition(d.status, newCondition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${created.metadata.name}"`, nowIso));
    }
    await this.setDeploymentRevision(d, String(newRevision));
    if (hasDeadline) await this.writeStatus(d, d.status!);
    return { newRS: created, oldRSs };
  }

  private replace(list: ReplicaSet[], rs: ReplicaSet): void {
    const i = list.findIndex((x) => x.metadata.name === rs.metadata.name);
    if (i >= 0) list[i] = rs;
  }

  /** scaleReplicaSetAndRecordEvent; returns the RS as stored. */
  private async scaleRS(d: Deployment, rs: ReplicaSet, to: number, rsList?: ReplicaSet[]): Promise<ReplicaSet> {
    const from = replicasOf(rs);
    const copy = structuredClone(rs);
    const annChanged = this.setReplicasAnnotations(d, copy);
    if (from === to && !annChanged) return rs;
    copy.spec = { ...copy.spec!, replicas: to };
    const updated = await this.rsClient.update(copy);
    if (rsList) this.replace(rsList, updated);
    if (from !== to) {
      this.ctx.recorder.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} to ${to} from ${from}`);
    }
    return updated;
  }

  private async writeStatus(d: Deployment, status: NonNullable<Deployment['status']>): Promise<void> {
    try {
      const out = await this.dClient.updateStatus({ ...d, status });
      setResourceVersion(d, out);
      d.status = out.status;
    } catch (e) {
      if (isNotFound(e)) return;
      if (!isConflict(e)) throw e;
      const fresh = await this.dClient.get(d.metadata.name!, d.metadata.namespace);
      const out = await this.dClient.updateStatus({ ...fresh, status });
      setResourceVersion(d, out);
      d.status = out.status;
    }
  }

  private async checkPausedConditions(d: Deployment): Promise<void> {
    if (d.spec?.progressDeadlineSeconds === undefined || d.spec.progressDeadlineSeconds === 2147483647) return;
    const cond = getCondition(d.status, 'Progressing');
    if (cond?.reason === REASON.timedOut) return;
    const pausedCond = cond?.reason === REASON.paused;
    const nowIso = new Date().toISOString();
    let c;
    if (d.spec.paused && !pausedCond) c = newCondition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', nowIso);
    else if (!d.spec.paused && pausedCond) c = newCondition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', nowIso);
    if (!c) return;
    const status = structuredClone(d.status ?? {});
    setCondition(status, c);
    await this.writeStatus(d, status);
  }

  private statusViews(all: ReplicaSet[]) {
    return all.map((rs) => ({ specReplicas: replicasOf(rs), replicas: rs.status?.replicas ?? 0, readyReplicas: rs.status?.readyReplicas ?? 0, availableReplicas: rs.status?.availableReplicas ?? 0 }));
  }

  private async syncDeploymentStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const [nv] = newRS ? this.statusViews([newRS]) : [undefined];
    const status = calculateStatus(d, this.statusViews(all), nv, new Date().toISOString());
    if (!semanticEqual(status, d.status)) await this.writeStatus(d, status);
  }

  private async syncRolloutStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const now = Date.now();
    const [nv] = newRS ? this.statusViews([newRS]) : [undefined];
    const status = calculateStatus(d, this.statusViews(all), nv, new Date(now).toISOString());
    const recheck = updateProgressing(d, status, newRS?.metadata.name, now);
    if (!semanticEqual(status, d.status)) await this.writeStatus(d, status);
    if (recheck !== undefined) this.enqueueAfter(objectKey(d), recheck);
  }

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { newRS, oldRSs } = await this.getAll(d, rsList, false);
    await this.syncDeploymentStatus(d, newRS ? [...oldRSs, newRS] : oldRSs, newRS);
  }

  /** Scaling while paused or mid-rollout, then status (DeploymentController.sync). */
  private async sync(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAll(d, rsList, false);
    await this.scale(d, newRS, oldRSs, rsList);
    ({ newRS, oldRSs } = this.split(d, rsList));
    if (d.spec?.paused) await this.cleanup(d, oldRSs);
    await this.syncDeploymentStatus(d, newRS ? [...oldRSs, newRS] : oldRSs, newRS);
  }

  private async scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], rsList: ReplicaSet[]): Promise<void> {
    const desired = desiredReplicas(d);
    const all = newRS ? [...oldRSs, newRS] : oldRSs;
    const active = all.filter((rs) => replicasOf(rs) > 0);
    // FindActiveOrLatest: one active RS (or none: the new one, else the newest) simply takes the size.
    const single = active.length === 1 ? active[0] : active.length === 0 ? newRS ?? oldRSs.slice().sort(byCreation).pop() : undefined;
    if (single) {
      if (replicasOf(single) !== desired) await this.scaleRS(d, single, desired, rsList);
      return;
    }
    const saturated = newRS && replicasOf(newRS) === desired && newRS.metadata.annotations?.[ANN_DESIRED] === String(desired) && (newRS.status?.availableReplicas ?? 0) === desired;
    if (saturated) {
      for (const rs of oldRSs) if (replicasOf(rs) > 0) await this.scaleRS(d, rs, 0, rsList);
      return;
    }
    if (strategyOf(d).type !== 'RollingUpdate') return;
    const sizes = proportionalScale(strategyOf(d), desired, active.map(info), newRS && info(newRS));
    for (const rs of all) {
      const to = sizes.get(rs.metadata.name!);
      if (to !== undefined) await this.scaleRS(d, rs, to, rsList);
      else await this.scaleRS(d, rs, replicasOf(rs), rsList); // refresh the desired/max annotations
    }
  }

  private async cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const candidates = oldRSs
      .filter((rs) => (rs.metadata.generation ?? 0) <= (rs.status?.observedGeneration ?? 0))
      .map((rs) => ({ ...info(rs), revision: revisionOf(rs), statusReplicas: rs.status?.replicas ?? 0, deleting: !!rs.metadata.deletionTimestamp }));
    for (const name of historyToDelete(candidates, limit)) {
      await this.rsClient.delete(name, { namespace: d.metadata.namespace }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
  }

  private async rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const s = strategyOf(d);
    const desired = desiredReplicas(d);
    const { newRS: created, oldRSs } = await this.getAll(d, rsList, true);
    let newRS = created!;
    const all = () => [...oldRSs, newRS];

    // reconcileNewReplicaSet
    const cur = replicasOf(newRS);
    const target = cur > desired ? desired : newRSNewReplicas(s, desired, all().map(info), info(newRS));
    if (target !== cur) {
      newRS = await this.scaleRS(d, newRS, target, rsList);
      return this.syncRolloutStatus(d, all(), newRS);
    }

    // reconcileOldReplicaSets
    const activeOld = oldRSs.filter((rs) => replicasOf(rs) > 0);
    const downs = scaleDownOld(s, desired, activeOld.map(info), info(newRS));
    let scaledDown = false;
    for (let i = 0; i < oldRSs.length; i++) {
      const to = downs.get(oldRSs[i].metadata.name!);
      if (to !== undefined && to !== replicasOf(oldRSs[i])) {
        oldRSs[i] = await this.scaleRS(d, oldRSs[i], to, rsList);
        scaledDown = true;
      }
    }
    if (scaledDown) return this.syncRolloutStatus(d, all(), newRS);

    if (d.status && isComplete(d, d.status)) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all(), newRS);
  }

  private async rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { newRS, oldRSs } = await this.getAll(d, rsList, false);
    const all = () => (newRS ? [...oldRSs, newRS] : oldRSs);
    let scaledDown = false;
    for (let i = 0; i < oldRSs.length; i++) {
      if (replicasOf(oldRSs[i]) > 0) {
        oldRSs[i] = await this.scaleRS(d, oldRSs[i], 0, rsList);
        scaledDown = true;
      }
    }
    if (scaledDown || this.oldPodsRunning(d, oldRSs)) return this.syncRolloutStatus(d, all(), newRS);
    if (!newRS) ({ newRS, oldRSs } = await this.getAll(d, rsList, true));
    newRS = await this.scaleRS(d, newRS!, desiredReplicas(d), rsList);
    if (d.status && isComplete(d, d.status)) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus(d, all(), newRS);
  }

  private oldPodsRunning(d: Deployment, oldRSs: ReplicaSet[]): boolean {
    if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    return this.pods.store.byIndex('namespace', d.metadata.namespace!).some((p) => {
      const ref = controllerOf(p);
      return ref && uids.has(ref.uid) && !isPodTerminal(p);
    });
  }
}

/** Carry the stored resourceVersion forward so the next write of `d` does not conflict with our own. */
function setResourceVersion(d: Deployment, from: Deployment): void {
  (d.metadata as { resourceVersion?: string }).resourceVersion = from.metadata.resourceVersion;
}
