// NodeResourcesFit (filter + LeastAllocated/MostAllocated score) and NodeResourcesBalancedAllocation.
import type { Plugin, Status } from '../framework';
import { MAX_NODE_SCORE, unschedulable } from '../framework';
import type { NodeInfo } from '../model';
import type { ResourceList } from '../resources';

export interface ResourceSpec {
  name: string;
  weight: number;
}

export interface FitArgs {
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated'; resources?: ResourceSpec[] };
}

const DEFAULT_RESOURCES: ResourceSpec[] = [
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
];

/** Upstream fitsRequest: pod count first, then cpu, memory, then every other requested resource. */
export function insufficientResources(requests: ResourceList, node: NodeInfo): string[] {
  const reasons: string[] = [];
  const alloc = node.allocatable;
  if (node.pods.size + 1 > (alloc.pods ?? 0)) reasons.push('Too many pods');
  const names = ['cpu', 'memory', ...Object.keys(requests).filter((n) => n !== 'cpu' && n !== 'memory' && n !== 'pods').sort()];
  for (const name of names) {
    const want = requests[name] ?? 0;
    if (want <= 0) continue;
    if (want > (alloc[name] ?? 0) - (node.requested[name] ?? 0)) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

export function nodeResourcesFit(args: FitArgs = {}): Plugin {
  const type = args.scoringStrategy?.type ?? 'LeastAllocated';
  const resources = args.scoringStrategy?.resources?.length ? args.scoringStrategy.resources : DEFAULT_RESOURCES;
  return {
    name: 'NodeResourcesFit',
    filter(ctx, node): Status | undefined {
      const reasons = insufficientResources(ctx.requests, node);
      return reasons.length ? unschedulable('NodeResourcesFit', ...reasons) : undefined;
    },
    score(ctx, node) {
      let total = 0;
      let weights = 0;
      for (const r of resources) {
        const cap = node.allocatable[r.name] ?? 0;
        if (cap === 0) continue;
        const req = (node.nonZeroRequested[r.name] ?? 0) + (ctx.nonZeroRequests[r.name] ?? 0);
        let s: number;
        if (type === 'MostAllocated') s = req > cap ? MAX_NODE_SCORE : Math.trunc((req * MAX_NODE_SCORE) / cap);
        else s = req > cap ? 0 : Math.trunc(((cap - req) * MAX_NODE_SCORE) / cap);
        total += s * r.weight;
        weights += r.weight;
      }
      return weights === 0 ? 0 : Math.trunc(total / weights);
    },
  };
}

/** Prefers nodes whose cpu and memory fractions stay close: score = (1 − std dev of the fractions) × 100. */
export function balancedAllocation(resources: ResourceSpec[] = DEFAULT_RESOURCES): Plugin {
  return {
    name: 'NodeResourcesBalancedAllocation',
    score(ctx, node) {
      const fractions: number[] = [];
      for (const r of resources) {
        const cap = node.allocatable[r.name] ?? 0;
        if (cap === 0) continue;
        const req = (node.requested[r.name] ?? 0) + (ctx.requests[r.name] ?? 0);
        fractions.push(Math.min(1, req / cap));
      }
      if (fractions.length < 2) return MAX_NODE_SCORE;
      const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
      const std =
        fractions.length === 2
          ? Math.abs(fractions[0] - fractions[1]) / 2
          : Math.sqrt(fractions.reduce((a, f) => a + (f - mean) ** 2, 0) / fractions.length);
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
