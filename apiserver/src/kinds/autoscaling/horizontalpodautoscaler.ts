// HorizontalPodAutoscalers (upstream pkg/registry/autoscaling/horizontalpodautoscaler): stored as
// autoscaling/v2 (the preferred version), served at autoscaling/v1 too (see v1.ts).
import type { ResourceStrategy } from '../../registry/strategy';
import { isObj, setIfAbsent } from '../helpers';
import { defaultBehavior, validateHPA } from './validate';
import { hpaPrinter } from './table';
import { V1 } from './v1';

export const horizontalPodAutoscalers: ResourceStrategy = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  versions: [{ name: 'v2' }, V1],
  status: {},
  defaults(o) {
    if (!isObj(o.spec)) return;
    setIfAbsent(o.spec, 'minReplicas', 1);
    defaultBehavior(o.spec);
  },
  validate: validateHPA,
  table: hpaPrinter,
};
