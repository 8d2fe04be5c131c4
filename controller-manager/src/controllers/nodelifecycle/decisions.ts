// Node lifecycle decisions (upstream nodelifecycle + the NoExecute taint manager), as pure functions.
import { TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE, toleratesTaint, type core } from '@minik8s/shared';
import type { Node, Pod } from '../../util/types';

/** The node's heartbeat as the controller sees it: Ready's lastHeartbeatTime and the Lease's renewTime. */
export function heartbeatToken(node: Node, lease: { spec?: { renewTime?: string } } | undefined): string {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return `${ready?.lastHeartbeatTime ?? ''}|${ready?.status ?? ''}|${lease?.spec?.renewTime ?? ''}`;
}

/**
 * tryUpdateNodeHealth: when nothing was heard for the grace period, every condition the kubelet owns
 * goes Unknown (NodeStatusUnknown, or NodeStatusNeverUpdated without a Ready condition).
 * Returns the new conditions, or undefined when nothing changes.
 */
export function staleConditions(node: Node, nowIso: string): core.NodeCondition[] | undefined {
  const conds = node.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (!ready) {
    return [...conds, { type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: nowIso, lastTransitionTime: nowIso }];
  }
  if (conds.every((c) => c.status === 'Unknown')) return undefined;
  return conds.map((c) =>
    c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: nowIso },
  );
}

/** The NoExecute/NoSchedule taints the Ready condition and spec.unschedulable call for. */
export function conditionTaints(node: Node): { key: string; effect: 'NoExecute' | 'NoSchedule' }[] {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  const out: { key: string; effect: 'NoExecute' | 'NoSchedule' }[] = [];
  if (ready?.status === 'False') out.push({ key: TAINT_NODE_NOT_READY, effect: 'NoExecute' }, { key: TAINT_NODE_NOT_READY, effect: 'NoSchedule' });
  else if (ready?.status === 'Unknown' || !ready) out.push({ key: TAINT_NODE_UNREACHABLE, effect: 'NoExecute' }, { key: TAINT_NODE_UNREACHABLE, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

const MANAGED = new Set([TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE, TAINT_NODE_UNSCHEDULABLE]);

/** The node's taints with the controller-managed ones replaced by what the conditions want (timeAdded kept). */
export function reconcileTaints(node: Node, nowIso: string): core.Taint[] | undefined {
  const cur = node.spec?.taints ?? [];
  const want = conditionTaints(node);
  const keep = cur.filter((t) => !MANAGED.has(t.key) || want.some((w) => w.key === t.key && w.effect === t.effect));
  const add = want.filter((w) => !cur.some((t) => t.key === w.key && t.effect === w.effect));
  if (add.length === 0 && keep.length === cur.length) return undefined;
  return [...keep, ...add.map((w) => ({ key: w.key, effect: w.effect, timeAdded: nowIso }))];
}

export interface DefaultTolerations {
  notReadySeconds: number;
  unreachableSeconds: number;
}

/** Pod tolerations plus the DefaultTolerationSeconds admission defaults when the pod has none for those taints. */
export function effectiveTolerations(pod: Pod, d: DefaultTolerations): core.Toleration[] {
  const tols = [...(pod.spec?.tolerations ?? [])];
  const has = (key: string) => tols.some((t) => (t.effect === 'NoExecute' || !t.effect) && (t.key === key || (t.operator === 'Exists' && !t.key)));
  if (!has(TAINT_NODE_NOT_READY)) tols.push({ key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: d.notReadySeconds });
  if (!has(TAINT_NODE_UNREACHABLE)) tols.push({ key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: d.unreachableSeconds });
  return tols;
}

/**
 * The taint manager's verdict for a pod on a node: 'never' (no NoExecute taint, or tolerated forever),
 * or the epoch ms at which it is evicted: the latest taint's timeAdded + the smallest tolerationSeconds
 * of the first toleration matching each taint (getMinTolerationTime); now when a taint is not tolerated.
 */
export function evictionTime(pod: Pod, taints: core.Taint[], d: DefaultTolerations, now: number): number | 'never' {
  const noExec = taints.filter((t) => t.effect === 'NoExecute');
  if (noExec.length === 0) return 'never';
  const tols = effectiveTolerations(pod, d);
  const matching: core.Toleration[] = [];
  for (const taint of noExec) {
    const m = tols.find((t) => toleratesTaint(t, taint));
    if (!m) return now;
    matching.push(m);
  }
  const secs = matching.filter((t) => t.tolerationSeconds !== undefined && t.tolerationSeconds !== null).map((t) => t.tolerationSeconds!);
  if (secs.length === 0) return 'never';
  const min = Math.max(0, Math.min(...secs));
  const added = Math.max(...noExec.map((t) => (t.timeAdded ? Date.parse(t.timeAdded) : now)).map((x) => (Number.isNaN(x) ? now : x)));
  return added + min * 1000;
}
