// Builders for Node and Pod objects in unit tests.
import type { core } from '@minik8s/shared';

export function node(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: string;
    labels?: Record<string, string>;
    taints?: core.Taint[];
    unschedulable?: boolean;
  } = {},
): core.Node {
  return {
    metadata: { name, labels: opts.labels },
    spec: { taints: opts.taints, unschedulable: opts.unschedulable },
    status: { allocatable: { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' } },
  };
}

export function pod(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    nodeName?: string;
    ns?: string;
    labels?: Record<string, string>;
    spec?: Partial<core.PodSpec>;
    priority?: number;
    created?: string;
  } = {},
): core.Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu) requests.cpu = opts.cpu;
  if (opts.memory) requests.memory = opts.memory;
  return {
    metadata: { name, namespace: opts.ns ?? 'default', labels: opts.labels, creationTimestamp: opts.created },
    spec: {
      nodeName: opts.nodeName,
      priority: opts.priority,
      containers: [{ name: 'c', image: 'busybox', resources: Object.keys(requests).length ? { requests } : undefined }],
      ...opts.spec,
    },
  };
}
