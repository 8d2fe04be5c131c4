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

const NONE: readonly string[] = Object.freeze([]);

const short = (want: number | undefined, name: string, node: NodeInfo) =>
  !!want && want > 0 && want > (node.allocatable[name] ?? 0) - (node.requested[name] ?? 0);

/** Upstream fitsRequest: pod count first, then cpu, memory, then every other requested resource. */
export function insufficientResources(requests: ResourceList, node: NodeInfo): readonly string[] {
  const tooMany = node.pods.size + 1 > (node.allocatable.pods ?? 0);
  let extended = false;
  for (const name in requests)
    if (name !== 'cpu' && name !== 'memory' && name !== 'pods' && short(requests[name], name, node)) extended = true;
  // Runs for every node in every cycle: allocate only for a node that does not fit.
  if (!tooMany && !extended && !short(requests.cpu, 'cpu', node) && !short(requests.memory, 'memory', node)) return NONE;
  const reasons: string[] = [];
  if (tooMany) reasons.push('Too many pods');
  const names = [
    'cpu',
    'memory',
    ...Object.keys(requests)
      .filter((n) => n !== 'cpu' && n !== 'memory' && n !== 'pods')
      .sort(),
  ];
  for (const name of names) if (short(requests[name], name, node)) reasons.push(`Insufficient ${name}`);
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
      // Mean and variance in one pass, without allocating: this runs for every feasible node.
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      let first = 0;
      let second = 0;
      for (const r of resources) {
        const cap = node.allocatable[r.name] ?? 0;
        if (cap === 0) continue;
        const f = Math.min(1, ((node.requested[r.name] ?? 0) + (ctx.requests[r.name] ?? 0)) / cap);
        if (n === 0) first = f;
        else if (n === 1) second = f;
        n++;
        sum += f;
        sumSq += f * f;
      }
      if (n < 2) return MAX_NODE_SCORE;
      const std = n === 2 ? Math.abs(first - second) / 2 : Math.sqrt(Math.max(0, sumSq / n - (sum / n) ** 2));
      return Math.trunc((1 - std) * MAX_NODE_SCORE);
    },
  };
}
