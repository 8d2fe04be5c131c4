// TaintToleration: NoSchedule/NoExecute taints filter; PreferNoSchedule taints lower the score.
import type { core } from '@minik8s/shared';
import type { Plugin } from '../framework';
import { defaultNormalize, unresolvable } from '../framework';
import { tolerated } from './helpers';

export const TaintToleration: Plugin = {
  name: 'TaintToleration',
  filter(ctx, node) {
    const tolerations = ctx.pod.spec?.tolerations;
    for (const taint of node.node.spec?.taints ?? []) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!tolerated(tolerations, taint))
        return unresolvable('TaintToleration', `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
    }
    return undefined;
  },
  preScore(ctx) {
    // Only tolerations that can apply to PreferNoSchedule count (upstream getAllTolerationPreferNoSchedule).
    ctx.state.set('TaintToleration', (ctx.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule'));
  },
  score(ctx, node) {
    const taints = node.node.spec?.taints;
    if (!taints?.length) return 0;
    const prefer = ctx.state.get('TaintToleration') as core.Toleration[];
    let n = 0;
    for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !tolerated(prefer, taint)) n++;
    return n;
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, true);
  },
};
