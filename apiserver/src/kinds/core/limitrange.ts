// LimitRanges (upstream pkg/registry/core/limitrange): per-namespace min/max/default resources for
// containers, pods and claims, defaulted and validated as upstream (SetDefaults_LimitRangeItem,
// ValidateLimitRange); the LimitRanger admission applies them to new pods and claims.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { compareQuantities, milliValue, type ResourceList } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { defineMessages } from '../../protobuf/messages';
import { isObj } from '../helpers';
import { canonicalQuantity } from './persistentvolume';
import { resourceList } from './resourcelists';

const LIMIT_LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

/** SetDefaults_LimitRangeItem: a container's default limit from max, default request from the default limit, else from min. */
export function defaultLimitRangeItem(item: any): void {
  if (!isObj(item) || item.type !== 'Container') return;
  const fill = (to: string, from: unknown) => {
    if (!isObj(from)) return;
    item[to] = isObj(item[to]) ? item[to] : {};
    for (const [k, v] of Object.entries(from)) if (item[to][k] === undefined) item[to][k] = v;
  };
  fill('default', item.max);
  fill('defaultRequest', item.default);
  fill('defaultRequest', item.min);
}

const CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** validateLimitRangeResourceName: pod and container limits name container resources. */
const limitName = (type: unknown) => (key: string, field: string): Cause[] => {
  if (type !== 'Pod' && type !== 'Container') return [];
  if (key.includes('/') || CONTAINER_RESOURCES.has(key) || key.startsWith('hugepages-')) return [];
  return [fe.invalid(field, key, 'must be a standard resource for containers')];
};

const show = (q: string) => canonicalQuantity(q);

/** ValidateLimitRange. */
export function validateLimitRange(o: any): Cause[] {
  const errs: Cause[] = [];
  const limits: unknown = o.spec?.limits;
  if (!Array.isArray(limits)) return limits === undefined || limits === null ? [] : [fe.invalid('spec.limits', limits, 'must be a list')];
  const types = new Set<unknown>();
  limits.forEach((limit: any, i: number) => {
    const at = `spec.limits[${i}]`;
    if (!isObj(limit)) {
      errs.push(fe.invalid(at, limit, 'must be an object'));
      return;
    }
    if (typeof limit.type !== 'string' || !limit.type) errs.push(fe.required(`${at}.type`));
    else if (types.has(limit.type)) errs.push(fe.duplicate(`${at}.type`, limit.type));
    types.add(limit.type);
    const lists = {} as Record<(typeof LIMIT_LISTS)[number], ResourceList>;
    for (const l of LIMIT_LISTS) lists[l] = resourceList(`${at}.${l}`, limit[l], errs, limitName(limit.type));
    const { max, min, default: def, defaultRequest: defReq, maxLimitRequestRatio: ratio } = lists;
    if (limit.type === 'Pod') {
      if (Object.keys(def).length) errs.push(fe.forbidden(`${at}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(defReq).length) errs.push(fe.forbidden(`${at}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    if (limit.type === 'PersistentVolumeClaim' && min.storage === undefined && max.storage === undefined)
      errs.push(fe.required(`${at}.limits`, 'either minimum or maximum storage value is required, but neither was provided'));
    const keys = new Set(LIMIT_LISTS.flatMap((l) => Object.keys(lists[l])));
    for (const k of [...keys].sort()) {
      const [mn, mx, d, dr, r] = [min[k], max[k], def[k], defReq[k], ratio[k]];
      if (mn !== undefined && mx !== undefined && compareQuantities(mn, mx) > 0) errs.push(fe.invalid(`${at}.min[${k}]`, mn, `min value ${show(mn)} is greater than max value ${show(mx)}`));
      if (dr !== undefined && mn !== undefined && compareQuantities(mn, dr) > 0) errs.push(fe.invalid(`${at}.defaultRequest[${k}]`, dr, `min value ${show(mn)} is greater than default request value ${show(dr)}`));
      if (dr !== undefined && mx !== undefined && compareQuantities(dr, mx) > 0) errs.push(fe.invalid(`${at}.defaultRequest[${k}]`, dr, `default request value ${show(dr)} is greater than max value ${show(mx)}`));
      if (dr !== undefined && d !== undefined && compareQuantities(dr, d) > 0) errs.push(fe.invalid(`${at}.defaultRequest[${k}]`, dr, `default request value ${show(dr)} is greater than default limit value ${show(d)}`));
      if (d !== undefined && mn !== undefined && compareQuantities(mn, d) > 0) errs.push(fe.invalid(`${at}.default[${k}]`, mn, `min value ${show(mn)} is greater than default value ${show(d)}`));
      if (d !== undefined && mx !== undefined && compareQuantities(d, mx) > 0) errs.push(fe.invalid(`${at}.default[${k}]`, mx, `default value ${show(d)} is greater than max value ${show(mx)}`));
      if (r !== undefined && compareQuantities(r, 1) < 0) errs.push(fe.invalid(`${at}.maxLimitRequestRatio[${k}]`, r, `ratio ${show(r)} is less than 1`));
      if (r !== undefined && mn !== undefined && mx !== undefined) {
        const bound = milliValue(mx) / milliValue(mn);
        if (milliValue(r) / 1000 > bound) errs.push(fe.invalid(`${at}.maxLimitRequestRatio[${k}]`, r, `ratio ${show(r)} is greater than max/min = ${bound.toFixed(6)}`));
      }
    }
  });
  return errs;
}

const message = defineMessages(`
message LimitRangeItem { optional string type = 1; map<string, Quantity> max = 2; map<string, Quantity> min = 3; map<string, Quantity> default = 4; map<string, Quantity> defaultRequest = 5; map<string, Quantity> maxLimitRequestRatio = 6; }
message LimitRangeSpec { repeated LimitRangeItem limits = 1; }
message LimitRange { optional ObjectMeta metadata = 1; optional LimitRangeSpec spec = 2; }
`);

export const limitRanges: ResourceStrategy = {
  group: '',
  kind: 'LimitRange',
  resource: 'limitranges',
  namespaced: true,
  shortNames: ['limits'],
  versions: [{ name: 'v1' }],
  defaults(o) {
    if (Array.isArray(o.spec?.limits)) for (const item of o.spec.limits) defaultLimitRangeItem(item);
  },
  validate: validateLimitRange,
  protobuf: message('LimitRange'),
};
