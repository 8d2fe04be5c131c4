// Column definitions and row cells per resource, after the upstream printers
// (k8s.io/kubernetes/pkg/printers/internalversion/printers.go, v1.32). The server always fills the
// wide (priority 1) cells; kubectl hides them unless -o wide.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { containerCells, formatLabels, formatLabelSelector, formatSelector, humanDuration, orNone, since } from './format';
import { podCells } from './pod';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Printer {
  columns: ColumnDefinition[];
  cells(obj: any, now: number): unknown[];
  conditions?(obj: any): TableRowCondition[] | undefined;
}

const DESCRIPTIONS: Record<string, string> = {
  Name: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  Age: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  Containers: 'Names of each container in the template.',
  Images: 'Images referenced by each container in the template.',
  Selector: 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.',
};

function col(name: string, opts: { type?: string; format?: string; priority?: number; description?: string } = {}): ColumnDefinition {
  return {
    name,
    type: opts.type ?? 'string',
    format: opts.format ?? (name === 'Name' ? 'name' : ''),
    description: opts.description ?? DESCRIPTIONS[name] ?? `${name} of the object.`,
    priority: opts.priority ?? 0,
  };
}
const wide = (name: string, description?: string) => col(name, { priority: 1, description });
const int = (name: string, description?: string) => col(name, { type: 'integer', description });
const NAME = col('Name');
const AGE = col('Age');
const CONTAINERS = wide('Containers');
const IMAGES = wide('Images');
const SELECTOR = wide('Selector');

const nameOf = (o: any): string => o.metadata?.name ?? '';
const ageOf = (o: any, now: number): string => since(o.metadata?.creationTimestamp, now);
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

const pods: Printer = {
  columns: [
    NAME,
    col('Ready', { description: 'The aggregate readiness state of this pod for accepting traffic.' }),
    col('Status', { description: 'The aggregate status of the containers in this pod.' }),
    col('Restarts', { description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.' }),
    AGE,
    wide('IP', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
    wide('Node', 'NodeName is a request to schedule this pod onto a specific node.'),
    wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods.'),
    wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.'),
  ],
  cells(o, now) {
    const c = podCells(o, now);
    return [nameOf(o), c.ready, c.status, c.restarts, ageOf(o, now), c.ip, c.node, c.nominatedNode, c.readinessGates];
  },
  conditions(o) {
    const phase = o.status?.phase;
    if (phase === 'Succeeded') return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    if (phase === 'Failed') return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    return undefined;
  },
};

const deployments: Printer = {
  columns: [
    NAME,
    col('Ready', { description: 'Number of the pod with ready state' }),
    col('Up-to-date', { description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.' }),
    col('Available', { description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.' }),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    const desired = o.spec?.replicas ?? 0;
    return [nameOf(o), `${num(o.status?.readyReplicas)}/${desired}`, num(o.status?.updatedReplicas), num(o.status?.availableReplicas), ageOf(o, now), names, images, formatSelector(o.spec?.selector)];
  },
};

const replicaSetLike = (selector: (o: any) => string): Printer => ({
  columns: [
    NAME,
    int('Desired', 'Replicas is the number of desired replicas.'),
    int('Current', 'Replicas is the most recently observed number of replicas.'),
    int('Ready', 'The number of ready replicas for this replica set.'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [nameOf(o), num(o.spec?.replicas), num(o.status?.replicas), num(o.status?.readyReplicas), ageOf(o, now), names, images, selector(o)];
  },
});

const daemonsets: Printer = {
  columns: [
    NAME,
    int('Desired', 'The total number of nodes that should be running the daemon pod.'),
    int('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.'),
    int('Ready', 'numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition.'),
    int('Up-to-date', 'The total number of nodes that are running updated daemon pod'),
    int('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)'),
    col('Node Selector', { description: 'NodeSelector is a selector which must be true for the pod to fit on a node.' }),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const s = o.status ?? {};
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [
      nameOf(o), num(s.desiredNumberScheduled), num(s.currentNumberScheduled), num(s.numberReady), num(s.updatedNumberScheduled), num(s.numberAvailable),
      formatLabels(o.spec?.template?.spec?.nodeSelector), ageOf(o, now), names, images, formatLabelSelector(o.spec?.selector),
    ];
  },
};

const statefulsets: Printer = {
  columns: [NAME, col('Ready', { description: 'Number of the pod with ready state' }), AGE, CONTAINERS, IMAGES],
  cells(o, now) {
    const [names, images] = containerCells(o.spec?.template?.spec?.containers);
    return [nameOf(o), `${num(o.status?.readyReplicas)}/${o.spec?.replicas ?? 1}`, ageOf(o, now), names, images];
  },
};

function jobStatus(o: any): string {
  const conds: any[] = o.status?.conditions ?? [];
  const has = (type: string) => conds.find((c) => c.type === type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (o.metadata?.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

const jobs: Printer = {
  columns: [
    NAME,
    col('Status', { description: 'Status of the job.' }),
    col('Completions', { description: 'The desired number of successfully finished pods the job should be run with.' }),
    col('Duration', { description: 'Time required to complete the job.' }),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = o.spec ?? {};
    const succeeded = num(o.status?.succeeded);
    let completions: string;
    if (spec.completions != null) completions = `${succeeded}/${spec.completions}`;
    else if ((spec.parallelism ?? 1) > 1) completions = `${succeeded}/1 of ${spec.parallelism}`;
    else completions = `${succeeded}/1`;
    const start = o.status?.startTime;
    const end = o.status?.completionTime;
    const duration = !start ? '' : end ? humanDuration(Date.parse(end) - Date.parse(start)) : humanDuration(now - Date.parse(start));
    const [names, images] = containerCells(spec.template?.spec?.containers);
    return [nameOf(o), jobStatus(o), completions, duration, ageOf(o, now), names, images, formatLabelSelector(spec.selector)];
  },
};

const cronjobs: Printer = {
  columns: [
    NAME,
    col('Schedule', { description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.' }),
    col('Timezone', { description: 'The time zone name for the given schedule.' }),
    col('Suspend', { type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions.' }),
    int('Active', 'A list of pointers to currently running jobs.'),
    col('Last Schedule', { description: 'Information when was the last time the job was successfully scheduled.' }),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(o, now) {
    const spec = o.spec ?? {};
    const last = o.status?.lastScheduleTime ? since(o.status.lastScheduleTime, now) : '<none>';
    const [names, images] = containerCells(spec.jobTemplate?.spec?.template?.spec?.containers);
    const suspend = spec.suspend == null ? '<unset>' : spec.suspend ? 'True' : 'False';
    return [nameOf(o), spec.schedule ?? '', spec.timeZone ?? '<none>', suspend, (o.status?.active ?? []).length, last, ageOf(o, now), names, images, formatLabelSelector(spec.jobTemplate?.spec?.selector)];
  },
};

function serviceExternalIP(o: any): string {
  const spec = o.spec ?? {};
  const external: string[] = spec.externalIPs ?? [];
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress: string[] = [...new Set<string>((o.status?.loadBalancer?.ingress ?? []).map((i: any) => i.ip || i.hostname).filter(Boolean))].sort();
      const all = [...ingress, ...external];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
  }
  return '<unknown>';
}

function servicePorts(ports: any[] | undefined): string {
  if (!ports?.length) return '<none>';
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

const services: Printer = {
  columns: [
    NAME,
    col('Type', { description: 'type determines how the Service is exposed.' }),
    col('Cluster-IP', { description: 'clusterIP is the IP address of the service and is usually assigned randomly.' }),
    col('External-IP', { description: 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.' }),
    col('Port(s)', { description: 'The list of ports that are exposed by this service.' }),
    AGE,
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.'),
  ],
  cells(o, now) {
    const spec = o.spec ?? {};
    return [nameOf(o), spec.type ?? '', orNone(spec.clusterIPs?.[0] ?? spec.clusterIP), serviceExternalIP(o), servicePorts(spec.ports), ageOf(o, now), formatLabels(spec.selector)];
  },
};

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/** At most 3 entries, then "+ N more...". */
function listWithMore(list: string[], count: number, empty: string): string {
  if (count > 3) return `${list.slice(0, 3).join(',')} + ${count - 3} more...`;
  return list.length ? list.join(',') : empty;
}

function formatEndpoints(o: any): string {
  const subsets: any[] = o.subsets ?? [];
  if (!subsets.length) return '<none>';
  const list: string[] = [];
  for (const ss of subsets) {
    const addrs: any[] = ss.addresses ?? [];
    if (!ss.ports?.length) list.push(...addrs.map((a) => String(a.ip)));
    else for (const p of ss.ports) list.push(...addrs.map((a) => hostPort(String(a.ip), p.port)));
  }
  return listWithMore(list, list.length, '');
}

const endpoints: Printer = {
  columns: [NAME, col('Endpoints', { description: 'Endpoints is the list of endpoints for this service.' }), AGE],
  cells: (o, now) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
};

const endpointslices: Printer = {
  columns: [
    NAME,
    col('AddressType', { description: 'addressType specifies the type of address carried by this EndpointSlice.' }),
    col('Ports', { description: 'ports specifies the list of network ports exposed by each endpoint in this slice.' }),
    col('Endpoints', { description: 'endpoints is a list of unique endpoints in this slice.' }),
    AGE,
  ],
  cells(o, now) {
    const ports: string[] = (o.ports ?? []).map((p: any) => (p.port != null ? String(p.port) : (p.name ?? '*')));
    const addrs: string[] = (o.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
    const portStr = listWithMore(ports, ports.length, '<unset>');
    const epStr = listWithMore(addrs, addrs.length, '<unset>');
    return [nameOf(o), o.addressType ?? '', portStr, epStr, ageOf(o, now)];
  },
};

function nodeStatus(o: any): string {
  const conds: any[] = o.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const parts = [!ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (o.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeRoles(o: any): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries<string>(o.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const nodeAddress = (o: any, type: string) => orNone((o.status?.addresses ?? []).find((a: any) => a.type === type)?.address);

const nodes: Printer = {
  columns: [
    NAME,
    col('Status', { description: 'The status of the node' }),
    col('Roles', { description: 'The roles of the node' }),
    AGE,
    col('Version', { description: 'Kubelet Version reported by the node.' }),
    wide('Internal-IP', 'List of addresses reachable to the node.'),
    wide('External-IP', 'List of addresses reachable to the node.'),
    wide('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'),
    wide('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
    wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).'),
  ],
  cells(o, now) {
    const info = o.status?.nodeInfo ?? {};
    return [
      nameOf(o), nodeStatus(o), nodeRoles(o), ageOf(o, now), info.kubeletVersion ?? '',
      nodeAddress(o, 'InternalIP'), nodeAddress(o, 'ExternalIP'), info.osImage || '<unknown>', info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>',
    ];
  },
};

const namespaces: Printer = {
  columns: [NAME, col('Status', { description: 'The status of the namespace' }), AGE],
  cells: (o, now) => [nameOf(o), o.status?.phase ?? '', ageOf(o, now)],
};

const configmaps: Printer = {
  columns: [NAME, col('Data', { description: 'Data contains the configuration data.' }), AGE],
  cells: (o, now) => [nameOf(o), Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, ageOf(o, now)],
};

const secrets: Printer = {
  columns: [NAME, col('Type', { description: 'The type of the secret' }), col('Data', { description: 'Data contains the secret data.' }), AGE],
  cells: (o, now) => [nameOf(o), o.type ?? '', Object.keys(o.data ?? {}).length, ageOf(o, now)],
};

const serviceaccounts: Printer = {
  columns: [NAME, col('Secrets', { description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' }), AGE],
  cells: (o, now) => [nameOf(o), (o.secrets ?? []).length, ageOf(o, now)],
};

function eventSource(o: any): string {
  const component = o.source?.component || o.reportingComponent || '';
  const host = o.source?.host || o.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

const events: Printer = {
  columns: [
    col('Last Seen', { description: 'The last time the event was seen' }),
    col('Type', { description: 'The type of the event' }),
    col('Reason', { description: 'The reason the event was generated' }),
    col('Object', { description: 'The object the event is about' }),
    wide('Subobject', 'The subobject the event is about'),
    wide('Source', 'The source of the event'),
    col('Message', { description: 'A human-readable description of the event' }),
    wide('First Seen', 'The first time the event was seen'),
    wide('Count', 'The number of times this event has occurred.'),
    col('Name', { priority: 1, format: 'name', description: DESCRIPTIONS.Name }),
  ],
  cells(o, now) {
    let first = o.firstTimestamp ? since(o.firstTimestamp, now) : since(o.eventTime, now);
    let last = o.lastTimestamp ? since(o.lastTimestamp, now) : first;
    let count = o.count || 1;
    if (o.series) {
      last = since(o.series.lastObservedTime, now);
      count = o.series.count;
    }
    if (!o.firstTimestamp && !o.eventTime) first = '<unknown>';
    const io = o.involvedObject ?? {};
    const target = io.name ? `${String(io.kind ?? '').toLowerCase()}/${io.name}` : String(io.kind ?? '').toLowerCase();
    return [last, o.type ?? '', o.reason ?? '', target, io.fieldPath ?? '', eventSource(o), String(o.message ?? '').trim(), first, count, nameOf(o)];
  },
};

/** formatHPAMetrics: "cpu: 10%/50%" per metric, at most two, then "+ N more...". */
function hpaTargets(o: any): string {
  const specs: any[] = o.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const statuses: any[] = o.status?.currentMetrics ?? [];
  const q = (v: unknown) => (v == null ? '<unknown>' : String(v));
  const list = specs.map((m, i) => {
    const st = statuses[i];
    switch (m.type) {
      case 'External':
      case 'Object': {
        const key = m.type === 'External' ? 'external' : 'object';
        const target = m[key]?.target ?? {};
        const cur = st?.[key]?.current;
        if (target.averageValue != null) return `${q(cur?.averageValue)}/${target.averageValue} (avg)`;
        return `${st?.[key] ? q(cur?.value) : '<unknown>'}/${q(target.value)}`;
      }
      case 'Pods':
        return `${st?.pods ? q(st.pods.current?.averageValue) : '<unknown>'}/${q(m.pods?.target?.averageValue)}`;
      case 'Resource':
      case 'ContainerResource': {
        const key = m.type === 'Resource' ? 'resource' : 'containerResource';
        const src = m[key] ?? {};
        const cur = st?.[key]?.current;
        if (src.target?.averageValue != null) return `${src.name}: ${st?.[key] ? q(cur?.averageValue) : '<unknown>'}/${src.target.averageValue}`;
        const current = cur?.averageUtilization != null ? `${cur.averageUtilization}%` : '<unknown>';
        const target = src.target?.averageUtilization != null ? `${src.target.averageUtilization}%` : '<auto>';
        return `${src.name}: ${current}/${target}`;
      }
      default:
        return '<unknown type>';
    }
  });
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

const hpas: Printer = {
  columns: [
    NAME,
    col('Reference', { description: 'Reference to the target resource' }),
    col('Targets', { description: 'The current and target values of the metrics' }),
    col('MinPods', { description: 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.' }),
    col('MaxPods', { description: 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.' }),
    col('Replicas', { description: 'currentReplicas is current number of replicas of pods managed by this autoscaler.' }),
    AGE,
  ],
  cells(o, now) {
    const ref = o.spec?.scaleTargetRef ?? {};
    const min = o.spec?.minReplicas != null ? String(o.spec.minReplicas) : '<unset>';
    return [nameOf(o), `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(o), min, num(o.spec?.maxReplicas), num(o.status?.currentReplicas), ageOf(o, now)];
  },
};

const pdbs: Printer = {
  columns: [
    NAME,
    col('Min Available', { description: 'The minimum number of pods that must be available.' }),
    col('Max Unavailable', { description: 'The maximum number of pods that may be unavailable.' }),
    col('Allowed Disruptions', { type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.' }),
    AGE,
  ],
  cells(o, now) {
    const intOrNA = (v: unknown) => (v == null ? 'N/A' : String(v));
    return [nameOf(o), intOrNA(o.spec?.minAvailable), intOrNA(o.spec?.maxUnavailable), num(o.status?.disruptionsAllowed), ageOf(o, now)];
  },
};

const leases: Printer = {
  columns: [NAME, col('Holder', { description: 'HolderIdentity contains the identity of the holder of a current lease.' }), AGE],
  cells: (o, now) => [nameOf(o), o.spec?.holderIdentity ?? '', ageOf(o, now)],
};

const controllerrevisions: Printer = {
  columns: [NAME, col('Controller', { description: 'Controller of the object' }), col('Revision', { description: 'Revision indicates the revision of the state represented by Data.' }), AGE],
  cells(o, now) {
    const owner = (o.metadata?.ownerReferences ?? []).find((r: any) => r.controller);
    const group = String(owner?.apiVersion ?? '').includes('/') ? String(owner.apiVersion).split('/')[0] : '';
    const ctrl = owner ? `${String(owner.kind).toLowerCase()}${group ? `.${group}` : ''}/${owner.name}` : '<none>';
    return [nameOf(o), ctrl, num(o.revision), ageOf(o, now)];
  },
};

/** rest.NewDefaultTableConvertor: Name and Created At, for kinds without a printer. */
export const defaultPrinter: Printer = {
  columns: [NAME, col('Created At', { type: 'date', description: DESCRIPTIONS.Age })],
  cells: (o) => [nameOf(o), o.metadata?.creationTimestamp ?? ''],
};

/** Printers by "resource.group" ("pods", "deployments.apps"). */
export const PRINTERS: Record<string, Printer> = {
  pods,
  'deployments.apps': deployments,
  'replicasets.apps': replicaSetLike((o) => formatLabelSelector(o.spec?.selector)),
  replicationcontrollers: replicaSetLike((o) => formatLabels(o.spec?.selector)),
  'daemonsets.apps': daemonsets,
  'statefulsets.apps': statefulsets,
  'controllerrevisions.apps': controllerrevisions,
  'jobs.batch': jobs,
  'cronjobs.batch': cronjobs,
  services,
  endpoints,
  'endpointslices.discovery.k8s.io': endpointslices,
  nodes,
  namespaces,
  configmaps,
  secrets,
  serviceaccounts,
  events,
  'horizontalpodautoscalers.autoscaling': hpas,
  'poddisruptionbudgets.policy': pdbs,
  'leases.coordination.k8s.io': leases,
};

export function printerFor(r: { group: string; resource: string }): Printer {
  return PRINTERS[r.group ? `${r.resource}.${r.group}` : r.resource] ?? defaultPrinter;
}
