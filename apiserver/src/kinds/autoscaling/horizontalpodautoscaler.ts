// HorizontalPodAutoscalers (upstream pkg/registry/autoscaling/horizontalpodautoscaler): stored as
// autoscaling/v2 (the preferred version), served at autoscaling/v1 too (see v1.ts).
import { fe, type Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { isObj, setIfAbsent, type Obj } from '../helpers';
import { hpaPrinter } from './table';
import { V1 } from './v1';

function validate(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  if (!isObj(spec.scaleTargetRef) || !spec.scaleTargetRef.kind || !spec.scaleTargetRef.name) errs.push(fe.required('spec.scaleTargetRef'));
  if (typeof spec.maxReplicas !== 'number' || spec.maxReplicas < 1) errs.push(fe.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to 1'));
  if (typeof spec.minReplicas === 'number' && typeof spec.maxReplicas === 'number' && spec.minReplicas > spec.maxReplicas)
    errs.push(fe.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  return errs;
}

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
    if (isObj(o.spec)) setIfAbsent(o.spec, 'minReplicas', 1);
  },
  validate,
  table: hpaPrinter,
};
