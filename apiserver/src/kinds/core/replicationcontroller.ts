// ReplicationControllers (upstream pkg/registry/core/replicationcontroller): a map selector, defaulted
// from the template's labels; kept under the historical `controllers` keys.
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { formatLabels } from '../../tables/format';
import { isObj, nonNegative, setIfAbsent, type Obj } from '../helpers';
import { defaultTemplate, validatePodSpec } from './podspec';
import { replicaSetLikePrinter } from '../workloads';
import { scaleSubresource } from '../scale';

const mapSelector = (spec: Obj) => Object.entries(spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',');

export const replicationControllers: ResourceStrategy = {
  group: '',
  kind: 'ReplicationController',
  resource: 'replicationcontrollers',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  storageKey: 'controllers',
  status: {},
  subresources: { scale: scaleSubresource(mapSelector) },
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'replicas', 1);
    if (!spec.selector && spec.template?.metadata?.labels) spec.selector = { ...spec.template.metadata.labels };
    defaultTemplate(spec);
  },
  validate(o) {
    const errs: Cause[] = [];
    const spec = o.spec;
    if (!isObj(spec)) return errs;
    nonNegative('spec.replicas', spec.replicas, errs);
    if (isObj(spec.template)) {
      const labels = spec.template.metadata?.labels ?? {};
      if (isObj(spec.selector) && !Object.entries(spec.selector).every(([k, v]) => labels[k] === v))
        errs.push(fe.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
      validatePodSpec('spec.template.spec', spec.template.spec, errs);
    }
    return errs;
  },
  table: replicaSetLikePrinter((o) => formatLabels(o.spec?.selector)),
  selectableFields: { ...METADATA_SELECTABLE, 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
