// HPA arithmetic (upstream podautoscaler replica_calculator.go and horizontal.go), pure.

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
