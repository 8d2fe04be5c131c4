// pods/eviction (what `kubectl drain` posts), as upstream's EvictionREST: delete the pod unless a
// PodDisruptionBudget that guards it has no disruption left (429). Spending the budget and recording the
// pod in its status.disruptedPods come before the delete, as upstream, so that concurrent evictions cannot
// overspend it. The pure rules are in eviction-rules.ts.
import { ApiError, failure, isConflict, statusFor } from '@minik8s/shared';
import type { UserInfo } from '../../../auth/types';
import type { Registry } from '../../../registry/registry';
import type { ServedResource } from '../../../registry/kinds';
import { methodNotAllowed, success, type Handler, type SubresourceDef } from '../../../registry/strategy';
import { rfc3339, type Obj } from '../../../registry/objects';
import { podDisruptionBudgets } from '../../policy/poddisruptionbudget';
import { budgetBeingProcessed, budgetsFor, canIgnoreBudgets, spendBudget, unhealthyMayGo } from './eviction-rules';

export async function evictPod(
  registry: Registry,
  pods: ServedResource,
  namespace: string,
  name: string,
  eviction: Obj,
  dryRun: boolean,
  user?: UserInfo,
): Promise<void> {
  if (eviction.metadata?.name && eviction.metadata.name !== name)
    throw new ApiError(statusFor.badRequest(`name in URL does not match name in Eviction object`));
  const options: Obj = eviction.deleteOptions ?? {};
  const pod = await registry.get(pods, name, namespace);
  await registry.admit({
    operation: 'CREATE',
    r: pods.storage,
    namespace,
    name,
    subresource: 'eviction',
    obj: eviction,
    old: pod,
    dryRun,
    user,
  });
  const rvUnset = options.preconditions?.resourceVersion == null;
  // Pin the pod's resourceVersion so that it cannot have turned ready since the decision.
  const pinned = { ...options, preconditions: { ...options.preconditions, resourceVersion: pod.metadata.resourceVersion } };
  const phase = (pod.status as Obj | undefined)?.phase;
  if (canIgnoreBudgets(pod)) {
    const terminal = phase === 'Succeeded' || phase === 'Failed' || !!pod.metadata.deletionTimestamp;
    await registry.delete(pods, name, namespace, !terminal && rvUnset ? pinned : options, { dryRun });
    return;
  }
  const pdbs = registry.resource(podDisruptionBudgets);
  const budgets = budgetsFor(pod, (await registry.list(pdbs, { namespace })).items);
  if (budgets.length > 1)
    throw new ApiError(
      failure(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.'),
    );
  const budget = budgets[0];
  if (budget && unhealthyMayGo(pod, budget)) {
    try {
      await registry.delete(pods, name, namespace, rvUnset ? pinned : options, { dryRun });
    } catch (e) {
      if (isConflict(e) && rvUnset) throw budgetBeingProcessed(budget.metadata.name ?? '');
      throw e;
    }
    return;
  }
  if (budget) {
    const now = rfc3339();
    await registry.guaranteedUpdate(pdbs, budget.metadata.name ?? '', namespace, (cur) => spendBudget(cur, name, now, dryRun), {
      subresource: 'status',
      dryRun,
    });
  }
  await registry.delete(pods, name, namespace, options, { dryRun });
}

const EVICTION = { group: 'policy', version: 'v1', kind: 'Eviction' };

const evict: Handler = async (req) => {
  if (req.method !== 'POST') throw methodNotAllowed(req.method);
  const raw = req.body() as Obj | undefined;
  // policy/v1beta1 Evictions are accepted too
  const version =
    typeof raw?.apiVersion === 'string' && raw.apiVersion.startsWith('policy/') ? raw.apiVersion.slice('policy/'.length) : 'v1';
  await evictPod(req.registry, req.r, req.namespace!, req.name, req.object({ ...EVICTION, version }), req.dryRun, req.user());
  return success(201);
};

export const evictionSubresource: SubresourceDef = { responseKind: EVICTION, verbs: ['create'], handler: evict };
