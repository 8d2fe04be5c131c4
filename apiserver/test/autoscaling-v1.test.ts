// autoscaling/v1 <-> autoscaling/v2 HorizontalPodAutoscalers, as upstream's conversion.go: what v1 can
// say maps onto v2 fields, the rest survives a v1 round trip in the autoscaling.alpha annotations.
import { describe, expect, it } from 'vitest';
import { toV1, toV2, METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION } from '../src/kinds/autoscaling/v1';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const meta = { name: 'h', namespace: 'default' };
const cpu = (u: number) => ({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: u } } });

const V2_ONLY = [
  { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
  { type: 'ContainerResource', containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization', averageUtilization: 70 } } },
  { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
  { type: 'Object', object: { describedObject: { apiVersion: 'v1', kind: 'Service', name: 's' }, metric: { name: 'hits' }, target: { type: 'Value', value: '100' } } },
  { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'a' } } }, target: { type: 'AverageValue', averageValue: '5' } } },
];
const V1_SHAPES = [
  { type: 'Resource', resource: { name: 'memory', targetAverageValue: '100Mi' } },
  { type: 'ContainerResource', containerResource: { name: 'cpu', targetAverageUtilization: 70, container: 'app' } },
  { type: 'Pods', pods: { metricName: 'qps', targetAverageValue: '10' } },
  { type: 'Object', object: { target: { apiVersion: 'v1', kind: 'Service', name: 's' }, metricName: 'hits', targetValue: '100' } },
  { type: 'External', external: { metricName: 'queue', metricSelector: { matchLabels: { q: 'a' } }, targetAverageValue: '5' } },
];

describe('autoscaling/v1 → v2', () => {
  it.each([
    ['a CPU target', { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 50 }, { scaleTargetRef: ref, minReplicas: 2, maxReplicas: 5, metrics: [cpu(50)] }],
    ['no target: the 80% CPU default', { scaleTargetRef: ref, maxReplicas: 3 }, { scaleTargetRef: ref, maxReplicas: 3, metrics: [cpu(80)] }],
  ])('%s', (_what, spec, want) => {
    const v2 = toV2({ apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta, spec });
    expect(v2.spec).toEqual(want);
    expect(v2.metadata).toEqual(meta);
    expect(v2.status).toBeUndefined();
  });

  it('takes the other metrics, behavior and status from the annotations, the CPU metric last', () => {
    const annotations = {
      keep: 'me',
      [METRICS_ANNOTATION]: JSON.stringify(V1_SHAPES),
      [BEHAVIOR_ANNOTATION]: JSON.stringify({ ScaleDown: { StabilizationWindowSeconds: 60, Policies: [{ Type: 'Pods', Value: 1, PeriodSeconds: 15 }] } }),
      [CURRENT_METRICS_ANNOTATION]: JSON.stringify([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 33, currentAverageValue: '50m' } }]),
      [CONDITIONS_ANNOTATION]: JSON.stringify([{ type: 'AbleToScale', status: 'True' }]),
    };
    const v2 = toV2({ metadata: { ...meta, annotations }, spec: { scaleTargetRef: ref, maxReplicas: 4, targetCPUUtilizationPercentage: 60 }, status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 99 } });
    expect(v2.metadata.annotations).toEqual({ keep: 'me' });
    expect(v2.spec.metrics).toEqual([...V2_ONLY, cpu(60)]);
    expect(v2.spec.behavior).toEqual({ scaleDown: { stabilizationWindowSeconds: 60, policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] } });
    expect(v2.status).toEqual({
      currentReplicas: 2,
      desiredReplicas: 3,
      currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '50m', averageUtilization: 33 } } }],
      conditions: [{ type: 'AbleToScale', status: 'True' }],
    });
  });

  it('refuses an annotation that is not JSON (400)', () => {
    expect(() => toV2({ metadata: { ...meta, annotations: { [METRICS_ANNOTATION]: '[{' } }, spec: { maxReplicas: 1 } })).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400 }) }));
  });
});

describe('autoscaling/v2 → v1', () => {
  it('keeps what v1 cannot say in annotations, and a v1 round trip gives it back', () => {
    const stored = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { ...meta, annotations: { [METRICS_ANNOTATION]: 'stale', keep: 'me' } },
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, metrics: [...V2_ONLY, cpu(60)], behavior: { scaleUp: { selectPolicy: 'Max' } } },
      status: {
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 41, averageValue: '41m' } } }],
        conditions: [{ type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' }],
      },
    };
    const v1 = toV1(structuredClone(stored));
    expect(v1.spec).toEqual({ scaleTargetRef: ref, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 60 });
    expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 41 });
    const a = v1.metadata.annotations;
    expect(a.keep).toBe('me');
    expect(JSON.parse(a[METRICS_ANNOTATION])).toEqual(V1_SHAPES);
    expect(JSON.parse(a[BEHAVIOR_ANNOTATION])).toEqual({ ScaleUp: { SelectPolicy: 'Max' } });
    expect(JSON.parse(a[CURRENT_METRICS_ANNOTATION])).toEqual([{ type: 'Resource', resource: { name: 'cpu', currentAverageUtilization: 41, currentAverageValue: '41m' } }]);
    expect(JSON.parse(a[CONDITIONS_ANNOTATION])).toEqual(stored.status.conditions);
    const back = toV2(structuredClone(v1));
    expect(back.spec).toEqual({ ...stored.spec });
    expect(back.status).toEqual(stored.status);
    expect(back.metadata.annotations).toEqual({ keep: 'me' });
  });

  it('a v2 object without status still has v1 status counts, and no annotations when v1 says it all', () => {
    const v1 = toV1({ metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 2, metrics: [cpu(50)] } });
    expect(v1).toEqual({ metadata: meta, spec: { scaleTargetRef: ref, maxReplicas: 2, targetCPUUtilizationPercentage: 50 }, status: { currentReplicas: 0, desiredReplicas: 0 } });
  });
});
