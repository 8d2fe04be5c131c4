// What the kinds with a pod template share (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
// ReplicationControllers): selector/template validation, the immutable selector, table columns.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { labelSelectorFromObject, matchesLabels } from '@minik8s/shared';
import { fe, type Cause } from '../registry/fielderrors';
import { deepEqual } from '../registry/objects';
import { AGE, NAME, ageOf, int, nameOf, num, wide } from '../tables/columns';
import { containerCells } from '../tables/format';
import type { TablePrinter } from '../tables/types';
import { isObj, nonNegative, type Obj } from './helpers';
import { validatePodSpec } from './core/podspec';

export const CONTAINERS = wide('Containers', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'Images referenced by each container in the template.');
export const SELECTOR = wide('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.');

/** selector required (unless `requireSelector` is false), non-empty, and matching the template's labels. */
export function validateSelectorAndTemplate(spec: Obj, errs: Cause[], requireSelector = true): void {
  const sel = spec.selector;
  if (!isObj(sel) || (!isObj(sel.matchLabels) && !Array.isArray(sel.matchExpressions)) || (Object.keys(sel.matchLabels ?? {}).length === 0 && !(sel.matchExpressions ?? []).length)) {
    if (requireSelector) errs.push(fe.required('spec.selector'));
  }
  if (!isObj(spec.template)) {
    errs.push(fe.required('spec.template'));
    return;
  }
  const labels = spec.template.metadata?.labels ?? {};
  if (isObj(sel) && (isObj(sel.matchLabels) || Array.isArray(sel.matchExpressions))) {
    try {
      if (!matchesLabels(labelSelectorFromObject(sel as any), labels))
        errs.push(fe.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
    } catch (e) {
      errs.push(fe.invalid('spec.selector', sel, (e as Error).message));
    }
  }
  validatePodSpec('spec.template.spec', spec.template.spec, errs);
}

/** The apps/v1 workload rules: a spec, replicas ≥ 0, selector and template (`restartAlways`: only Always pods). */
export function validateAppsWorkload(o: Obj, restartAlways: boolean): Cause[] {
  const errs: Cause[] = [];
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  nonNegative('spec.replicas', spec.replicas, errs);
  validateSelectorAndTemplate(spec, errs);
  if (restartAlways && spec.template?.spec?.restartPolicy !== undefined && spec.template.spec.restartPolicy !== 'Always')
    errs.push(fe.notSupported('spec.template.spec.restartPolicy', spec.template.spec.restartPolicy, ['Always']));
  return errs;
}

/** apps/v1: the selector of an existing object cannot change. */
export function immutableSelector(next: Obj, old: Obj): Cause[] {
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  return old.metadata?.uid && !deepEqual(ns.selector, os.selector) ? [fe.immutable('spec.selector', ns.selector)] : [];
}

/** The columns of ReplicaSets and ReplicationControllers. */
export const replicaSetLikePrinter = (selector: (o: any) => string): TablePrinter => ({
  columns: [
    NAME,
    int('Desired', 'Replicas is the number of desired replicas.'),
    int('Current', 'Replicas is the most recently observed number of replicas.'),
    int('Ready', 'The number of ready replicas for this replica set.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [nameOf(o), num(o.spec?.replicas), num(o.status?.replicas), num(o.status?.readyReplicas), ageOf(o, now), names, images, selector(o)];
  },
});
