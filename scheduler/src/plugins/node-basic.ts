// NodeName, NodeUnschedulable and NodePorts filters.
import { TAINT_NODE_UNSCHEDULABLE, tolerationsTolerateTaint } from '@minik8s/shared';
import type { Plugin } from '../framework';
import { unresolvable, unschedulable } from '../framework';
import { podHostPorts } from '../model';

export const NodeName: Plugin = {
  name: 'NodeName',
  filter(ctx, node) {
    const want = ctx.pod.spec?.nodeName;
    if (want && want !== node.name) return unresolvable('NodeName', "node(s) didn't match the requested node name");
    return undefined;
  },
};

export const NodeUnschedulable: Plugin = {
  name: 'NodeUnschedulable',
  filter(ctx, node) {
    if (!node.node.spec?.unschedulable) return undefined;
    // A pod tolerating the cordon taint may still land on a cordoned node (as DaemonSet pods do).
    if (tolerationsTolerateTaint(ctx.pod.spec?.tolerations, { key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' })) return undefined;
    return unresolvable('NodeUnschedulable', 'node(s) were unschedulable');
  },
};

export const NodePorts: Plugin = {
  name: 'NodePorts',
  preFilter(ctx) {
    ctx.state.set('NodePorts', podHostPorts(ctx.pod));
  },
  filter(ctx, node) {
    const want = (ctx.state.get('NodePorts') as ReturnType<typeof podHostPorts>) ?? podHostPorts(ctx.pod);
    for (const w of want)
      for (const u of node.usedPorts)
        if (u.port === w.port && u.protocol === w.protocol && (u.hostIP === w.hostIP || u.hostIP === '0.0.0.0' || w.hostIP === '0.0.0.0'))
          return unschedulable('NodePorts', "node(s) didn't have free ports for the requested pod ports");
    return undefined;
  },
};
