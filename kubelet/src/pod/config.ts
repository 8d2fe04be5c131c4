// Pod spec → the runtime's sandbox and container configs. Pure: env, mounts and the attempt number
// come in already worked out.
import { parseQuantity, type core } from '@minik8s/shared';
import type { Pod } from '../kinds';
import type { ContainerConfig, ContainerRole, Mount, PortMapping, SandboxConfig } from '../runtime/types';
import { containerHash } from './actions';
import { expandCommand } from './env';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** imagePullPolicy, defaulted as upstream: Always for :latest or no tag, else IfNotPresent. */
export function pullPolicy(c: core.Container): PullPolicy {
  if (c.imagePullPolicy) return c.imagePullPolicy as PullPolicy;
  const image = c.image ?? '';
  return /:[^/]+$/.test(image) && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always';
}

/** Runtime security options from the pod's and the container's securityContext (the container's wins). */
export function securityOptions(podSc: core.PodSecurityContext | undefined, sc: core.SecurityContext | undefined): ContainerConfig['security'] {
  const uid = sc?.runAsUser ?? podSc?.runAsUser;
  const gid = sc?.runAsGroup ?? podSc?.runAsGroup;
  return {
    user: uid !== undefined ? `${uid}${gid !== undefined ? `:${gid}` : ''}` : undefined,
    capAdd: sc?.capabilities?.add?.length ? sc.capabilities.add : undefined,
    capDrop: sc?.capabilities?.drop?.length ? sc.capabilities.drop : undefined,
    readonlyRootfs: sc?.readOnlyRootFilesystem || undefined,
    privileged: sc?.privileged || undefined,
  };
}

/** limits.memory → a memory limit (no swap), limits.cpu → a CPU quota, requests.cpu → CPU shares. */
export function resourceOptions(c: core.Container): ContainerConfig['resources'] {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  const memory = limits.memory !== undefined ? Math.round(parseQuantity(String(limits.memory))) : undefined;
  const cpuLimit = limits.cpu !== undefined ? parseQuantity(String(limits.cpu)) : undefined;
  const cpuRequest = requests.cpu !== undefined ? parseQuantity(String(requests.cpu)) : undefined;
  return {
    memoryLimitBytes: memory,
    nanoCpus: cpuLimit !== undefined ? Math.round(cpuLimit * 1e9) : undefined,
    cpuShares: cpuRequest !== undefined ? Math.max(2, Math.round(cpuRequest * 1024)) : undefined,
  };
}

/** The app containers' ports with a hostPort, once each (upstream's MakePortMappings). */
export function portMappings(pod: Pod): PortMapping[] {
  if (pod.spec?.hostNetwork) return [];
  const valid = (n: number | undefined): n is number => Number.isInteger(n) && n! >= 1 && n! <= 65535;
  const out = new Map<string, PortMapping>();
  for (const p of (pod.spec?.containers ?? []).flatMap((c) => c.ports ?? [])) {
    if (!valid(p.hostPort) || !valid(p.containerPort)) continue;
    const m: PortMapping = { protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort, hostIP: p.hostIP ?? '' };
    out.set(`${m.protocol}/${m.hostIP}/${m.hostPort}`, m);
  }
  return [...out.values()];
}

export function sandboxConfig(pod: Pod, attempt: number, podCIDR: string | undefined): SandboxConfig {
  const m = pod.metadata;
  const hostNetwork = !!pod.spec?.hostNetwork;
  return {
    pod: { uid: m.uid!, namespace: m.namespace!, name: m.name! },
    attempt,
    hostname: hostNetwork ? undefined : (pod.spec?.hostname ?? m.name!).slice(0, 63),
    hostNetwork,
    podCIDR,
    portMappings: portMappings(pod),
  };
}

export function containerConfig(pod: Pod, spec: core.Container, role: ContainerRole, attempt: number, env: string[], mounts: Mount[], pidTarget?: string): ContainerConfig {
  const m = pod.metadata;
  return {
    pod: { uid: m.uid!, namespace: m.namespace!, name: m.name! },
    name: spec.name,
    attempt,
    role,
    hash: containerHash(spec),
    terminationGracePeriodSeconds: pod.spec?.terminationGracePeriodSeconds ?? 30,
    image: spec.image!,
    command: expandCommand(spec.command, env),
    args: expandCommand(spec.args, env),
    env,
    workingDir: spec.workingDir,
    tty: spec.tty,
    stdin: spec.stdin,
    stdinOnce: spec.stdinOnce,
    pidTarget,
    mounts,
    resources: resourceOptions(spec),
    security: securityOptions(pod.spec?.securityContext, spec.securityContext),
  };
}
