// ReplicationControllers (upstream pkg/registry/core/replicationcontroller): a map selector, defaulted
// from the template's labels; kept under the historical `controllers` keys.
import { fe, type Cause } from '../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { formatLabels } from '../../tables/format';
import { isObj, setIfAbsent, type Obj } from '../helpers';
import { labels, obj } from '../../registry/validation';
import { defaultTemplate } from './podspec';
import { alwaysRestarting, counts, replicaSetLikePrinter, validatePodTemplate } from '../workloads';
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
    const labels = spec.template?.metadata?.labels;
    if (!spec.selector && isObj(labels)) spec.selector = { ...labels };
    defaultTemplate(spec);
  },
  validate(o) {
    const errs: Cause[] = [];
    const spec = o.spec;
    if (!isObj(spec)) return [fe.required('spec')];
    counts(errs, spec, ['replicas', 'minReadySeconds']);
    const selector = obj(errs, 'spec.selector', spec.selector);
    if (!selector || !Object.keys(selector).length) errs.push(fe.required('spec.selector'));
    const before = errs.length;
    labels(errs, 'spec.selector', selector);
    const template = validatePodTemplate(errs, 'spec.template', spec.template);
    const tl = isObj(template?.metadata?.labels) ? template!.metadata.labels : {};
    if (selector && errs.length === before && !Object.entries(selector).every(([k, v]) => tl[k] === v))
      errs.push(fe.invalid('spec.template.metadata.labels', tl, '`selector` does not match template `labels`'));
    alwaysRestarting(errs, spec, 'ReplicationController');
    return errs;
  },
  table: replicaSetLikePrinter((o) => formatLabels(o.spec?.selector)),
  selectableFields: { ...METADATA_SELECTABLE, 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
