// Upstream's LimitRanger admission: a new pod's containers get the namespace's LimitRange default limits
// and requests they lack (noted in the kubernetes.io/limit-ranger annotation), then every container, the
// pod as a whole and every new claim must keep within the ranges' min, max and maxLimitRequestRatio
// (403 Forbidden with upstream's words otherwise). The rules are pure; the admission step lists the ranges.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ApiError, compareQuantities, milliValue, podResources, statusFor, type ResourceList } from '@minik8s/shared';
import type { CreateAdmission } from '../../registry/registry';
import type { Obj } from '../../registry/objects';
import { isObj } from '../helpers';
import { canonicalQuantity } from './persistentvolume';
import { limitRanges } from './limitrange';

export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

interface LimitRangeItem {
  type?: string;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

const itemsOf = (ranges: Obj[], type: string): LimitRangeItem[] => ranges.flatMap((r) => ((r.spec?.limits ?? []) as LimitRangeItem[]).filter((i) => isObj(i) && i.type === type));

/**
 * Fills in each container's missing limits and requests from the Container items' `default` and
 * `defaultRequest` (the first range naming a resource wins); returns the annotation text, or undefined
 * when nothing was set.
 */
export function applyContainerDefaults(pod: Obj, ranges: Obj[]): string | undefined {
  const limits: ResourceList = {};
  const requests: ResourceList = {};
  for (const item of itemsOf(ranges, 'Container')) {
    for (const [k, v] of Object.entries(item.default ?? {})) limits[k] ??= v;
    for (const [k, v] of Object.entries(item.defaultRequest ?? {})) requests[k] ??= v;
  }
  if (!Object.keys(limits).length && !Object.keys(requests).length) return undefined;
  const notes: string[] = [];
  const merge = (c: any, kind: string) => {
    if (!isObj(c)) return;
    c.resources = isObj(c.resources) ? c.resources : {};
    const set = (which: 'limits' | 'requests', from: ResourceList): string[] => {
      const names: string[] = [];
      for (const [k, v] of Object.entries(from))
        if (c.resources[which]?.[k] === undefined) {
          c.resources[which] = { ...(c.resources[which] ?? {}), [k]: v };
          names.push(k);
        }
      return names.sort();
    };
    const setLimits = set('limits', limits);
    const setRequests = set('requests', requests);
    if (setRequests.length) notes.push(`${setRequests.join(', ')} request for ${kind} ${c.name}`);
    if (setLimits.length) notes.push(`${setLimits.join(', ')} limit for ${kind} ${c.name}`);
  };
  for (const c of pod.spec?.containers ?? []) merge(c, 'container');
  for (const c of pod.spec?.initContainers ?? []) merge(c, 'init container');
  return notes.length ? `LimitRanger plugin set: ${notes.join('; ')}` : undefined;
}

const q = canonicalQuantity;

/** minConstraint / maxConstraint / limitRequestRatioConstraint of one item on one request/limit pair. */
function checkItem(type: string, item: LimitRangeItem, requests: ResourceList, limits: ResourceList, errs: string[]): void {
  for (const [k, min] of Object.entries(item.min ?? {})) {
    const req = requests[k];
    const lim = limits[k];
    if (req === undefined) errs.push(`minimum ${k} usage per ${type} is ${q(min)}.  No request is specified`);
    else if (compareQuantities(req, min) < 0) errs.push(`minimum ${k} usage per ${type} is ${q(min)}, but request is ${q(req)}`);
    else if (lim !== undefined && compareQuantities(lim, min) < 0) errs.push(`minimum ${k} usage per ${type} is ${q(min)}, but limit is ${q(lim)}`);
  }
  for (const [k, max] of Object.entries(item.max ?? {})) {
    const req = requests[k];
    const lim = limits[k];
    if (type === 'PersistentVolumeClaim') {
      // a claim's maximum is on its request (maxRequestConstraint)
      if (req === undefined) errs.push(`maximum ${k} usage per ${type} is ${q(max)}.  No request is specified`);
      else if (compareQuantities(req, max) > 0) errs.push(`maximum ${k} usage per ${type} is ${q(max)}, but request is ${q(req)}`);
      continue;
    }
    if (lim === undefined) errs.push(`maximum ${k} usage per ${type} is ${q(max)}.  No limit is specified`);
    else if (compareQuantities(lim, max) > 0) errs.push(`maximum ${k} usage per ${type} is ${q(max)}, but limit is ${q(lim)}`);
    else if (req !== undefined && compareQuantities(req, max) > 0) errs.push(`maximum ${k} usage per ${type} is ${q(max)}, but request is ${q(req)}`);
  }
  for (const [k, ratio] of Object.entries(item.maxLimitRequestRatio ?? {})) {
    const req = requests[k] === undefined ? 0 : milliValue(requests[k]);
    const lim = limits[k] === undefined ? 0 : milliValue(limits[k]);
    if (req === 0) errs.push(`${k} max limit to request ratio per ${type} is ${q(ratio)}, but no request is specified or request is 0`);
    else if (lim === 0) errs.push(`${k} max limit to request ratio per ${type} is ${q(ratio)}, but no limit is specified or limit is 0`);
    else if ((lim / req) * 1000 > milliValue(ratio)) errs.push(`${k} max limit to request ratio per ${type} is ${q(ratio)}, but provided ratio is ${(lim / req).toFixed(6)}`);
  }
}

/** Everything in a pod that breaks the ranges' Container and Pod items (PodValidateLimitFunc). */
export function podLimitViolations(pod: Obj, ranges: Obj[]): string[] {
  const errs: string[] = [];
  for (const item of itemsOf(ranges, 'Container'))
    for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) checkItem('Container', item, c?.resources?.requests ?? {}, c?.resources?.limits ?? {}, errs);
  for (const item of itemsOf(ranges, 'Pod')) checkItem('Pod', item, podResources(pod.spec, 'requests'), podResources(pod.spec, 'limits'), errs);
  return errs;
}

/** Everything in a claim that breaks the ranges' PersistentVolumeClaim items. */
export function claimLimitViolations(claim: Obj, ranges: Obj[]): string[] {
  const errs: string[] = [];
  for (const item of itemsOf(ranges, 'PersistentVolumeClaim')) checkItem('PersistentVolumeClaim', item, claim.spec?.resources?.requests ?? {}, claim.spec?.resources?.limits ?? {}, errs);
  return errs;
}

/** Several errors print as upstream's aggregate: "[a, b]". */
const aggregate = (errs: string[]) => (errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);

export const limitRanger: CreateAdmission = async (registry, { r, namespace, name, obj }) => {
  if (r.group !== '' || (r.resource !== 'pods' && r.resource !== 'persistentvolumeclaims') || !namespace) return;
  const ranges = (await registry.list(registry.resource(limitRanges), { namespace, resourceVersion: '0' })).items as Obj[];
  if (!ranges.length) return;
  let errs: string[];
  if (r.resource === 'pods') {
    const note = applyContainerDefaults(obj, ranges);
    if (note) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: note };
    errs = podLimitViolations(obj, ranges);
  } else errs = claimLimitViolations(obj, ranges);
  if (errs.length) throw new ApiError(statusFor.forbidden(`${r.resource} "${name || obj.metadata.generateName || ''}" is forbidden: ${aggregate(errs)}`));
};
