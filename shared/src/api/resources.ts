// The clients' list of the API resources minik8s serves, as upstream names them: components build URLs
// from it (R.pods, resourcePath) and mkctl resolves names with it. The apiserver does not read it: it
// serves the kinds its strategy modules register (apiserver/src/kinds), so a new server-side kind needs
// no edit here; add an entry when a client wants a handle for it.

export interface ResourceType {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  kind: string;
  listKind: string;
  /** Plural, lower-case: the URL segment (e.g. "pods"). */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Subresources served beside the main resource (e.g. "status", "binding"). */
  subresources: string[];
  verbs: string[];
}

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function rt(
  group: string,
  version: string,
  kind: string,
  resource: string,
  namespaced: boolean,
  extra: Partial<Pick<ResourceType, 'shortNames' | 'categories' | 'subresources' | 'verbs'>> = {},
): ResourceType {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: extra.shortNames ?? [],
    categories: extra.categories ?? [],
    subresources: extra.subresources ?? [],
    verbs: extra.verbs ?? ALL_VERBS,
  };
}

export const RESOURCES: readonly ResourceType[] = [
  rt('', 'v1', 'Namespace', 'namespaces', false, {
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
    verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  rt('', 'v1', 'Pod', 'pods', true, {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'binding', 'log', 'exec', 'attach', 'eviction'],
  }),
  rt('', 'v1', 'Service', 'services', true, {
    shortNames: ['svc'],
    categories: ['all'],
    subresources: ['status'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  }),
  rt('', 'v1', 'Endpoints', 'endpoints', true, { shortNames: ['ep'] }),
  rt('', 'v1', 'Node', 'nodes', false, { shortNames: ['no'], subresources: ['status'] }),
  rt('', 'v1', 'ConfigMap', 'configmaps', true, { shortNames: ['cm'] }),
  rt('', 'v1', 'Secret', 'secrets', true),
  rt('', 'v1', 'Event', 'events', true, { shortNames: ['ev'] }),
  rt('', 'v1', 'ServiceAccount', 'serviceaccounts', true, { shortNames: ['sa'], subresources: ['token'] }),
  rt('', 'v1', 'PersistentVolume', 'persistentvolumes', false, { shortNames: ['pv'], subresources: ['status'] }),
  rt('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, { shortNames: ['pvc'], subresources: ['status'] }),
  rt('', 'v1', 'ResourceQuota', 'resourcequotas', true, { shortNames: ['quota'], subresources: ['status'] }),
  rt('', 'v1', 'LimitRange', 'limitranges', true, { shortNames: ['limits'] }),
  rt('', 'v1', 'ReplicationController', 'replicationcontrollers', true, {
    shortNames: ['rc'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  rt('apps', 'v1', 'Deployment', 'deployments', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  rt('apps', 'v1', 'ReplicaSet', 'replicasets', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  rt('apps', 'v1', 'DaemonSet', 'daemonsets', true, { shortNames: ['ds'], categories: ['all'], subresources: ['status'] }),
  rt('apps', 'v1', 'StatefulSet', 'statefulsets', true, { shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'] }),
  rt('apps', 'v1', 'ControllerRevision', 'controllerrevisions', true),
  rt('batch', 'v1', 'Job', 'jobs', true, { categories: ['all'], subresources: ['status'] }),
  rt('batch', 'v1', 'CronJob', 'cronjobs', true, { shortNames: ['cj'], categories: ['all'], subresources: ['status'] }),
  rt('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, {
    shortNames: ['hpa'],
    categories: ['all'],
    subresources: ['status'],
  }),
  rt('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, { shortNames: ['pdb'], subresources: ['status'] }),
  rt('rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false),
  rt('rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false),
  rt('rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true),
  rt('rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true),
  rt('coordination.k8s.io', 'v1', 'Lease', 'leases', true),
  rt('discovery.k8s.io', 'v1', 'EndpointSlice', 'endpointslices', true),
  rt('networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, { shortNames: ['ing'], subresources: ['status'] }),
  rt('networking.k8s.io', 'v1', 'IngressClass', 'ingressclasses', false),
  rt('storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, { shortNames: ['sc'] }),
];

/** "apps/v1" or "v1" for the core group. */
export function apiVersionOf(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The URL path of a collection or an object: /api/v1/namespaces/ns/pods[/name[/sub]]. */
export function resourcePath(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** "pods" or "deployments.apps": how upstream names a resource in messages. */
export function qualifiedResource(r: Pick<ResourceType, 'group' | 'resource'>): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

/** Look up by plural, singular, short name, kind, or "plural.group" (case-insensitive), as kubectl resolves names. */
export function findResource(name: string): ResourceType | undefined {
  const n = name.toLowerCase();
  const dot = n.indexOf('.');
  if (dot > 0) {
    const [base, group] = [n.slice(0, dot), n.slice(dot + 1)];
    return RESOURCES.find((r) => r.group === group && matchesName(r, base));
  }
  return RESOURCES.find((r) => matchesName(r, n));
}

function matchesName(r: ResourceType, n: string): boolean {
  return r.resource === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n);
}

/** The resource that serves objects of this apiVersion and kind. */
export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCES.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
}

/** Named handles for the resources controllers use most, e.g. `R.pods`. */
export const R = {
  namespaces: must('', 'namespaces'),
  pods: must('', 'pods'),
  services: must('', 'services'),
  endpoints: must('', 'endpoints'),
  nodes: must('', 'nodes'),
  configmaps: must('', 'configmaps'),
  secrets: must('', 'secrets'),
  events: must('', 'events'),
  serviceaccounts: must('', 'serviceaccounts'),
  persistentvolumes: must('', 'persistentvolumes'),
  persistentvolumeclaims: must('', 'persistentvolumeclaims'),
  resourcequotas: must('', 'resourcequotas'),
  limitranges: must('', 'limitranges'),
  replicationcontrollers: must('', 'replicationcontrollers'),
  deployments: must('apps', 'deployments'),
  replicasets: must('apps', 'replicasets'),
  daemonsets: must('apps', 'daemonsets'),
  statefulsets: must('apps', 'statefulsets'),
  controllerrevisions: must('apps', 'controllerrevisions'),
  jobs: must('batch', 'jobs'),
  cronjobs: must('batch', 'cronjobs'),
  horizontalpodautoscalers: must('autoscaling', 'horizontalpodautoscalers'),
  poddisruptionbudgets: must('policy', 'poddisruptionbudgets'),
  leases: must('coordination.k8s.io', 'leases'),
  clusterroles: must('rbac.authorization.k8s.io', 'clusterroles'),
  endpointslices: must('discovery.k8s.io', 'endpointslices'),
  ingresses: must('networking.k8s.io', 'ingresses'),
  ingressclasses: must('networking.k8s.io', 'ingressclasses'),
  storageclasses: must('storage.k8s.io', 'storageclasses'),
} as const;

function must(group: string, resource: string): ResourceType {
  const r = RESOURCES.find((x) => x.group === group && x.resource === resource);
  if (!r) throw new Error(`resource ${resource}.${group} missing from the registry`);
  return r;
}
