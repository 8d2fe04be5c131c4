// NodeAffinity: spec.nodeSelector + required node affinity as a filter, preferred terms as a score.
import { preferredNodeAffinityScore, requiredNodeAffinityMatches } from '@minik8s/shared';
import type { Plugin } from '../framework';
import { defaultNormalize, unresolvable } from '../framework';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export const NodeAffinity: Plugin = {
  name: 'NodeAffinity',
  filter(ctx, node) {
    return requiredNodeAffinityMatches(ctx.pod.spec, node.node) ? undefined : unresolvable('NodeAffinity', ERR_NODE_AFFINITY);
  },
  score(ctx, node) {
    return preferredNodeAffinityScore(ctx.pod.spec, node.node);
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, false);
  },
};
