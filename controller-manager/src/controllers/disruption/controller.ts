// Disruption controller (upstream pkg/controller/disruption): keeps each PodDisruptionBudget's status —
// expected and healthy pods, disruptionsAllowed, the DisruptionAllowed condition — current from the pods
// it selects, and forgets recorded evictions (status.disruptedPods) once the pod is gone or 2 min passed.
// The apiserver's eviction subresource spends disruptionsAllowed; this controller earns it back.
import { budgetSelectsPod, R, rfc3339, type Informer, type KubeObject, type ResourceClient } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import { semanticEqual } from '../../util/semantic';
import { controllerOf } from '../../util/owners';
import type { Deployment, Pod, PodDisruptionBudget as Budget, ReplicaSet, ReplicationController, StatefulSet } from '../../util/types';
import { budgetStatus, expectedPods, failSafeStatus, healthyPods, pendingDisruptions, type ScaleOf } from './logic';

type Scaled = KubeObject & { spec?: { replicas?: number } };


export class DisruptionController extends Controller {
  private readonly budgets: Informer<Budget>;
  private readonly pods: Informer<Pod>;
  private readonly replicaSets: Informer<ReplicaSet>;
  private readonly deployments: Informer<Deployment>;
  private readonly statefulSets: Informer<StatefulSet>;
  private readonly rcs: Informer<ReplicationController>;
  private readonly client: ResourceClient<Budget>;

  constructor(ctx: ControllerContext, workers: number) {
    super('disruption', ctx, workers);
    this.budgets = ctx.factory.informer<Budget>(R.poddisruptionbudgets);
    this.pods = ctx.factory.informer<Pod>(R.pods);
    this.replicaSets = ctx.factory.informer<ReplicaSet>(R.replicasets);
    this.deployments = ctx.factory.informer<Deployment>(R.deployments);
    this.statefulSets = ctx.factory.informer<StatefulSet>(R.statefulsets);
    this.rcs = ctx.factory.informer<ReplicationController>(R.replicationcontrollers);
    this.client = ctx.client.resource<Budget>(R.poddisruptionbudgets);
    this.budgets.addEventHandler({ onAdd: (b) => this.enqueue(b), onUpdate: (_o, b) => this.enqueue(b), onDelete: (b) => this.enqueue(b) });
    const forPod = (p: Pod) => this.budgetsFor(p).forEach((b) => this.enqueue(b));
    this.pods.addEventHandler({
      onAdd: forPod,
      onUpdate: (old, cur) => {
        if (old.metadata.resourceVersion === cur.metadata.resourceVersion) return;
        forPod(old);
        forPod(cur);
      },
      onDelete: forPod,
    });
  }

  private budgetsFor(pod: Pod): Budget[] {
    return this.budgets.store.byIndex('namespace', pod.metadata.namespace ?? '').filter((b) => budgetSelectsPod(b, pod));
  }

  /** upstream's finders: ReplicaSet (its Deployment's replicas when it has one), StatefulSet, ReplicationController. */
  private readonly scaleOf: ScaleOf = (ref, ns) => {
    const owned = <T extends Scaled>(inf: Informer<T>, name: string, uid: string) => {
      const o = inf.store.get(`${ns}/${name}`);
      return o && o.metadata.uid === uid ? o : undefined;
    };
    if (ref.kind === 'ReplicaSet') {
      const rs = owned(this.replicaSets, ref.name, ref.uid);
      if (!rs) return undefined;
      const dref = controllerOf(rs);
      const d = dref?.kind === 'Deployment' ? owned(this.deployments, dref.name, dref.uid) : undefined;
      if (dref?.kind === 'Deployment') return d ? { uid: d.metadata.uid!, scale: d.spec?.replicas ?? 0 } : undefined;
      return { uid: rs.metadata.uid!, scale: rs.spec?.replicas ?? 0 };
    }
    const o = ref.kind === 'StatefulSet' ? owned(this.statefulSets, ref.name, ref.uid) : ref.kind === 'ReplicationController' ? owned(this.rcs, ref.name, ref.uid) : undefined;
    return o ? { uid: o.metadata.uid!, scale: o.spec?.replicas ?? 0 } : undefined;
  };

  protected async reconcile(key: string): Promise<void> {
    const budget = this.budgets.store.get(key);
    if (!budget) return;
    const pods = this.pods.store.byIndex('namespace', budget.metadata.namespace ?? '').filter((p) => budgetSelectsPod(budget, p));
    const now = Date.now();
    const stamp = rfc3339(now);
    if (!pods.length) this.ctx.recorder.event(budget, 'Normal', 'NoPods', 'No matching pods found');
    let status;
    let recheckAt: number | undefined;
    try {
      const expected = expectedPods(budget, pods, this.scaleOf);
      if (expected.unmanaged.length && (typeof budget.spec?.minAvailable !== 'number'))
        this.ctx.recorder.event(budget, 'Warning', 'UnmanagedPods', `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(budget.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`);
      const pending = pendingDisruptions(budget, pods, now);
      for (const pod of pending.notDeleted)
        this.ctx.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${budget.metadata.namespace}/${budget.metadata.name} to be deleted but it wasn't`);
      recheckAt = pending.recheckAt;
      status = budgetStatus(budget, expected, healthyPods(pods, pending.disrupted, now), pending.disrupted, stamp);
    } catch (e) {
      this.ctx.recorder.event(budget, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${(e as Error).message}`);
      status = failSafeStatus(budget, (e as Error).message, stamp);
    }
    if (!semanticEqual(budget.status ?? {}, status)) await this.client.updateStatus({ ...budget, status });
    if (recheckAt !== undefined) this.enqueueAfter(key, recheckAt - now);
  }
}
