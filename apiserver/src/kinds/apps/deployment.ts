// Deployments (upstream pkg/registry/apps/deployment).
import { labelSelectorFromObject, labelSelectorToString } from '@minik8s/shared';
import { fe, type Cause } from '../../registry/fielderrors';
import { nonNegativeInt32, obj, str } from '../../registry/validation';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells, formatSelector } from '../../tables/format';
import { defineMessages } from '../../protobuf/messages';
import { isObj, objAt, setIfAbsent, type Obj } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR, alwaysRestarting, counts, immutableSelector, intOrPercent, selectorAndTemplate } from '../workloads';
import { scaleSubresource } from '../scale';

const message = defineMessages(
  `
message RollingUpdateDeployment { optional IntOrString maxUnavailable = 1; optional IntOrString maxSurge = 2; }
message DeploymentStrategy { optional string type = 1; optional RollingUpdateDeployment rollingUpdate = 2; }
message DeploymentSpec {
  optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3; optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5; optional int32 revisionHistoryLimit = 6; optional bool paused = 7; optional int32 progressDeadlineSeconds = 9;
}
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; }
`,
  ['replicas', 'revisionHistoryLimit', 'progressDeadlineSeconds'],
);

/** ValidateDeploymentSpec. */
function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  counts(errs, spec, ['replicas', 'minReadySeconds', 'revisionHistoryLimit']);
  selectorAndTemplate(errs, spec, 'deployment');
  alwaysRestarting(errs, spec, 'ReplicaSet');
  const strategy = obj(errs, 'spec.strategy', spec.strategy) ?? {};
  const type = str(errs, 'spec.strategy.type', strategy.type);
  if (type === 'Recreate') {
    if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) errs.push(fe.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  } else if (type === 'RollingUpdate') {
    const ru = obj(errs, 'spec.strategy.rollingUpdate', strategy.rollingUpdate);
    if (!ru) errs.push(fe.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
    else {
      const unavailable = intOrPercent(errs, 'spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable);
      const surge = intOrPercent(errs, 'spec.strategy.rollingUpdate.maxSurge', ru.maxSurge, false);
      if (!unavailable && !surge) errs.push(fe.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
  } else errs.push(fe.notSupported('spec.strategy', strategy, ['Recreate', 'RollingUpdate']));
  const deadline = nonNegativeInt32(errs, 'spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
  if (deadline !== undefined && deadline <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0))
    errs.push(fe.invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  return errs;
}

/** metav1.LabelSelector as the string a Scale carries. */
export const selectorString = (spec: { selector?: unknown }) => (spec.selector ? labelSelectorToString(labelSelectorFromObject(spec.selector as Parameters<typeof labelSelectorFromObject>[0])) : '');

export const deployments: ResourceStrategy = {
  group: 'apps',
  kind: 'Deployment',
  resource: 'deployments',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: {},
  subresources: { scale: scaleSubresource(selectorString) },
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    setIfAbsent(spec, 'replicas', 1);
    const strategy = objAt(spec, 'strategy', () => ({ type: 'RollingUpdate' }));
    if (strategy) {
      setIfAbsent(strategy, 'type', 'RollingUpdate');
      const ru = strategy.type === 'RollingUpdate' ? objAt(strategy, 'rollingUpdate') : undefined;
      if (ru) {
        setIfAbsent(ru, 'maxUnavailable', '25%');
        setIfAbsent(ru, 'maxSurge', '25%');
      }
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'progressDeadlineSeconds', 600);
    defaultTemplate(spec);
  },
  validate,
  validateUpdate: immutableSelector,
  table: {
    columns: [
      NAME,
      col('Ready', { description: 'Number of the pod with ready state' }),
      col('Up-to-date', { description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' }),
      col('Available', { description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' }),
      AGE,
      CONTAINERS,
      IMAGES,
      SELECTOR,
    ],
    cells(o, now) {
      const [names, images] = containerCells(o.spec?.template?.spec?.containers);
      const desired = o.spec?.replicas ?? 0;
      return [nameOf(o), `${num(o.status?.readyReplicas)}/${desired}`, num(o.status?.updatedReplicas), num(o.status?.availableReplicas), ageOf(o, now), names, images, formatSelector(o.spec?.selector)];
    },
  },
  protobuf: message('Deployment'),
};
