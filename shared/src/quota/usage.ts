// What an object costs a ResourceQuota (upstream pkg/quota/v1 and its core evaluators): the usage of one
// object, which quotas and resources it is charged to, the namespace's total, and the admission decision
// (charge or refuse with upstream's message). Pure: the apiserver's ResourceQuota admission and the
// controller-manager's resourcequota controller both decide with these.
import { addQuantities, compareQuantities } from '../quantity';

/** Resource name → quantity, as a ResourceList. */
export type ResourceList = Record<string, string>;

/** The parts of a pod, claim or service quota reads; anything else is counted only. */
export interface QuotaObject {
  metadata?: { name?: string; deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: { phase?: string };
}

export interface ResourceQuota {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
  spec?: { hard?: ResourceList; scopes?: string[] };
  status?: { hard?: ResourceList; used?: ResourceList };
}

export const QUOTA_SCOPES = [
  'Terminating',
  'NotTerminating',
  'BestEffort',
  'NotBestEffort',
  'PriorityClass',
  'CrossNamespacePodAffinity',
] as const;

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

const INTEGER_RESOURCES = new Set([
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'services.nodeports',
  'services.loadbalancers',
]);
/** Upstream's standard quota resource names (names with a "/" are checked by form only). */
const STANDARD_QUOTA = new Set([
  ...INTEGER_RESOURCES,
  'requests.storage',
  ...COMPUTE,
  ...COMPUTE.map((r) => `requests.${r}`),
  ...COMPUTE.map((r) => `limits.${r}`),
]);

export function isStandardQuotaResourceName(name: string): boolean {
  return STANDARD_QUOTA.has(name) || name.startsWith('hugepages-') || name.startsWith('requests.hugepages-');
}

/** Whether quota values of this resource must be whole numbers (upstream IsIntegerResourceName). */
export function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || name.startsWith('count/');
}

/** The object-count resource of a kind: "count/pods", "count/deployments.apps". */
export const objectCountName = (group: string, resource: string): string => `count/${resource}${group ? `.${group}` : ''}`;

/** Whether a pod is still charged for compute and `pods` (upstream QuotaV1Pod): not finished, not past its deletion grace. */
export function podChargedToQuota(pod: QuotaObject, now: Date): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const deleted = pod.metadata?.deletionTimestamp;
  if (deleted && pod.metadata?.deletionGracePeriodSeconds !== undefined) {
    const end = Date.parse(deleted) + pod.metadata.deletionGracePeriodSeconds * 1000;
    if (now.getTime() > end) return false;
  }
  return true;
}

/** The pod spec fields that hold resources, read defensively: the spec may come from a user's request. */
type PodResourceFields = { containers?: unknown; initContainers?: unknown; overhead?: unknown };

type Containers = { name?: string; resources?: { requests?: ResourceList; limits?: ResourceList } }[];

/** Sum of the containers' values, then at least each init container's, plus the overhead (upstream PodRequests/PodLimits). */
export function podResources(spec: PodResourceFields | undefined, which: 'requests' | 'limits'): ResourceList {
  const out: ResourceList = {};
  for (const c of (spec?.containers ?? []) as Containers)
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {})) out[k] = addQuantities(out[k], v);
  for (const c of (spec?.initContainers ?? []) as Containers)
    for (const [k, v] of Object.entries(c.resources?.[which] ?? {}))
      if (out[k] === undefined || compareQuantities(v, out[k]) > 0) out[k] = v;
  for (const [k, v] of Object.entries((spec?.overhead ?? {}) as ResourceList))
    if (out[k] !== undefined || which === 'requests') out[k] = addQuantities(out[k], v);
  return out;
}

/** What a pod is charged: count/pods always; pods and compute while it runs (upstream PodUsageFunc). */
export function podUsage(pod: QuotaObject, now: Date): ResourceList {
  const out: ResourceList = { 'count/pods': '1' };
  if (!podChargedToQuota(pod, now)) return out;
  out.pods = '1';
  const requests = podResources(pod.spec, 'requests');
  const limits = podResources(pod.spec, 'limits');
  for (const [k, v] of Object.entries(requests)) {
    if (COMPUTE.includes(k)) out[k] = v;
    if (COMPUTE.includes(k) || k.startsWith('hugepages-')) out[`requests.${k}`] = v;
  }
  for (const [k, v] of Object.entries(limits)) if (COMPUTE.includes(k)) out[`limits.${k}`] = v;
  return out;
}

/** What one object of `group`/`resource` is charged (the generic object count, plus the kind's own resources). */
export function objectUsage(group: string, resource: string, obj: QuotaObject, now: Date): ResourceList {
  if (group === '' && resource === 'pods') return podUsage(obj, now);
  const out: ResourceList = { [objectCountName(group, resource)]: '1' };
  if (group !== '') return out;
  switch (resource) {
    case 'services': {
      out.services = '1';
      const type = obj.spec?.type;
      if (type === 'NodePort' || type === 'LoadBalancer') out['services.nodeports'] = String((obj.spec?.ports ?? []).length);
      if (type === 'LoadBalancer') out['services.loadbalancers'] = '1';
      break;
    }
    case 'persistentvolumeclaims': {
      out.persistentvolumeclaims = '1';
      const storage = obj.spec?.resources?.requests?.storage;
      const cls = obj.spec?.storageClassName;
      if (cls) out[`${cls}.storageclass.storage.k8s.io/persistentvolumeclaims`] = '1';
      if (storage !== undefined) {
        out['requests.storage'] = String(storage);
        if (cls) out[`${cls}.storageclass.storage.k8s.io/requests.storage`] = String(storage);
      }
      break;
    }
    case 'configmaps':
    case 'secrets':
    case 'replicationcontrollers':
    case 'resourcequotas':
      out[resource] = '1';
      break;
  }
  return out;
}

/** Whether a pod falls in a quota scope (upstream podMatchesScopeFunc); PriorityClass and CrossNamespacePodAffinity as without a selector. */
function podInScope(scope: string, pod: QuotaObject): boolean {
  const terminating = typeof pod.spec?.activeDeadlineSeconds === 'number' && pod.spec.activeDeadlineSeconds >= 0;
  const all = [...((pod.spec?.initContainers ?? []) as Containers), ...((pod.spec?.containers ?? []) as Containers)];
  const bestEffort = all.every((c) => !Object.keys(c.resources?.requests ?? {}).length && !Object.keys(c.resources?.limits ?? {}).length);
  switch (scope) {
    case 'Terminating':
      return terminating;
    case 'NotTerminating':
      return !terminating;
    case 'BestEffort':
      return bestEffort;
    case 'NotBestEffort':
      return !bestEffort;
    case 'PriorityClass':
      return !!pod.spec?.priorityClassName;
    case 'CrossNamespacePodAffinity':
      return false;
    default:
      return false;
  }
}

/** Whether `quota` tracks objects of this kind at all (scoped quotas track pods only). */
export function quotaSelects(quota: ResourceQuota, group: string, resource: string, obj: QuotaObject): boolean {
  const scopes = quota.spec?.scopes ?? [];
  if (!scopes.length) return true;
  return group === '' && resource === 'pods' && scopes.every((s) => podInScope(s, obj));
}

/** The namespace's usage of every resource in `hard`, from its objects (the controller's recalculation). */
export function totalUsage(
  quota: ResourceQuota,
  hard: ResourceList,
  objects: { group: string; resource: string; items: QuotaObject[] }[],
  now: Date,
): ResourceList {
  const used: ResourceList = {};
  for (const name of Object.keys(hard)) used[name] = '0';
  for (const { group, resource, items } of objects)
    for (const obj of items) {
      if (!quotaSelects(quota, group, resource, obj)) continue;
      for (const [k, v] of Object.entries(objectUsage(group, resource, obj, now))) if (k in used) used[k] = addQuantities(used[k], v);
    }
  return used;
}

/** "a=1,b=2" sorted by name, as upstream's quota messages print resource lists. */
export const printResourceList = (l: ResourceList): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join(',');

const COMPUTE_CONSTRAINED = new Set(['cpu', 'memory', 'requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory']);

/**
 * A pod must state each tracked cpu/memory request or limit in every container (upstream's podEvaluator
 * Constraints): "must specify limits.cpu for: a,b; requests.memory for: a", or undefined.
 */
export function podConstraintError(pod: QuotaObject, tracked: string[]): string | undefined {
  const missing = new Map<string, Set<string>>();
  const all = [...((pod.spec?.containers ?? []) as Containers), ...((pod.spec?.initContainers ?? []) as Containers)];
  for (const name of tracked) {
    if (!COMPUTE_CONSTRAINED.has(name)) continue;
    const [which, res] = name.startsWith('limits.')
      ? (['limits', name.slice(7)] as const)
      : (['requests', name.replace(/^requests\./, '')] as const);
    for (const c of all)
      if (c.resources?.[which]?.[res] === undefined) {
        if (!missing.has(name)) missing.set(name, new Set());
        missing.get(name)!.add(c.name ?? '');
      }
  }
  if (!missing.size) return undefined;
  const parts = [...missing].map(([r, names]) => `${r} for: ${[...names].sort().join(',')}`).sort();
  return `must specify ${parts.join('; ')}`;
}

/** The outcome of charging one object to one quota: the new status.used, or why it is refused. */
export type QuotaDecision = { kind: 'untracked' } | { kind: 'charge'; used: ResourceList } | { kind: 'refuse'; message: string };

/**
 * Upstream's quota admission for one quota and one new object: a quota that tracks none of the object's
 * resources lets it pass; otherwise the object must meet the quota's constraints, the quota's usage must
 * be known, and used + requested must stay within hard for every tracked resource.
 */
export function chargeQuota(quota: ResourceQuota, group: string, resource: string, obj: QuotaObject, now: Date): QuotaDecision {
  const name = quota.metadata.name ?? '';
  const hardSpec = quota.spec?.hard ?? {};
  if (!quotaSelects(quota, group, resource, obj)) return { kind: 'untracked' };
  const usage = objectUsage(group, resource, obj, now);
  const isPod = group === '' && resource === 'pods';
  // Pods are constrained by every compute resource the quota tracks, even ones they do not use.
  const tracked = Object.keys(hardSpec).filter((k) => k in usage || (isPod && COMPUTE_CONSTRAINED.has(k)));
  if (!tracked.length) return { kind: 'untracked' };
  if (isPod) {
    const err = podConstraintError(obj, tracked);
    if (err) return { kind: 'refuse', message: `failed quota: ${name}: ${err}` };
  }
  const hard = quota.status?.hard ?? {};
  const used = quota.status?.used ?? {};
  const unknown = tracked.filter((k) => hard[k] === undefined || used[k] === undefined).sort();
  if (unknown.length) return { kind: 'refuse', message: `status unknown for quota: ${name}, resources: ${unknown.join(',')}` };
  const next: ResourceList = { ...used };
  const requested: ResourceList = {};
  const failedUsed: ResourceList = {};
  const failedHard: ResourceList = {};
  for (const k of tracked) {
    if (usage[k] === undefined) continue;
    next[k] = addQuantities(used[k], usage[k]);
    if (compareQuantities(next[k], hard[k]) > 0) {
      requested[k] = usage[k];
      failedUsed[k] = used[k];
      failedHard[k] = hard[k];
    }
  }
  if (Object.keys(requested).length)
    return {
      kind: 'refuse',
      message: `exceeded quota: ${name}, requested: ${printResourceList(requested)}, used: ${printResourceList(failedUsed)}, limited: ${printResourceList(failedHard)}`,
    };
  return { kind: 'charge', used: next };
}
