// Runtime readiness as upstream's runtimeState: the node is Ready only when the container runtime is
// up and, with --require-pod-cidr, the pod network exists (upstream: the CNI config is there; here:
// the node has a podCIDR to make the pod bridge from). Pure: inputs in, errors out.

/** Upstream's networkReady error while CNI is not initialized (kept verbatim: tools match on it). */
export const NETWORK_NOT_READY =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized';

/** Prefix of the pod sync error and of the `NetworkNotReady` event (upstream NetworkNotReadyErrorMsg). */
export const NETWORK_NOT_READY_EVENT = 'network is not ready';

/** The network error, or undefined when pods may get sandboxes. */
export function networkError(requirePodCIDR: boolean, podCIDR: string | undefined): string | undefined {
  return requirePodCIDR && !podCIDR ? NETWORK_NOT_READY : undefined;
}

export interface ReadyCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

/** The node's Ready condition from the runtime and network errors (joined like upstream's aggregate). */
export function readyCondition(runtimeUp: boolean, networkErr: string | undefined): ReadyCondition {
  const errs = [...(runtimeUp ? [] : ['container runtime is down']), ...(networkErr ? [networkErr] : [])];
  if (!errs.length) return { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' };
  return { status: 'False', reason: 'KubeletNotReady', message: errs.length === 1 ? errs[0] : `[${errs.join(', ')}]` };
}
