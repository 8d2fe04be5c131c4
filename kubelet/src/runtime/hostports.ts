// hostPort: a container port published on the node, as Docker port bindings on the pod's sandbox (whose
// network namespace every container of the pod shares). Upstream's kubelet asks the CNI portmap plugin;
// Docker's port bindings are the same DNAT rules.
import type { core } from '@minik8s/shared';

export interface PortBindings {
  /** Docker's ExposedPorts: "80/tcp" → {}. */
  exposedPorts: Record<string, Record<string, never>>;
  /** Docker's HostConfig.PortBindings: "80/tcp" → [{ HostIp, HostPort }]. */
  portBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

/** The bindings for the pod's hostPorts (none on the host network, where ports are the node's already). */
export function hostPortBindings(pod: core.Pod): PortBindings | undefined {
  if (pod.spec?.hostNetwork) return undefined;
  const out: PortBindings = { exposedPorts: {}, portBindings: {} };
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const p of containers.flatMap((c) => c.ports ?? [])) {
    if (!p.hostPort) continue;
    const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;
    if (!valid(p.hostPort) || !valid(p.containerPort)) continue;
    const key = `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`;
    const binding = { HostIp: p.hostIP ?? '', HostPort: String(p.hostPort) };
    const list = (out.portBindings[key] ??= []);
    if (!list.some((b) => b.HostIp === binding.HostIp && b.HostPort === binding.HostPort)) list.push(binding);
    out.exposedPorts[key] = {};
  }
  return Object.keys(out.portBindings).length ? out : undefined;
}
