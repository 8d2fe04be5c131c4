// What every component means by a node being ready (k8s.io/kubernetes/pkg/api/v1/node).
import type { core, KubeObject } from './types';

/** A stored Node: the upstream shape with metadata always present. */
export type Node = core.Node & KubeObject;

export function nodeCondition(node: { status?: Pick<core.NodeStatus, 'conditions'> }, type: string): core.NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

/** nodeutil.IsNodeReady: the Ready condition is True. */
export function isNodeReady(node: { status?: Pick<core.NodeStatus, 'conditions'> }): boolean {
  return nodeCondition(node, 'Ready')?.status === 'True';
}
