// ReplicaSets (upstream pkg/registry/apps/replicaset).
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { formatLabelSelector } from '../../tables/format';
import { isObj, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { immutableSelector, replicaSetLikePrinter, validateAppsWorkload } from '../workloads';
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
  validate: (o) => validateAppsWorkload(o, true),
  validateUpdate: immutableSelector,
  table: replicaSetLikePrinter((o) => formatLabelSelector(o.spec?.selector)),
  selectableFields: { ...METADATA_SELECTABLE, 'status.replicas': (o) => String(o.status?.replicas ?? 0) },
};
