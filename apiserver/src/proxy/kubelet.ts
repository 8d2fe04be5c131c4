// nodes/proxy reaches a node's kubelet the way logs, exec and attach do (../podproxy: the node's address
// and its kubelet port), so the three share one notion of how the apiserver dials kubelets.
import { ApiError, statusFor } from '@minik8s/shared';
import { kubeletAddress } from '../podproxy';
import type { Upstream } from './forward';

export function kubeletUpstream(node: Parameters<typeof kubeletAddress>[0] & { metadata?: { name?: string } }): Upstream {
  const addr = kubeletAddress(node);
  if (!addr) throw new ApiError(statusFor.badRequest(`node ${node.metadata?.name ?? ''} has no address to reach its kubelet`));
  return { scheme: 'http', ...addr };
}
