// ValidateHorizontalPodAutoscaler (autoscaling/v2): replica bounds, the scale target, metrics with their
// targets (quantities parsed before the controller does arithmetic on them) and scaling behavior.
import { fe, type Cause } from '../../registry/fielderrors';
import { int32, labelSelector, obj, objects, oneOf, quantity, str, type Errs } from '../../registry/validation';
import { isObj, type Obj } from '../helpers';

const METRIC_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] as const;
const SOURCE_FIELD: Record<string, string> = { Object: 'object', Pods: 'pods', Resource: 'resource', ContainerResource: 'containerResource', External: 'external' };
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_SECONDS = 3600;

/** IsValidPathSegmentName: a name that can be one segment of a URL path. */
function pathSegment(errs: Errs, path: string, v: string): void {
  if (v === '.' || v === '..') errs.push(fe.invalid(path, v, `may not be '${v}'`));
  for (const c of ['/', '%']) if (v.includes(c)) errs.push(fe.invalid(path, v, `may not contain '${c}'`));
}

/** ValidateCrossVersionObjectReference. */
function objectReference(errs: Errs, path: string, v: unknown): void {
  const ref = obj(errs, path, v, true);
  if (!ref) return;
  for (const f of ['kind', 'name']) {
    const s = str(errs, `${path}.${f}`, ref[f], true);
    if (s) pathSegment(errs, `${path}.${f}`, s);
  }
  str(errs, `${path}.apiVersion`, ref.apiVersion);
}

/** validateMetricTarget; returns the target for the per-source checks. */
function target(errs: Errs, path: string, v: unknown): Obj {
  const t = obj(errs, path, v) ?? {};
  const type = str(errs, `${path}.type`, t.type);
  if (!type) errs.push(fe.required(`${path}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') errs.push(fe.invalid(`${path}.type`, type ?? '', 'must be either Utilization, Value, or AverageValue'));
  for (const f of ['value', 'averageValue']) {
    if (t[f] === undefined || t[f] === null) continue;
    const q = quantity(errs, `${path}.${f}`, t[f]);
    if (q && q.nano <= 0n) errs.push(fe.invalid(`${path}.${f}`, t[f], 'must be positive'));
  }
  const u = int32(errs, `${path}.averageUtilization`, t.averageUtilization);
  if (u !== undefined && u < 1) errs.push(fe.invalid(`${path}.averageUtilization`, u, 'must be greater than 0'));
  return t;
}

function metricIdentifier(errs: Errs, path: string, v: unknown): void {
  const m = obj(errs, path, v) ?? {};
  if (!str(errs, `${path}.name`, m.name)) errs.push(fe.required(`${path}.name`, 'must specify a metric name'));
  labelSelector(errs, `${path}.selector`, m.selector);
}

const has = (t: Obj, f: string) => t[f] !== undefined && t[f] !== null;

function source(errs: Errs, path: string, type: string, src: Obj): void {
  if (type === 'Resource' || type === 'ContainerResource') {
    if (!str(errs, `${path}.name`, src.name)) errs.push(fe.required(`${path}.name`, 'must specify a resource name'));
    if (type === 'ContainerResource' && !str(errs, `${path}.container`, src.container)) errs.push(fe.required(`${path}.container`, 'must specify a container'));
    const t = target(errs, `${path}.target`, src.target);
    if (!has(t, 'averageUtilization') && !has(t, 'averageValue')) errs.push(fe.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
    if (has(t, 'averageUtilization') && has(t, 'averageValue')) errs.push(fe.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
    return;
  }
  metricIdentifier(errs, `${path}.metric`, src.metric);
  if (type === 'Object') objectReference(errs, `${path}.describedObject`, src.describedObject);
  const t = target(errs, `${path}.target`, src.target);
  if (type === 'Pods') {
    if (!has(t, 'averageValue')) errs.push(fe.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
  } else if (!has(t, 'value') && !has(t, 'averageValue')) errs.push(fe.required(`${path}.target.value`, 'must set either a target value or averageValue'));
}

function metrics(errs: Errs, path: string, list: unknown): void {
  for (const [m, p] of objects(errs, path, list)) {
    const type = str(errs, `${p}.type`, m.type);
    if (!type) errs.push(fe.required(`${p}.type`, 'must specify a metric source type'));
    if (!(METRIC_TYPES as readonly string[]).includes(type ?? '')) {
      errs.push(fe.notSupported(`${p}.type`, type ?? '', [...METRIC_TYPES]));
      continue;
    }
    const field = SOURCE_FIELD[type!];
    for (const other of Object.values(SOURCE_FIELD)) if (other !== field && has(m, other)) errs.push(fe.forbidden(`${p}.${other}`, 'must populate the given metric source only'));
    const src = obj(errs, `${p}.${field}`, m[field]);
    if (!src) errs.push(fe.required(`${p}.${field}`, 'must populate information for the given metric source'));
    else source(errs, `${p}.${field}`, type!, src);
  }
}

function scalingRules(errs: Errs, path: string, v: unknown): void {
  const r = obj(errs, path, v);
  if (!r) return;
  const w = int32(errs, `${path}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds);
  if (w !== undefined && w < 0) errs.push(fe.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > MAX_STABILIZATION_SECONDS) errs.push(fe.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_SECONDS}`));
  oneOf(errs, `${path}.selectPolicy`, r.selectPolicy, ['Disabled', 'Max', 'Min'] as const);
  const policies = objects(errs, `${path}.policies`, r.policies);
  if (!policies.length) errs.push(fe.required(`${path}.policies`, 'must specify at least one Policy'));
  for (const [pol, p] of policies) {
    const type = str(errs, `${p}.type`, pol.type) ?? '';
    if (type !== 'Pods' && type !== 'Percent') errs.push(fe.notSupported(`${p}.type`, type, ['Percent', 'Pods']));
    const value = int32(errs, `${p}.value`, pol.value) ?? 0;
    if (value <= 0) errs.push(fe.invalid(`${p}.value`, value, 'must be greater than zero'));
    const period = int32(errs, `${p}.periodSeconds`, pol.periodSeconds) ?? 0;
    if (period <= 0) errs.push(fe.invalid(`${p}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(fe.invalid(`${p}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  }
}

export function validateHPA(o: Obj): Cause[] {
  const spec = o.spec;
  if (!isObj(spec)) return [fe.required('spec')];
  const errs: Cause[] = [];
  const min = int32(errs, 'spec.minReplicas', spec.minReplicas);
  const max = int32(errs, 'spec.maxReplicas', spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(fe.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(fe.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(fe.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  objectReference(errs, 'spec.scaleTargetRef', spec.scaleTargetRef);
  metrics(errs, 'spec.metrics', spec.metrics);
  const behavior = obj(errs, 'spec.behavior', spec.behavior);
  scalingRules(errs, 'spec.behavior.scaleUp', behavior?.scaleUp);
  scalingRules(errs, 'spec.behavior.scaleDown', behavior?.scaleDown);
  return errs;
}

/** SetDefaults_HorizontalPodAutoscalerBehavior: the rules a given behavior leaves out. */
export function defaultBehavior(spec: Obj): void {
  const b = spec.behavior;
  if (!isObj(b)) return;
  const fill = (rules: unknown, policies: Obj[], window: number | undefined): Obj => {
    const r: Obj = isObj(rules) ? rules : {};
    if (r.stabilizationWindowSeconds === undefined && window !== undefined) r.stabilizationWindowSeconds = window;
    r.selectPolicy ??= 'Max';
    if (r.policies === undefined || r.policies === null) r.policies = policies;
    return r;
  };
  b.scaleUp = fill(b.scaleUp, [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }], 0);
  b.scaleDown = fill(b.scaleDown, [{ type: 'Percent', value: 100, periodSeconds: 15 }], undefined);
}
