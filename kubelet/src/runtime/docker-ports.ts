// hostPorts on Docker: the sandbox's port bindings (every container of the pod shares its network
// namespace), the same DNAT upstream's CNI portmap plugin writes.
import type { PortMapping } from './types';

export interface DockerPorts {
  /** "80/tcp" → {} */
  ExposedPorts?: Record<string, Record<string, never>>;
  /** "80/tcp" → [{ HostIp, HostPort }] */
  PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>;
}

export function dockerPorts(mappings: readonly PortMapping[]): DockerPorts {
  if (!mappings.length) return {};
  const exposed: NonNullable<DockerPorts['ExposedPorts']> = {};
  const bindings: NonNullable<DockerPorts['PortBindings']> = {};
  for (const m of mappings) {
    const key = `${m.containerPort}/${m.protocol.toLowerCase()}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: m.hostIP, HostPort: String(m.hostPort) });
  }
  return { ExposedPorts: exposed, PortBindings: bindings };
}
