// Leases (coordination.k8s.io): leader election and node heartbeats; a PUT of a missing one creates it.
// ValidateLeaseSpec: a positive duration, non-negative transitions, well-formed times.
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { fe, type Cause } from '../../registry/fielderrors';
import { int32, obj, str } from '../../registry/validation';

/** metav1.MicroTime as JSON: RFC 3339 with up to nanoseconds (what Go's decoder accepts). */
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/;

export const leases: ResourceStrategy = {
  group: 'coordination.k8s.io',
  kind: 'Lease',
  resource: 'leases',
  namespaced: true,
  versions: [{ name: 'v1' }],
  createOnUpdate: true,
  validate(o) {
    const errs: Cause[] = [];
    const spec = obj(errs, 'spec', o.spec) ?? {};
    str(errs, 'spec.holderIdentity', spec.holderIdentity);
    const duration = int32(errs, 'spec.leaseDurationSeconds', spec.leaseDurationSeconds);
    if (duration !== undefined && duration <= 0) errs.push(fe.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
    const transitions = int32(errs, 'spec.leaseTransitions', spec.leaseTransitions);
    if (transitions !== undefined && transitions < 0) errs.push(fe.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
    for (const f of ['acquireTime', 'renewTime']) {
      const t = str(errs, `spec.${f}`, spec[f]);
      if (t && !MICRO_TIME.test(t)) errs.push(fe.invalid(`spec.${f}`, t, 'must be an RFC 3339 time with microseconds'));
    }
    return errs;
  },
  table: {
    columns: [NAME, col('Holder', { description: 'HolderIdentity contains the identity of the holder of a current lease.' }), AGE],
    cells: (o, now) => [nameOf(o), o.spec?.holderIdentity ?? '', ageOf(o, now)],
  },
};
