// Small helpers the plugins share; the upstream matching rules (taints, node affinity) live in
// @minik8s/shared.
import type { core } from '@minik8s/shared';

/** The node's value for a topology key; kubernetes.io/hostname falls back to the node name. */
export function topologyValue(node: core.Node, key: string): string | undefined {
  const v = node.metadata?.labels?.[key];
  if (v !== undefined) return v;
  return key === 'kubernetes.io/hostname' ? node.metadata?.name : undefined;
}

export function podPriority(pod: core.Pod): number {
  return pod.spec?.priority ?? 0;
}
