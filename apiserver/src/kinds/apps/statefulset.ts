// StatefulSets (upstream pkg/registry/apps/statefulset).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells } from '../../tables/format';
import { isObj, setIfAbsent } from '../helpers';
import { TEMPLATE_FIELDS, defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, immutableSelector, validateAppsWorkload } from '../workloads';
import { scaleSubresource } from '../scale';
import { selectorString } from './deployment';

export const statefulSets: ResourceStrategy = {
  group: 'apps',
  kind: 'StatefulSet',
  resource: 'statefulsets',
  namespaced: true,
  shortNames: ['sts'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  subresources: { scale: scaleSubresource(selectorString) },
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'replicas', 1);
    setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
    setIfAbsent(spec, 'updateStrategy', { type: 'RollingUpdate' });
    if (spec.updateStrategy.type === 'RollingUpdate') setIfAbsent(spec.updateStrategy, 'rollingUpdate', { partition: 0 });
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
    defaultTemplate(spec);
  },
  validate: (o) => validateAppsWorkload(o, false),
  validateUpdate: immutableSelector,
  table: {
    columns: [NAME, col('Ready', { description: 'Number of the pod with ready state' }), AGE, CONTAINERS, IMAGES],
    cells(o, now) {
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      return [nameOf(o), `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, ageOf(o, now), names, images];
    },
  },
  strict: { spec: { '*': true, template: TEMPLATE_FIELDS }, status: true },
};
