// TaintToleration: NoSchedule/NoExecute taints filter; PreferNoSchedule taints lower the score.
import { findUntoleratedTaint, isScheduleTaint, tolerationsTolerateTaint, type core } from '@minik8s/shared';
import type { Plugin } from '../framework';
import { defaultNormalize, unresolvable } from '../framework';

export const TaintToleration: Plugin = {
  name: 'TaintToleration',
  filter(ctx, node) {
    const taint = findUntoleratedTaint(node.node.spec?.taints, ctx.pod.spec?.tolerations, isScheduleTaint);
    return taint && unresolvable('TaintToleration', `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
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
    for (const taint of taints) if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(prefer, taint)) n++;
    return n;
  },
  normalize(_ctx, scores) {
    defaultNormalize(scores, true);
  },
};
