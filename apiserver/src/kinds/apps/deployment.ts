// Deployments (upstream pkg/registry/apps/deployment).
import { labelSelectorFromObject, labelSelectorToString } from '@minik8s/shared';
import { fe } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import { containerCells, formatSelector } from '../../tables/format';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent } from '../helpers';
import { defaultTemplate } from '../core/podspec';
import { CONTAINERS, IMAGES, SELECTOR, immutableSelector, validateAppsWorkload } from '../workloads';
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
    setIfAbsent(spec, 'strategy', { type: 'RollingUpdate' });
    if (spec.strategy.type === undefined) spec.strategy.type = 'RollingUpdate';
    if (spec.strategy.type === 'RollingUpdate') {
      setIfAbsent(spec.strategy, 'rollingUpdate', {});
      setIfAbsent(spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
      setIfAbsent(spec.strategy.rollingUpdate, 'maxSurge', '25%');
    }
    setIfAbsent(spec, 'revisionHistoryLimit', 10);
    setIfAbsent(spec, 'progressDeadlineSeconds', 600);
    defaultTemplate(spec);
  },
  validate(o) {
    const errs = validateAppsWorkload(o, true);
    const spec = o.spec;
    if (!isObj(spec)) return errs;
    if (spec.strategy?.type !== undefined && !['RollingUpdate', 'Recreate'].includes(spec.strategy.type))
      errs.push(fe.notSupported('spec.strategy.type', spec.strategy.type, ['Recreate', 'RollingUpdate']));
    if (spec.strategy?.type === 'Recreate' && spec.strategy.rollingUpdate)
      errs.push(fe.forbidden('spec.strategy.rollingUpdate', 'may not be specified when strategy `type` is \'Recreate\''));
    return errs;
  },
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
