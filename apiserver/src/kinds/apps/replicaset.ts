// ReplicaSets (upstream pkg/registry/apps/replicaset).
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { formatLabelSelector } from '../../tables/format';
import { isObj, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { alwaysRestarting, counts, immutableSelector, replicaSetLikePrinter, selectorAndTemplate } from '../workloads';
import { fe, type Cause } from '../../registry/fielderrors';
import { scaleSubresource } from '../scale';
import { selectorString } from './deployment';

export const replicaSets: ResourceStrategy = {
  group: 'apps',
  kind: 'ReplicaSet',
  resource: 'replicasets',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  subresources: { scale: scaleSubresource(selectorString) },
  defaults(o) {
    if (!isObj(o.spec)) return;
    setIfAbsent(o.spec, 'replicas', 1);
    defaultTemplate(o.spec);
  },
  validate(o) {
    const spec = o.spec;
    if (!isObj(spec)) return [fe.required('spec')];
    const errs: Cause[] = [];
    counts(errs, spec, ['replicas', 'minReadySeconds']);
    selectorAndTemplate(errs, spec, 'deployment');
    alwaysRestarting(errs, spec, 'ReplicaSet');
    return errs;
  },
  validateUpdate: immutableSelector,
  table: replicaSetLikePrinter((o) => formatLabelSelector(o.spec?.selector)),
  selectableFields: { ...METADATA_SELECTABLE, 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
