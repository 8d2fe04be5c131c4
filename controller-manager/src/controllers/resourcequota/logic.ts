// The resourcequota controller's decision: a quota's status from its spec and the namespace's objects.
import { podChargedToQuota, totalUsage, type QuotaObject, type ResourceList, type ResourceQuota } from '@minik8s/shared';

export interface Counted {
  group: string;
  resource: string;
  items: QuotaObject[];
}

/** status.hard = spec.hard; status.used = the namespace's usage of each hard resource ("0" when unused). */
export function quotaStatus(quota: ResourceQuota, objects: Counted[], now: Date): { hard: ResourceList; used: ResourceList } {
  const hard = { ...(quota.spec?.hard ?? {}) };
  return { hard, used: totalUsage(quota, hard, objects, now) };
}

const sameList = (a: ResourceList = {}, b: ResourceList = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

/** Whether the stored status differs from the computed one (only then is it written). */
export const statusDiffers = (quota: ResourceQuota, want: { hard: ResourceList; used: ResourceList }): boolean =>
  !sameList(quota.status?.hard, want.hard) || !sameList(quota.status?.used, want.used);

/** The `group`/`resource` a "count/<resource>[.<group>]" name counts, or undefined for other names. */
export function countedResource(name: string): { group: string; resource: string } | undefined {
  const m = /^count\/([^.]+)(?:\.(.+))?$/.exec(name);
  return m ? { resource: m[1], group: m[2] ?? '' } : undefined;
}

/**
 * Whether an update of a counted object may give usage back (upstream's replenishment): a pod that stops being
 * charged (finished, or past its deletion grace), or any other object whose spec changed (a Service's type, a
 * claim's request). Creates never trigger a recount: the admission charged them already, and a recount racing
 * with creates still in flight would hand their charge back and let a later create through.
 */
export function updateMayFreeUsage(resource: string, old: QuotaObject, cur: QuotaObject, now: Date): boolean {
  if (resource === 'pods') return podChargedToQuota(old, now) && !podChargedToQuota(cur, now);
  return JSON.stringify(old.spec) !== JSON.stringify(cur.spec);
}
