// Subresources with their own object shapes: scale (autoscaling/v1 Scale), binding, eviction
// (checked against PodDisruptionBudgets).
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ApiError, R, failure, isConflict, statusFor, labelSelectorFromObject, labelSelectorToString, type KubeObject, type ResourceType } from '@minik8s/shared';
import type { Registry } from '../registry/registry';
import { fe } from '../registry/fielderrors';
import { rfc3339 } from '../registry/strategy';
import { budgetBeingProcessed, budgetsFor, canIgnoreBudgets, spendBudget, unhealthyMayGo } from '../registry/eviction';

type Obj = Record<string, any>;

/** The autoscaling/v1 Scale of a Deployment, ReplicaSet, StatefulSet or ReplicationController. */
export function scaleOf(r: ResourceType, o: KubeObject): Obj {
  const spec = (o.spec ?? {}) as Obj;
  const status = (o.status ?? {}) as Obj;
  let selector = '';
  if (r === R.replicationcontrollers) selector = Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  else if (spec.selector) selector = labelSelectorToString(labelSelectorFromObject(spec.selector));
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

/** Change spec.replicas through the Scale view; `rv` (the Scale's resourceVersion) is a precondition. */
export async function setScale(
  registry: Registry,
  r: ResourceType,
  name: string,
  namespace: string | undefined,
  edit: (scale: Obj) => Obj,
  rv: unknown,
  dryRun: boolean,
): Promise<Obj> {
  const out = await registry.guaranteedUpdate(
    r,
    name,
    namespace,
    (cur) => {
      const scale = edit(scaleOf(r, cur));
      const n = scale?.spec?.replicas;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        throw new ApiError(statusFor.invalid('Scale', 'autoscaling', name, [fe.invalid('spec.replicas', n, 'must be greater than or equal to 0')]));
      return { ...cur, spec: { ...(cur.spec as Obj), replicas: n } };
    },
    { dryRun, precondition: typeof rv === 'string' && rv ? rv : undefined },
  );
  return scaleOf(r, out);
}

/** Bind a pod to a node (spec.nodeName + PodScheduled), refusing a pod that is already bound. */
export async function bindPod(registry: Registry, namespace: string, name: string | undefined, binding: Obj, dryRun: boolean): Promise<void> {
  if (!name) throw new ApiError(statusFor.invalid('Binding', '', '', [fe.required('metadata.name')]));
  const node = binding.target?.name;
  if (!node || typeof node !== 'string') throw new ApiError(statusFor.invalid('Binding', '', name, [fe.required('target.name')]));
  if (binding.target.kind && binding.target.kind !== 'Node') throw new ApiError(statusFor.invalid('Binding', '', name, [fe.notSupported('target.kind', binding.target.kind, ['Node'])]));
  await registry.guaranteedUpdate(
    R.pods,
    name,
    namespace,
    (cur) => {
      const spec = (cur.spec ?? {}) as Obj;
      if (cur.metadata.deletionTimestamp) throw new ApiError(statusFor.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is being deleted, cannot be assigned to a host`));
      if (spec.nodeName) throw new ApiError(statusFor.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`));
      return { ...cur, spec: { ...spec, nodeName: node } };
    },
    {
      dryRun,
      after: (next) => {
        const st = (next.status = { ...(next.status ?? {}) });
        const conds: Obj[] = (st.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
        conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() });
        st.conditions = conds;
      },
    },
  );
}

/**
 * policy/v1 Eviction: delete the pod unless a PodDisruptionBudget that guards it has no disruption left
 * (429). Spending the budget and recording the pod in its status.disruptedPods come before the delete,
 * as upstream, so that concurrent evictions cannot overspend it.
 */
export async function evictPod(registry: Registry, namespace: string, name: string, eviction: Obj, dryRun: boolean): Promise<void> {
  if (eviction.metadata?.name && eviction.metadata.name !== name)
    throw new ApiError(statusFor.badRequest(`name in URL does not match name in Eviction object`));
  const options: Obj = eviction.deleteOptions ?? {};
  const pod = await registry.get(R.pods, name, namespace);
  const rvUnset = options.preconditions?.resourceVersion == null;
  // Pin the pod's resourceVersion so that it cannot have turned ready since the decision.
  const pinned = { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion } };
  const phase = (pod.status as Obj | undefined)?.phase;
  if (canIgnoreBudgets(pod)) {
    const terminal = phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata.deletionTimestamp;
    await registry.delete(R.pods, name, namespace, !terminal && rvUnset ? pinned : options, { dryRun });
    return;
  }
  const budgets = budgetsFor(pod, (await registry.list(R.poddisruptionbudgets, { namespace })).items);
  if (budgets.length > 1) throw new ApiError(failure(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'));
  const budget = budgets[0];
  if (budget && unhealthyMayGo(pod, budget)) {
    try {
      await registry.delete(R.pods, name, namespace, rvUnset ? pinned : options, { dryRun });
    } catch (e) {
      if (isConflict(e) && rvUnset) throw budgetBeingProcessed(budget.metadata.name ?? '');
      throw e;
    }
    return;
  }
  if (budget) {
    const now = rfc3339();
    await registry.guaranteedUpdate(R.poddisruptionbudgets, budget.metadata.name ?? '', namespace, (cur) => spendBudget(cur, name, now, dryRun), { subresource: 'status', dryRun });
  }
  await registry.delete(R.pods, name, namespace, options, { dryRun });
}
