// NodeAffinity: spec.nodeSelector + required node affinity as a filter, preferred terms as a score.
import type { Plugin } from '../framework';
import { defaultNormalize, unresolvable } from '../framework';
import { nodeSelectorMatches, termMatches } from './helpers';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export const NodeAffinity: Plugin = {
  name: 'NodeAffinity',
  filter(ctx, node) {
    const labels = node.node.metadata?.labels ?? {};
    const selector = ctx.pod.spec?.nodeSelector;
    for (const k in selector) if (labels[k] !== selector[k]) return unresolvable('NodeAffinity', ERR_NODE_AFFINITY);
    const req = ctx.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (req && !nodeSelectorMatches(req, node.node)) return unresolvable('NodeAffinity', ERR_NODE_AFFINITY);
    return undefined;
  },
  score(ctx, node) {
    let total = 0;
    for (const t of ctx.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      if (t.weight && termMatches(t.preference, node.node)) total += t.weight;
    return total;
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, false);
  },
};
