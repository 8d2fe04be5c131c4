// The pod a DaemonSet runs on a node (pkg/controller/daemon/util): the template with the daemon
// tolerations, pinned to the node by required node affinity on metadata.name so the scheduler binds it
// there. Shared so the scheduler's tests can check they accept exactly the pods the controller makes.
import type { core } from '../api/types';
import {
  addOrUpdateToleration,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
} from './taints';

/** AddOrUpdateDaemonPodTolerations: daemon pods survive node trouble and cordons. */
export function daemonPodTolerations(spec: Pick<core.PodSpec, 'tolerations' | 'hostNetwork'>): core.Toleration[] {
  const add: core.Toleration[] = [
    { key: TAINT_NODE_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_NODE_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_NODE_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) add.push({ key: TAINT_NODE_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  return add.reduce((list, t) => addOrUpdateToleration(list, t), spec.tolerations ?? []);
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes one term naming the node. */
export function pinnedToNode(affinity: core.Affinity | undefined, node: string): core.Affinity {
  const required: core.NodeSelector = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] };
  return { ...affinity, nodeAffinity: { ...affinity?.nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: required } };
}

/** The spec of the daemon pod for `node`: tolerations added, pinned to the node. */
export function daemonPodSpec(template: core.PodSpec, node: string): core.PodSpec {
  const spec = structuredClone(template);
  spec.tolerations = daemonPodTolerations(template);
  spec.affinity = pinnedToNode(spec.affinity, node);
  return spec;
}
