// DaemonSets (upstream pkg/registry/apps/daemonset).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, int, nameOf, num } from '../../tables/columns';
import { containerCells, formatLabelSelector, formatLabels } from '../../tables/format';
import { isObj, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR, immutableSelector, validateAppsWorkload } from '../workloads';

export const daemonSets: ResourceStrategy = {
  group: 'apps',
  kind: 'DaemonSet',
  resource: 'daemonsets',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'updateStrategy', { type: 'RollingUpdate' });
    if (spec.updateStrategy.type === 'RollingUpdate') {
      setIfAbsent(spec.updateStrategy, 'rollingUpdate', {});
      setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
      setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxSurge', 0);
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    defaultTemplate(spec);
  },
  validate: (o) => validateAppsWorkload(o, false),
  validateUpdate: immutableSelector,
  table: {
    columns: [
      NAME,
      int('Desired', 'The total number of nodes that should be running the daemon pod.'),
      int('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
      int('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
      int('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
      int('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
      col('Node Selector', { description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' }),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, now) {
      const s = o.status ?? {};
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      return [
        nameOf(o), num(s.desiredNumberScheduled), num(s.currentNumberScheduled), num(s.numberReady), num(s.updatedNumberScheduled), num(s.numberAvailable),
        formatLabels(o.spec?.template?.spec?.nodeSelector), ageOf(o, now), names, images, formatLabelSelector(o.spec?.selector),
      ];
    },
  },
};
