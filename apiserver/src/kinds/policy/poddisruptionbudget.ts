// PodDisruptionBudgets (upstream pkg/registry/policy/poddisruptionbudget); pods/eviction spends them.
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj, type Obj } from '../helpers';
import { intOrPercent } from '../workloads';
import { labelSelector, oneOf } from '../../registry/validation';

/** policy/v1 ValidatePodDisruptionBudgetSpec. */
function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [];
  const errs: Cause[] = [];
  if (spec.minAvailable != null && spec.maxUnavailable != null) errs.push(fe.invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  intOrPercent(errs, 'spec.minAvailable', spec.minAvailable);
  intOrPercent(errs, 'spec.maxUnavailable', spec.maxUnavailable);
  labelSelector(errs, 'spec.selector', spec.selector);
  oneOf(errs, 'spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['AlwaysAllow', 'IfHealthyBudget'] as const);
  return errs;
}

const message = defineMessages(`
message PodDisruptionBudgetSpec {
  optional IntOrString minAvailable = 1; optional LabelSelector selector = 2; optional IntOrString maxUnavailable = 3; optional string unhealthyPodEvictionPolicy = 4;
}
message PodDisruptionBudget { optional ObjectMeta metadata = 1; optional PodDisruptionBudgetSpec spec = 2; }
`);

export const podDisruptionBudgets: ResourceStrategy = {
  group: 'policy',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
  namespaced: true,
  shortNames: ['pdb'],
  versions: [{ name: 'v1' }],
  status: {},
  defaults(o) {
    // SetDefaults_PodDisruptionBudgetSpec: neither bound set means minAvailable 1.
    const s = (o.spec = o.spec && typeof o.spec === 'object' ? o.spec : {});
    if (s.minAvailable == null && s.maxUnavailable == null) s.minAvailable = 1;
  },
  validate,
  table: {
    columns: [
      NAME,
      col('Min Available', { description: 'The minimum number of pods that must be available.' }),
      col('Max Unavailable', { description: 'The maximum number of pods that may be unavailable.' }),
      col('Allowed Disruptions', { type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' }),
      AGE,
    ],
    cells(o, now) {
      const intOrNA = (v: unknown) => (v == null ? 'N/A' : String(v));
      return [nameOf(o), intOrNA(o.spec?.minAvailable), intOrNA(o.spec?.maxUnavailable), num(o.status?.disruptionsAllowed), ageOf(o, now)];
    },
  },
  protobuf: message('PodDisruptionBudget'),
};
