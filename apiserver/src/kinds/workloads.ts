// What the kinds with a pod template share (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
// ReplicationControllers): template and selector validation (ValidatePodTemplateSpec and the apps/v1
// selector rules), int-or-percent values, the immutable selector, table columns.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { labelSelectorFromObject, matchesLabels } from '@minik8s/shared';
import { fe, type Cause } from '../registry/fielderrors';
import { deepEqual } from '../registry/objects';
import { annotations } from '../registry/meta';
import { labelSelector, labels, nonNegative, nonNegativeInt32, obj } from '../registry/validation';
import { AGE, NAME, ageOf, int, nameOf, num, wide } from '../tables/columns';
import { containerCells } from '../tables/format';
import type { TablePrinter } from '../tables/types';
import { isObj, type Obj } from './helpers';
import { validatePodSpec } from './core/podspec';

export const CONTAINERS = wide('Containers', 'Names of each container in the template.');
export const IMAGES = wide('Images', 'Images referenced by each container in the template.');
export const SELECTOR = wide('Selector', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.');

/** ValidatePodTemplateSpec: the template's labels and annotations, its pod spec, no ephemeral containers (`claimVolumes`: see validatePodSpec). */
export function validatePodTemplate(errs: Cause[], path: string, template: unknown, claimVolumes: readonly string[] = []): Obj | undefined {
  const t = obj(errs, path, template, true);
  if (!t) return undefined;
  const meta = obj(errs, `${path}.metadata`, t.metadata) ?? {};
  labels(errs, `${path}.metadata.labels`, meta.labels);
  annotations(errs, `${path}.metadata.annotations`, meta.annotations);
  validatePodSpec(`${path}.spec`, t.spec, errs, claimVolumes);
  if (isObj(t.spec) && Array.isArray(t.spec.ephemeralContainers) && t.spec.ephemeralContainers.length)
    errs.push(fe.forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  return t;
}

/** A metav1.LabelSelector as a matcher; undefined (and a cause) when it does not compile. */
function compileSelector(errs: Cause[], path: string, sel: Obj): ((labels: Record<string, string>) => boolean) | undefined {
  try {
    const s = labelSelectorFromObject(sel as any);
    return (l) => matchesLabels(s, l);
  } catch {
    errs.push(fe.invalid(path, sel, 'invalid label selector'));
    return undefined;
  }
}

const isEmptySelector = (sel: Obj) => Object.keys(isObj(sel.matchLabels) ? sel.matchLabels : {}).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0;

/** A required, non-empty label selector that matches the template's labels (apps/v1 workloads, manual Job selectors). */
export function selectorAndTemplate(errs: Cause[], spec: Obj, kind: string, required = true, claimVolumes: readonly string[] = []): void {
  const before = errs.length;
  const sel = obj(errs, 'spec.selector', spec.selector, required);
  if (sel) {
    labelSelector(errs, 'spec.selector', sel);
    if (isEmptySelector(sel)) errs.push(fe.invalid('spec.selector', sel, `empty selector is invalid for ${kind}`));
  }
  const selectorOk = errs.length === before;
  const template = validatePodTemplate(errs, 'spec.template', spec.template, claimVolumes);
  if (!sel || !template || !selectorOk) return;
  const matches = compileSelector(errs, 'spec.selector', sel);
  const tl = isObj(template.metadata?.labels) ? template.metadata.labels : {};
  if (matches && !matches(tl)) errs.push(fe.invalid('spec.template.metadata.labels', tl, '`selector` does not match template `labels`'));
}

/** ValidatePositiveIntOrPercent + IsNotMoreThan100Percent (`cap`): an int ≥ 0 or "N%". Returns its value. */
export function intOrPercent(errs: Cause[], path: string, v: unknown, cap = true): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) return void errs.push(fe.type(path, v, 'int32'));
    nonNegative(errs, path, v);
    return v;
  }
  if (typeof v !== 'string') return void errs.push(fe.type(path, v, 'integer or string'));
  if (!/^[0-9]+%$/.test(v)) return void errs.push(fe.invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
  const n = Number(v.slice(0, -1));
  if (cap && n > 100) errs.push(fe.invalid(path, v, 'must not be greater than 100%'));
  return n;
}

/** The restart policy and activeDeadlineSeconds rules of long-running workloads' templates. */
export function alwaysRestarting(errs: Cause[], spec: Obj, kind: string, deadline: 'Forbidden' | 'Invalid' = 'Forbidden'): void {
  const ps = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec : undefined;
  if (!ps) return;
  if (ps.restartPolicy !== 'Always') errs.push(fe.notSupported('spec.template.spec.restartPolicy', ps.restartPolicy ?? '', ['Always']));
  if (ps.activeDeadlineSeconds !== undefined && ps.activeDeadlineSeconds !== null) {
    const msg = `activeDeadlineSeconds in ${kind} is not Supported`;
    errs.push(deadline === 'Forbidden' ? fe.forbidden('spec.template.spec.activeDeadlineSeconds', msg) : fe.invalid('spec.template.spec.activeDeadlineSeconds', ps.activeDeadlineSeconds, msg));
  }
}

/** spec.replicas, spec.minReadySeconds and spec.revisionHistoryLimit: non-negative int32s. */
export function counts(errs: Cause[], spec: Obj, fields: readonly string[]): void {
  for (const f of fields) nonNegativeInt32(errs, `spec.${f}`, spec[f]);
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
