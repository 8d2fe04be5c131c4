// DaemonSet placement (upstream daemon controller NodeShouldRunDaemonPod + util), pure. The matching
// rules and the daemon pod's tolerations and pin come from shared, so the scheduler agrees.
import { daemonPodTolerations, findUntoleratedTaint, isNoExecuteTaint, isScheduleTaint, requiredNodeAffinityMatches, type core } from '@minik8s/shared';
import type { Node, Pod } from '../../util/types';

export interface Placement {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** A daemon pod already there may stay: only an untolerated NoExecute taint (or a mismatch) evicts it. */
  shouldContinueRunning: boolean;
}

/**
 * NodeShouldRunDaemonPod: the template's nodeName and required node affinity (with spec.nodeSelector)
 * must match, and the daemon pod (its tolerations plus the daemon ones) must tolerate every NoSchedule
 * and NoExecute taint to be created; one already running stays unless a NoExecute taint is untolerated.
 */
export function nodePlacement(template: core.PodSpec, node: Node): Placement {
  if (template.nodeName && template.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!requiredNodeAffinityMatches(template, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(template);
  const taints = node.spec?.taints;
  if (!findUntoleratedTaint(taints, tolerations, isScheduleTaint)) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(taints, tolerations, isNoExecuteTaint) };
}

/** GetTargetNodeName: spec.nodeName, or the metadata.name the daemon pod's required affinity pins. */
export function podNode(p: Pod): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  for (const t of p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    const f = t.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In' && m.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}
