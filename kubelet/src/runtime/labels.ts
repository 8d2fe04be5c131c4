// Docker labels on every container the kubelet creates: they let a restarted kubelet adopt its
// containers, find the previous instance of a container, and remove orphans of deleted pods.
// Names follow upstream dockershim where one exists.
export const L = {
  podNamespace: 'io.kubernetes.pod.namespace',
  podName: 'io.kubernetes.pod.name',
  podUid: 'io.kubernetes.pod.uid',
  containerName: 'io.kubernetes.container.name',
  restartCount: 'io.kubernetes.container.restartCount',
  hash: 'io.kubernetes.container.hash',
  /** "podsandbox" (pause) or "container". */
  type: 'io.kubernetes.docker.type',
  /** "init", "app" or "ephemeral" for containers (absent on the sandbox). */
  role: 'io.minik8s.container.role',
  /** The node (kubelet) that owns the container: several kubelets may share one engine. */
  node: 'io.minik8s.node',
  terminationGracePeriod: 'io.kubernetes.pod.terminationGracePeriod',
} as const;

/** The container name used for the sandbox in labels, as upstream. */
export const SANDBOX_NAME = 'POD';

/** Upstream-style docker container name: k8s_<container>_<pod>_<ns>_<uid>_<attempt>. */
export function dockerName(container: string, pod: string, ns: string, uid: string, attempt: number): string {
  return `k8s_${container}_${pod}_${ns}_${uid}_${attempt}`;
}
