// HPA arithmetic (upstream podautoscaler replica_calculator.go and horizontal.go), pure.
import { milliValue, parseQuantity, QuantityError, type autoscaling, type core } from '@minik8s/shared';

export const TOLERANCE = 0.1;

export interface PodSample {
  /** Usage in base units (cores for cpu, bytes for memory). */
  usage: number;
  /** Request in the same units; undefined when the pod has none for this resource. */
  request?: number;
}

export type Target = { type: 'Utilization'; averageUtilization: number } | { type: 'AverageValue'; averageValue: number };

export interface Recommendation {
  replicas: number;
  /** Current average utilization (percent) or average value, for status.currentMetrics. */
  utilization?: number;
  average: number;
}

/**
 * GetResourceReplicas, simplified: ratio of the current average to the target over pods with
 * samples; within the 10 % tolerance nothing changes, else ceil(ratio × pods).
 */
export function resourceReplicas(current: number, samples: PodSample[], target: Target): Recommendation {
  if (samples.length === 0) throw new Error('no metrics returned for any pod of the scale target');
  const usage = samples.reduce((a, s) => a + s.usage, 0);
  const average = usage / samples.length;
  let ratio: number;
  let utilization: number | undefined;
  if (target.type === 'Utilization') {
    if (samples.some((s) => !s.request)) throw new Error('missing request for the resource on some pods');
    const requests = samples.reduce((a, s) => a + s.request!, 0);
    utilization = Math.round((usage * 100) / requests);
    ratio = usage / requests / (target.averageUtilization / 100);
  } else {
    ratio = average / target.averageValue;
  }
  if (Math.abs(1 - ratio) <= TOLERANCE) return { replicas: current, utilization, average };
  return { replicas: Math.ceil(ratio * samples.length), utilization, average };
}

export interface Limits {
  min: number;
  max: number;
}

/** Clamp to the default scale-up rate (the larger of doubling or +4 per period), then to [min, max]. */
export function limitReplicas(current: number, desired: number, l: Limits): { replicas: number; reason?: 'TooManyReplicas' | 'TooFewReplicas' | 'ScaleUpLimit' } {
  let replicas = desired;
  let reason: 'TooManyReplicas' | 'TooFewReplicas' | 'ScaleUpLimit' | undefined;
  const upLimit = Math.max(current * 2, current + 4);
  if (replicas > upLimit) [replicas, reason] = [upLimit, 'ScaleUpLimit'];
  if (replicas > l.max) [replicas, reason] = [l.max, 'TooManyReplicas'];
  if (replicas < l.min) [replicas, reason] = [l.min, 'TooFewReplicas'];
  return reason ? { replicas, reason } : { replicas };
}

/**
 * Stabilization windows: a scale-down follows the highest recommendation of the last
 * `downWindowMs`, a scale-up the lowest of the last `upWindowMs`.
 */
export function stabilize(history: { at: number; replicas: number }[], now: number, current: number, desired: number, downWindowMs: number, upWindowMs: number): number {
  let up = desired, down = desired;
  for (const h of history) {
    if (h.at >= now - upWindowMs) up = Math.min(up, h.replicas);
    if (h.at >= now - downWindowMs) down = Math.max(down, h.replicas);
  }
  if (desired > current) return Math.max(current, up);
  if (desired < current) return Math.min(current, down);
  return current;
}

/** Usage in base units of one resource: cores for cpu, bytes for memory (and any other). */
export function baseUnits(resource: string, q: string | number): number {
  return resource === 'cpu' ? milliValue(q) / 1000 : parseQuantity(q);
}

/** The sum of quantities in base units; undefined when one does not parse (a value stored before validation). */
export function sumUnits(resource: string, qs: (string | number)[]): number | undefined {
  let total = 0;
  for (const q of qs) {
    try {
      total += baseUnits(resource, q);
    } catch (e) {
      if (e instanceof QuantityError) return undefined;
      throw e;
    }
  }
  return total;
}

/** A Resource metric's target in base units (undefined when it does not parse); no target type defaults to 80 % utilization. */
export function resourceTarget(resource: string, t: autoscaling.MetricTarget): Target | undefined {
  if (t.type === 'AverageValue' && t.averageValue !== undefined) {
    const averageValue = sumUnits(resource, [t.averageValue]);
    return averageValue === undefined ? undefined : { type: 'AverageValue', averageValue };
  }
  return { type: 'Utilization', averageUtilization: t.averageUtilization ?? 80 };
}

/**
 * One sample per pod with a usage reading: its usage of the resource and its request (the sum over
 * its containers; undefined when a container has none).
 */
export function podSamples(resource: 'cpu' | 'memory', pods: core.Pod[], usage: Map<string, { cpu: number; memory: number }>): PodSample[] {
  const out: PodSample[] = [];
  for (const p of pods) {
    const u = usage.get(p.metadata?.name ?? '');
    if (!u) continue;
    const reqs = (p.spec?.containers ?? []).map((c) => c.resources?.requests?.[resource]);
    const request = reqs.every((r) => r !== undefined) ? sumUnits(resource, reqs as (string | number)[]) : undefined;
    out.push({ usage: u[resource], request });
  }
  return out;
}

/** status.currentMetrics' value for a recommendation: cpu in millicores, other resources in whole units. */
export function currentValue(resource: string, rec: Recommendation): autoscaling.MetricValueStatus {
  const averageValue = resource === 'cpu' ? `${Math.round(rec.average * 1000)}m` : `${Math.round(rec.average)}`;
  return rec.utilization !== undefined ? { averageUtilization: rec.utilization, averageValue } : { averageValue };
}
