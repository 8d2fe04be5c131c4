// DaemonSets (upstream pkg/registry/apps/daemonset).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, int, nameOf, num } from '../../tables/columns';
import { containerCells, formatLabelSelector, formatLabels } from '../../tables/format';
import { isObj, objAt, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR, alwaysRestarting, counts, immutableSelector, intOrPercent, selectorAndTemplate } from '../workloads';
import { fe, type Cause } from '../../registry/fielderrors';
import { obj, str } from '../../registry/validation';

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
    const us = objAt(spec, 'updateStrategy', () => ({ type: 'RollingUpdate' }));
    const ru = us?.type === 'RollingUpdate' ? objAt(us, 'rollingUpdate') : undefined;
    if (ru) {
      setIfAbsent(ru, 'maxUnavailable', 1);
      setIfAbsent(ru, 'maxSurge', 0);
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    defaultTemplate(spec);
  },
  validate(o) {
    const spec = o.spec;
    if (!isObj(spec)) return [fe.required('spec')];
    const errs: Cause[] = [];
    counts(errs, spec, ['minReadySeconds', 'templateGeneration', 'revisionHistoryLimit']);
    selectorAndTemplate(errs, spec, 'daemonset');
    alwaysRestarting(errs, spec, 'DaemonSet', 'Invalid');
    const us = obj(errs, 'spec.updateStrategy', spec.updateStrategy) ?? {};
    const type = str(errs, 'spec.updateStrategy.type', us.type);
    if (type === 'RollingUpdate') {
      const ru = obj(errs, 'spec.updateStrategy.rollingUpdate', us.rollingUpdate, true);
      if (ru) {
        const p = 'spec.updateStrategy.rollingUpdate';
        const unavailable = intOrPercent(errs, `${p}.maxUnavailable`, ru.maxUnavailable);
        const surge = intOrPercent(errs, `${p}.maxSurge`, ru.maxSurge);
        if (unavailable && surge) errs.push(fe.invalid(`${p}.maxSurge`, ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
        if (!unavailable && !surge) errs.push(fe.required(`${p}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
      }
    } else if (type !== 'OnDelete') errs.push(fe.notSupported('spec.updateStrategy', us, ['RollingUpdate', 'OnDelete']));
    return errs;
  },
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
