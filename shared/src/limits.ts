// Sizes the components bound what a peer may send them, written once.

/** The largest WebSocket message the apiserver and the kubelet take (exec/attach frames, port-forward tunnels). */
export const MAX_WS_PAYLOAD = 1024 * 1024;
