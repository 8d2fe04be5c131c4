// The scheduler's view of the cluster at one instant: nodes and the pods on them with their requests.
// Plugins are pure functions over this snapshot.
import type { core } from '@minik8s/shared';
import { nodeAllocatable, podRequests, type ResourceList } from './resources';
import type { VolumeView } from './plugins/volume-binding';

export interface PodInfo {
  pod: core.Pod;
  key: string;
  requests: ResourceList;
  /** Requests with scoring defaults for containers that request nothing. */
  nonZeroRequests: ResourceList;
}

export interface HostPort {
  hostIP: string;
  protocol: string;
  port: number;
}

export interface NodeInfo {
  name: string;
  node: core.Node;
  allocatable: ResourceList;
  pods: Map<string, PodInfo>;
  /** Sum of the bound and assumed pods' requests. */
  requested: ResourceList;
  nonZeroRequested: ResourceList;
  usedPorts: HostPort[];
  /** Keys of pods here with required anti-affinity terms (checked against every incoming pod). */
  antiAffinityPods: Set<string>;
}

export interface Snapshot {
  nodes: NodeInfo[];
  byName: Map<string, NodeInfo>;
  /** Claims, volumes and classes (the VolumeBinding plugin's view); absent: none exist. */
  volumes?: VolumeView;
}

export function newPodInfo(pod: core.Pod, key: string): PodInfo {
  return { pod, key, requests: podRequests(pod), nonZeroRequests: podRequests(pod, true) };
}

export function podHostPorts(pod: core.Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? [])
    for (const p of c.ports ?? [])
      if (p.hostPort && p.hostPort > 0) out.push({ hostIP: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
  return out;
}

export function newNodeInfo(node: core.Node): NodeInfo {
  return {
    name: node.metadata?.name ?? '',
    node,
    allocatable: nodeAllocatable(node),
    pods: new Map(),
    requested: {},
    nonZeroRequested: {},
    usedPorts: [],
    antiAffinityPods: new Set(),
  };
}

function addTo(into: ResourceList, r: ResourceList, sign: 1 | -1): void {
  for (const [k, v] of Object.entries(r)) into[k] = (into[k] ?? 0) + sign * v;
}

export function addPod(ni: NodeInfo, pi: PodInfo): void {
  if (ni.pods.has(pi.key)) removePod(ni, pi.key);
  ni.pods.set(pi.key, pi);
  addTo(ni.requested, pi.requests, 1);
  addTo(ni.nonZeroRequested, pi.nonZeroRequests, 1);
  ni.usedPorts.push(...podHostPorts(pi.pod));
  if (pi.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length) ni.antiAffinityPods.add(pi.key);
}

export function removePod(ni: NodeInfo, key: string): void {
  const pi = ni.pods.get(key);
  if (!pi) return;
  ni.pods.delete(key);
  ni.antiAffinityPods.delete(key);
  addTo(ni.requested, pi.requests, -1);
  addTo(ni.nonZeroRequested, pi.nonZeroRequests, -1);
  if (podHostPorts(pi.pod).length) {
    ni.usedPorts = [];
    for (const p of ni.pods.values()) ni.usedPorts.push(...podHostPorts(p.pod));
  }
}

/** Build a snapshot from plain lists (tests and the cache use this). */
export function buildSnapshot(nodes: core.Node[], pods: core.Pod[]): Snapshot {
  const byName = new Map<string, NodeInfo>();
  for (const n of nodes) byName.set(n.metadata?.name ?? '', newNodeInfo(n));
  for (const p of pods) {
    const ni = byName.get(p.spec?.nodeName ?? '');
    if (ni) addPod(ni, newPodInfo(p, `${p.metadata?.namespace}/${p.metadata?.name}`));
  }
  return { nodes: [...byName.values()], byName };
}
