// autoscaling/v1 HorizontalPodAutoscalers, served beside the stored autoscaling/v2 ones (what
// `kubectl autoscale` posts), converted as upstream's pkg/apis/autoscaling/v1/conversion.go does: v1's
// targetCPUUtilizationPercentage is v2's CPU Resource metric with an Utilization target (80% when a v1
// object names no metric, the default the controller applied in v1 days); what v1 cannot express (the
// other metrics, the current metrics, the conditions, the behavior) travels in the
// autoscaling.alpha.kubernetes.io/* annotations of the v1 object, in v1's shapes, and comes back from them.
import { ApiError, statusFor } from '@minik8s/shared';
import type { Conversion, VersionDef } from '../../registry/strategy';
import { defineMessages } from '../../protobuf/messages';
import { isObj, type Obj } from '../helpers';

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
const ROUND_TRIP = [METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION];

/** Upstream's autoscaling.DefaultCPUUtilization. */
const DEFAULT_CPU_UTILIZATION = 80;

/** The object without its undefined fields (what Go's omitempty leaves out). */
function compact<T extends Obj>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

const isCpuResource = (m: Obj) => m?.type === 'Resource' && m.resource?.name === 'cpu';

// --- metric specs and statuses, one source type at a time ---

function specToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.resource) out.resource = compact({ name: m.resource.name, targetAverageUtilization: m.resource.target?.averageUtilization, targetAverageValue: m.resource.target?.averageValue });
  if (m.containerResource)
    out.containerResource = compact({ name: m.containerResource.name, targetAverageUtilization: m.containerResource.target?.averageUtilization, targetAverageValue: m.containerResource.target?.averageValue, container: m.containerResource.container });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name, targetAverageValue: m.pods.target?.averageValue, selector: m.pods.metric?.selector });
  if (m.object)
    out.object = compact({ target: m.object.describedObject, metricName: m.object.metric?.name, targetValue: m.object.target?.value, selector: m.object.metric?.selector, averageValue: m.object.target?.averageValue });
  if (m.external)
    out.external = compact({ metricName: m.external.metric?.name, metricSelector: m.external.metric?.selector, targetValue: m.external.target?.value, targetAverageValue: m.external.target?.averageValue });
  return out;
}

const resourceTarget = (utilization: unknown, averageValue: unknown) =>
  compact({ type: utilization != null ? 'Utilization' : 'AverageValue', averageUtilization: utilization ?? undefined, averageValue: averageValue ?? undefined });
const metricId = (name: unknown, selector: unknown) => compact({ name, selector: selector ?? undefined });

function specToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const r = m.resource;
  if (r) out.resource = { name: r.name, target: resourceTarget(r.targetAverageUtilization, r.targetAverageValue) };
  const c = m.containerResource;
  if (c) out.containerResource = { name: c.name, target: resourceTarget(c.targetAverageUtilization, c.targetAverageValue), container: c.container };
  if (m.pods) out.pods = { metric: metricId(m.pods.metricName, m.pods.selector), target: { type: 'AverageValue', averageValue: m.pods.targetAverageValue } };
  const o = m.object;
  if (o)
    out.object = {
      describedObject: o.target,
      metric: metricId(o.metricName, o.selector),
      target: compact({ type: o.averageValue == null ? 'Value' : 'AverageValue', value: o.targetValue, averageValue: o.averageValue ?? undefined }),
    };
  const e = m.external;
  if (e)
    out.external = {
      metric: metricId(e.metricName, e.metricSelector),
      target: compact({ type: e.targetValue == null ? 'AverageValue' : 'Value', value: e.targetValue ?? undefined, averageValue: e.targetAverageValue ?? undefined }),
    };
  return out;
}

function statusToV1(m: Obj): Obj {
  const out: Obj = { type: m.type };
  if (m.resource) out.resource = compact({ name: m.resource.name, currentAverageUtilization: m.resource.current?.averageUtilization, currentAverageValue: m.resource.current?.averageValue });
  if (m.containerResource)
    out.containerResource = compact({ name: m.containerResource.name, currentAverageUtilization: m.containerResource.current?.averageUtilization, currentAverageValue: m.containerResource.current?.averageValue, container: m.containerResource.container });
  if (m.pods) out.pods = compact({ metricName: m.pods.metric?.name, currentAverageValue: m.pods.current?.averageValue, selector: m.pods.metric?.selector });
  if (m.object)
    out.object = compact({ target: m.object.describedObject, metricName: m.object.metric?.name, currentValue: m.object.current?.value, selector: m.object.metric?.selector, averageValue: m.object.current?.averageValue });
  if (m.external)
    out.external = compact({ metricName: m.external.metric?.name, metricSelector: m.external.metric?.selector, currentValue: m.external.current?.value, currentAverageValue: m.external.current?.averageValue });
  return out;
}

function statusToV2(m: Obj): Obj {
  const out: Obj = { type: m.type };
  const current = (value: unknown, averageValue: unknown, averageUtilization?: unknown) => compact({ value: value ?? undefined, averageValue: averageValue ?? undefined, averageUtilization: averageUtilization ?? undefined });
  if (m.resource) out.resource = { name: m.resource.name, current: current(undefined, m.resource.currentAverageValue, m.resource.currentAverageUtilization) };
  const c = m.containerResource;
  if (c) out.containerResource = { name: c.name, current: current(undefined, c.currentAverageValue, c.currentAverageUtilization), container: c.container };
  if (m.pods) out.pods = { metric: metricId(m.pods.metricName, m.pods.selector), current: current(undefined, m.pods.currentAverageValue) };
  if (m.object) out.object = { metric: metricId(m.object.metricName, m.object.selector), current: current(m.object.currentValue, m.object.averageValue), describedObject: m.object.target };
  if (m.external) out.external = { metric: metricId(m.external.metricName, m.external.metricSelector), current: current(m.external.currentValue, m.external.currentAverageValue) };
  return out;
}

/** Upstream marshals the internal behavior type, which has no JSON tags: Go field names, capitalized. */
function recase(v: unknown, f: (k: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => recase(x, f));
  if (!isObj(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), recase(x, f)]));
}
const capitalize = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
const uncapitalize = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);

function parseAnnotation(annotations: Obj, key: string): unknown {
  const raw = annotations[key];
  delete annotations[key];
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(String(raw));
  } catch (e) {
    throw new ApiError(statusFor.badRequest(`HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: annotation ${key}: ${(e as Error).message}`));
  }
}

const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** A stored autoscaling/v2 object as autoscaling/v1 shows it. */
export function toV1(hpa: Obj): Obj {
  const { spec = {}, status, ...rest } = hpa;
  const meta: Obj = { ...(rest.metadata ?? {}) };
  const annotations: Obj = { ...(meta.annotations ?? {}) };
  for (const k of ROUND_TRIP) delete annotations[k];
  const metrics = list(spec.metrics);
  const cpu = metrics.find(isCpuResource);
  const others = metrics.filter((m) => !(isCpuResource(m) && m.resource.target?.averageUtilization != null));
  if (others.length) annotations[METRICS_ANNOTATION] = JSON.stringify(others.map(specToV1));
  if (spec.behavior) annotations[BEHAVIOR_ANNOTATION] = JSON.stringify(recase(spec.behavior, capitalize));
  const st: Obj = status ?? {};
  const currentMetrics = list(st.currentMetrics);
  if (currentMetrics.length) annotations[CURRENT_METRICS_ANNOTATION] = JSON.stringify(currentMetrics.map(statusToV1));
  if (list(st.conditions).length) annotations[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  const currentCpu = currentMetrics.find(isCpuResource)?.resource?.current?.averageUtilization;
  return {
    ...rest,
    metadata: meta,
    spec: compact({ scaleTargetRef: spec.scaleTargetRef, minReplicas: spec.minReplicas, maxReplicas: spec.maxReplicas, targetCPUUtilizationPercentage: cpu?.resource.target?.averageUtilization }),
    status: compact({
      observedGeneration: st.observedGeneration,
      lastScaleTime: st.lastScaleTime,
      currentReplicas: st.currentReplicas ?? 0,
      desiredReplicas: st.desiredReplicas ?? 0,
      currentCPUUtilizationPercentage: currentCpu ?? undefined,
    }),
  };
}

/** An autoscaling/v1 object as autoscaling/v2 stores it. */
export function toV2(hpa: Obj): Obj {
  const { spec: rawSpec, status: rawStatus, ...rest } = hpa;
  const spec: Obj = isObj(rawSpec) ? rawSpec : {};
  const st: Obj = isObj(rawStatus) ? rawStatus : {};
  const meta: Obj = isObj(rest.metadata) ? { ...rest.metadata } : {};
  const annotations: Obj = isObj(meta.annotations) ? { ...meta.annotations } : {};
  const metrics = list(parseAnnotation(annotations, METRICS_ANNOTATION)).map(specToV2);
  // the CPU metric goes after the annotation's, as upstream orders them
  if (spec.targetCPUUtilizationPercentage != null) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  if (!metrics.length) metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } });
  const behavior = parseAnnotation(annotations, BEHAVIOR_ANNOTATION);
  const currentMetrics = parseAnnotation(annotations, CURRENT_METRICS_ANNOTATION);
  const conditions = parseAnnotation(annotations, CONDITIONS_ANNOTATION);
  if (Object.keys(annotations).length) meta.annotations = annotations;
  else delete meta.annotations;
  const status = compact({
    observedGeneration: st.observedGeneration,
    lastScaleTime: st.lastScaleTime,
    currentReplicas: st.currentReplicas,
    desiredReplicas: st.desiredReplicas,
    currentMetrics:
      currentMetrics !== undefined
        ? list(currentMetrics).map(statusToV2)
        : st.currentCPUUtilizationPercentage != null
          ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } }]
          : undefined,
    conditions: conditions !== undefined ? list(conditions) : undefined,
  });
  const out: Obj = {
    ...rest,
    metadata: meta,
    spec: compact({
      scaleTargetRef: spec.scaleTargetRef,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      metrics,
      behavior: isObj(behavior) && Object.keys(behavior).length ? recase(behavior, uncapitalize) : undefined,
    }),
  };
  if (Object.keys(status).length) out.status = status;
  return out;
}

const conversion: Conversion = { toStorage: toV2, fromStorage: toV1 };

const message = defineMessages(
  `
message AutoscalingV1CrossVersionObjectReference { optional string kind = 1; optional string name = 2; optional string apiVersion = 3; }
message AutoscalingV1HorizontalPodAutoscalerSpec {
  optional AutoscalingV1CrossVersionObjectReference scaleTargetRef = 1; optional int32 minReplicas = 2; optional int32 maxReplicas = 3;
  optional int32 targetCPUUtilizationPercentage = 4;
}
message AutoscalingV1HorizontalPodAutoscaler { optional ObjectMeta metadata = 1; optional AutoscalingV1HorizontalPodAutoscalerSpec spec = 2; }
`,
  ['minReplicas', 'targetCPUUtilizationPercentage'],
);

export const V1: VersionDef = {
  name: 'v1',
  conversion,
  protobuf: message('AutoscalingV1HorizontalPodAutoscaler'),
};
