// The scheduling framework: plugin interfaces, statuses and the per-cycle state plugins share.
// Everything here is pure: a plugin sees the pod and a snapshot, never the network.
import type { core } from '@minik8s/shared';
import type { NodeInfo, Snapshot } from './model';
import type { ResourceList } from './resources';

/** As upstream framework.Code: Unschedulable may be fixed by preemption, ...AndUnresolvable never. */
export type Code = 'Unschedulable' | 'UnschedulableAndUnresolvable';

export interface Status {
  code: Code;
  reasons: string[];
  plugin: string;
}

export const unschedulable = (plugin: string, ...reasons: string[]): Status => ({ code: 'Unschedulable', reasons, plugin });
export const unresolvable = (plugin: string, ...reasons: string[]): Status => ({ code: 'UnschedulableAndUnresolvable', reasons, plugin });

/** What a scheduling cycle knows about the pod being placed; plugins stash pre-computed data in `state`. */
export interface CycleContext {
  pod: core.Pod;
  requests: ResourceList;
  nonZeroRequests: ResourceList;
  snapshot: Snapshot;
  state: Map<string, unknown>;
}

export const MAX_NODE_SCORE = 100;

export interface Plugin {
  name: string;
  /** Compute per-pod data once before filtering (upstream PreFilter); a Status rejects the pod on every node. */
  preFilter?(ctx: CycleContext): Status | undefined | void;
  /** undefined = the node fits. */
  filter?(ctx: CycleContext, node: NodeInfo): Status | undefined;
  preScore?(ctx: CycleContext, nodes: NodeInfo[]): void;
  score?(ctx: CycleContext, node: NodeInfo): number;
  /** Map raw scores onto 0..MAX_NODE_SCORE in place (upstream NormalizeScore). */
  normalize?(ctx: CycleContext, scores: number[]): void;
}

/** upstream helper.DefaultNormalizeScore: scale so the best node gets MAX_NODE_SCORE; reverse flips it. */
export function defaultNormalize(scores: number[], reverse: boolean): void {
  const max = Math.max(0, ...scores);
  for (let i = 0; i < scores.length; i++) {
    if (max === 0) {
      scores[i] = reverse ? MAX_NODE_SCORE : 0;
      continue;
    }
    const s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    scores[i] = reverse ? MAX_NODE_SCORE - s : s;
  }
}
