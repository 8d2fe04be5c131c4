// Upstream's ResourceQuota admission, the last step of the chain: a valid new object is charged to every
// quota of its namespace that tracks what it uses. Each charge is a write of the quota's status.used
// conditioned on the revision the decision was made from (re-decided on a lost race, as upstream's quota
// evaluator retries on conflict), so two creates racing for the last slot cannot both pass. A refusal is
// 403 Forbidden with upstream's "exceeded quota" / "failed quota" / "status unknown" message and nothing
// is created. A create that fails after its charge (e.g. AlreadyExists) is given back by the
// resourcequota controller's next recalculation, as upstream.
import { ApiError, chargeQuota, isNotFound, statusFor, type ResourceQuota } from '@minik8s/shared';
import type { CreateAdmission } from '../../registry/registry';
import type { Obj } from '../../registry/objects';
import { validateObject } from '../../registry/prepare';
import { resourceQuotas } from './resourcequota';

export const resourceQuotaAdmission: CreateAdmission = async (registry, { r, namespace, name, obj, dryRun }) => {
  if (!namespace || !r.namespaced) return;
  const quotaKind = registry.resource(resourceQuotas);
  const quotas = (await registry.list(quotaKind, { namespace, resourceVersion: '0' })).items as unknown as ResourceQuota[];
  if (!quotas.length) return;
  // an invalid object is refused by validation: nothing to charge
  if (validateObject(r, obj, true).length) return;
  const forbidden = (message: string) => new ApiError(statusFor.forbidden(`${r.resource}${r.group ? '.' + r.group : ''} "${name || obj.metadata.generateName || ''}" is forbidden: ${message}`));
  const now = new Date();
  // every quota is asked before any is charged, so a refusal charges none
  const tracking: string[] = [];
  for (const quota of quotas.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))) {
    const d = chargeQuota(quota, r.group, r.resource, obj, now);
    if (d.kind === 'refuse') throw forbidden(d.message);
    if (d.kind === 'charge') tracking.push(quota.metadata.name!);
  }
  if (dryRun) return;
  for (const quotaName of tracking)
    await registry.guaranteedUpdate(
      quotaKind,
      quotaName,
      namespace,
      (cur) => {
        const d = chargeQuota(cur as unknown as ResourceQuota, r.group, r.resource, obj, now);
        if (d.kind === 'refuse') throw forbidden(d.message);
        if (d.kind === 'untracked') return cur as Obj;
        return { ...cur, status: { ...((cur as Obj).status ?? {}), used: d.used } } as Obj;
      },
      { subresource: 'status' },
    ).catch((e) => {
      if (!isNotFound(e)) throw e; // a quota deleted meanwhile charges nothing
    });
};
