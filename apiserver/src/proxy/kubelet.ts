// nodes/proxy reaches a node's kubelet the way logs, exec and attach do (../kubeletclient: HTTPS to the
// node's preferred address and its kubelet port, with the apiserver's kubelet client certificate), so the
// three share one notion of how the apiserver dials kubelets.
import { ApiError, statusFor } from '@minik8s/shared';
import type { KubeletClient, NodeLike } from '../kubeletclient';
import type { Upstream } from './forward';

export function kubeletUpstream(kubelet: KubeletClient, node: NodeLike): Upstream {
  const addr = kubelet.address(node);
  if (!addr) throw new ApiError(statusFor.badRequest(`node ${node.metadata?.name ?? ''} has no address to reach its kubelet`));
  return { scheme: 'https', ...addr, tls: kubelet.tls() };
}
