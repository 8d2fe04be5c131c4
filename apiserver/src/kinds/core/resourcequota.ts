// ResourceQuotas (upstream pkg/registry/core/resourcequota): spec.hard limits per namespace, status.hard and
// status.used kept by the resourcequota controller (and charged by the ResourceQuota admission) through the
// status subresource; a new quota starts with no status.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { QUOTA_SCOPES, isIntegerResourceName, isStandardQuotaResourceName, type ResourceList } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj } from '../helpers';
import { canonicalQuantity } from './persistentvolume';
import { resourceList, validateQuantityValue } from './resourcelists';

const quotaName = (key: string, field: string): Cause[] => (key.includes('/') || isStandardQuotaResourceName(key) ? [] : [fe.invalid(field, key, 'must be a standard resource for quota')]);

/** The hard or used list at `path`, names and values checked (ValidateResourceQuotaSpec / status). */
function quotaList(path: string, list: unknown, errs: Cause[]): ResourceList {
  const out = resourceList(path, list, errs, quotaName);
  for (const [k, v] of Object.entries(out)) validateQuantityValue(`${path}[${k}]`, v, isIntegerResourceName(k), errs);
  return out;
}

const POD_COMPUTE = new Set(['pods', 'count/pods', 'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage']);

/** Upstream IsResourceQuotaScopeValidForResource. */
function scopeFits(scope: string, resource: string): boolean {
  if (scope === 'BestEffort') return resource === 'pods' || resource === 'count/pods';
  if (scope === 'CrossNamespacePodAffinity') return resource === 'pods' || resource === 'count/pods';
  return POD_COMPUTE.has(resource) || resource.startsWith('requests.hugepages-');
}

function validateScopes(spec: any, hard: ResourceList, errs: Cause[]): void {
  const scopes: unknown = spec.scopes;
  if (scopes === undefined || scopes === null) return;
  if (!Array.isArray(scopes)) {
    errs.push(fe.invalid('spec.scopes', scopes, 'must be a list of scopes'));
    return;
  }
  for (const scope of scopes) {
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) errs.push(fe.invalid('spec.scopes', scopes, 'unsupported scope'));
    for (const k of Object.keys(hard).sort()) if (isStandardQuotaResourceName(k) && !scopeFits(scope, k)) errs.push(fe.invalid('spec.scopes', scopes, 'unsupported scope applied to resource'));
  }
  for (const [a, b] of [['BestEffort', 'NotBestEffort'], ['Terminating', 'NotTerminating']])
    if (scopes.includes(a) && scopes.includes(b)) errs.push(fe.invalid('spec.scopes', scopes, 'conflicting scopes'));
}

/** ValidateResourceQuota: spec.hard, scopes, and the status the controller writes. */
function validate(o: any): Cause[] {
  const errs: Cause[] = [];
  const spec = o.spec ?? {};
  if (!isObj(spec)) return [fe.invalid('spec', spec, 'must be an object')];
  const hard = quotaList('spec.hard', spec.hard, errs);
  validateScopes(spec, hard, errs);
  if (spec.scopeSelector !== undefined && spec.scopeSelector !== null) errs.push(fe.forbidden('spec.scopeSelector', 'not supported by this server'));
  if (isObj(o.status)) {
    quotaList('status.hard', o.status.hard, errs);
    quotaList('status.used', o.status.used, errs);
  }
  return errs;
}

/** "requests.cpu: 500m/1, pods: 1/2" for the Request or Limit column, as upstream's printResourceQuota. */
function usageCell(o: any, limits: boolean): string {
  const hard: ResourceList = o.status?.hard ?? {};
  const used: ResourceList = o.status?.used ?? {};
  return Object.keys(hard)
    .sort()
    .filter((k) => (k.split('.').length > 1 && k.split('.')[0] === 'limits') === limits)
    .map((k) => `${k}: ${used[k] === undefined ? '0' : canonicalQuantity(used[k])}/${canonicalQuantity(hard[k])}`)
    .join(', ');
}

const message = defineMessages(`
message ScopedResourceSelectorRequirement { optional string scopeName = 1; optional string operator = 2; repeated string values = 3; }
message ScopeSelector { repeated ScopedResourceSelectorRequirement matchExpressions = 1; }
message ResourceQuotaSpec { map<string, Quantity> hard = 1; repeated string scopes = 2; optional ScopeSelector scopeSelector = 3; }
message ResourceQuotaStatus { map<string, Quantity> hard = 1; map<string, Quantity> used = 2; }
message ResourceQuota { optional ObjectMeta metadata = 1; optional ResourceQuotaSpec spec = 2; optional ResourceQuotaStatus status = 3; }
`);

export const resourceQuotas: ResourceStrategy = {
  group: '',
  kind: 'ResourceQuota',
  resource: 'resourcequotas',
  namespaced: true,
  shortNames: ['quota'],
  versions: [{ name: 'v1' }],
  status: {},
  validate,
  table: {
    columns: [
      NAME,
      AGE,
      col('Request', { description: 'Request represents a minimum amount of cpu/memory that a container may consume.' }),
      col('Limit', { description: 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.' }),
    ],
    cells: (o, now) => [nameOf(o), ageOf(o, now), usageCell(o, false), usageCell(o, true)],
  },
  protobuf: message('ResourceQuota'),
};
