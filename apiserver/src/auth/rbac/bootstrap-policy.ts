// Upstream's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): the cluster roles and
// bindings every cluster starts with, for users (cluster-admin; admin, edit and view aggregated from the
// system:aggregate-to-* roles), the discovery and public-info paths, and each component's identity.
import type { Obj } from '../../registry/objects';
import { NODE_RULES } from '../node-authorizer';
import type { PolicyRule } from './rules';

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const BOOTSTRAP_LABEL = 'kubernetes.io/bootstrapping';
const GROUP = 'rbac.authorization.k8s.io';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_WRITE = [...READ, ...WRITE];
const READ_UPDATE = ['get', 'list', 'watch', 'update', 'patch'];

const rule = (verbs: string[], apiGroups: string[], resources: string[], resourceNames?: string[]): PolicyRule => ({
  verbs,
  apiGroups,
  resources,
  ...(resourceNames ? { resourceNames } : {}),
});
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });
const events = rule(['create', 'update', 'patch'], ['', 'events.k8s.io'], ['events']);

interface RoleSpec {
  name: string;
  rules: PolicyRule[];
  labels?: Record<string, string>;
  aggregateFrom?: string;
}

const aggregateLabel = (to: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

/** The union of what minik8s's controllers need: they run under the one kube-controller-manager identity. */
const CONTROLLER_MANAGER: PolicyRule[] = [
  events,
  rule(['create'], ['coordination.k8s.io'], ['leases']),
  rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
  // the garbage collector and the namespace and quota controllers read, patch and delete every kind
  rule(['get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'], ['*'], ['*']),
  // what the controllers create
  rule(
    ['create'],
    [''],
    [
      'pods',
      'pods/eviction',
      'endpoints',
      'configmaps',
      'secrets',
      'serviceaccounts',
      'serviceaccounts/token',
      'persistentvolumes',
      // a StatefulSet's volumeClaimTemplates
      'persistentvolumeclaims',
    ],
  ),
  rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
  rule(['create'], ['batch'], ['jobs']),
  rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
  // clusterrole-aggregation writes rules it does not hold itself
  rule(['escalate'], [GROUP], ['clusterroles']),
];

const ROLES: RoleSpec[] = [
  { name: 'cluster-admin', rules: [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  {
    name: 'system:discovery',
    rules: [
      urls(
        ['get'],
        ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'],
      ),
    ],
  },
  {
    name: 'system:monitoring',
    rules: [urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*'])],
  },
  {
    name: 'system:basic-user',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
    ],
  },
  { name: 'system:public-info-viewer', rules: [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])] },
  { name: 'admin', rules: [], aggregateFrom: 'admin' },
  { name: 'edit', rules: [], aggregateFrom: 'edit', labels: aggregateLabel('admin') },
  { name: 'view', rules: [], aggregateFrom: 'view', labels: aggregateLabel('edit') },
  {
    name: 'system:aggregate-to-admin',
    labels: aggregateLabel('admin'),
    rules: [
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(READ_WRITE, [GROUP], ['roles', 'rolebindings']),
    ],
  },
  {
    name: 'system:aggregate-to-edit',
    labels: aggregateLabel('edit'),
    rules: [
      rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
      rule(['impersonate'], [''], ['serviceaccounts']),
      rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
      rule(['create'], [''], ['pods/eviction']),
      rule(
        WRITE,
        [''],
        [
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/proxy',
          'persistentvolumeclaims',
          'configmaps',
          'secrets',
          'events',
        ],
      ),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(
        WRITE,
        ['apps'],
        [
          'statefulsets',
          'statefulsets/scale',
          'daemonsets',
          'deployments',
          'deployments/scale',
          'deployments/rollback',
          'replicasets',
          'replicasets/scale',
        ],
      ),
      rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
      rule(
        WRITE,
        ['extensions'],
        [
          'daemonsets',
          'deployments',
          'deployments/scale',
          'deployments/rollback',
          'ingresses',
          'replicasets',
          'replicasets/scale',
          'replicationcontrollers/scale',
          'networkpolicies',
        ],
      ),
      rule(WRITE, ['policy'], ['poddisruptionbudgets']),
      rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
      rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
    ],
  },
  {
    name: 'system:aggregate-to-view',
    labels: aggregateLabel('view'),
    rules: [
      rule(
        READ,
        [''],
        [
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'configmaps',
        ],
      ),
      rule(
        READ,
        [''],
        [
          'limitranges',
          'resourcequotas',
          'bindings',
          'events',
          'pods/status',
          'resourcequotas/status',
          'namespaces/status',
          'replicationcontrollers/status',
          'pods/log',
        ],
      ),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['discovery.k8s.io'], ['endpointslices']),
      rule(
        READ,
        ['apps'],
        [
          'controllerrevisions',
          'statefulsets',
          'statefulsets/status',
          'statefulsets/scale',
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/status',
          'deployments/scale',
          'replicasets',
          'replicasets/status',
          'replicasets/scale',
        ],
      ),
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
      rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
      rule(
        READ,
        ['extensions'],
        [
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'ingresses',
          'ingresses/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'replicationcontrollers/scale',
          'networkpolicies',
        ],
      ),
      rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
      rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
    ],
  },
  // the rules the Node authorizer applies to every node (upstream's NodeRules)
  { name: 'system:node', rules: NODE_RULES.map((r) => ({ ...r })) },
  {
    name: 'system:node-proxier',
    rules: [
      rule(['list', 'watch'], [''], ['services', 'endpoints']),
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      events,
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ],
  },
  {
    name: 'system:kube-scheduler',
    rules: [
      events,
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(READ, [''], ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], [''], ['pods']),
      rule(['create'], [''], ['pods/binding', 'bindings']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['services', 'replicationcontrollers']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(READ, ['storage.k8s.io'], ['csinodes']),
      rule(READ, [''], ['namespaces']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ],
  },
  {
    name: 'system:volume-scheduler',
    rules: [
      rule(READ_UPDATE, [''], ['persistentvolumes']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule(READ_UPDATE, [''], ['persistentvolumeclaims']),
    ],
  },
  { name: 'system:kube-controller-manager', rules: CONTROLLER_MANAGER },
  { name: 'system:kube-dns', rules: [rule(['list', 'watch'], [''], ['endpoints', 'services'])] },
  {
    name: 'system:auth-delegator',
    rules: [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ],
  },
  {
    name: 'system:node-bootstrapper',
    rules: [rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests'])],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [
      rule(['get', 'list', 'watch'], [''], ['nodes']),
      rule(['proxy'], [''], ['nodes']),
      rule(['*'], [''], ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ],
  },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [
      urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
    ],
  },
];

export type SubjectSpec = [kind: 'User' | 'Group' | 'ServiceAccount', name: string, namespace?: string];

/** A ClusterRoleBinding: its name, its ClusterRole (default: the same name), its subjects. */
export type BindingSpec = [name: string, subjects: SubjectSpec[], role?: string];

const BINDINGS: BindingSpec[] = [
  ['cluster-admin', [['Group', 'system:masters']]],
  ['system:monitoring', [['Group', 'system:monitoring']]],
  ['system:discovery', [['Group', 'system:authenticated']]],
  ['system:basic-user', [['Group', 'system:authenticated']]],
  [
    'system:public-info-viewer',
    [
      ['Group', 'system:authenticated'],
      ['Group', 'system:unauthenticated'],
    ],
  ],
  ['system:node-proxier', [['User', 'system:kube-proxy']]],
  ['system:kube-controller-manager', [['User', 'system:kube-controller-manager']]],
  ['system:kube-dns', [['ServiceAccount', 'kube-dns', 'kube-system']]],
  ['system:kube-scheduler', [['User', 'system:kube-scheduler']]],
  ['system:volume-scheduler', [['User', 'system:kube-scheduler']]],
  // nodes are authorized by the Node authorizer (the same rules, limited to their own objects)
  ['system:node', []],
  ['system:service-account-issuer-discovery', [['Group', 'system:serviceaccounts']]],
];

const meta = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { [BOOTSTRAP_LABEL]: 'rbac-defaults', ...labels },
  annotations: { [AUTOUPDATE_ANNOTATION]: 'true' },
});

/** The bootstrap ClusterRoles, as objects. */
export function bootstrapClusterRoles(): Obj[] {
  return ROLES.map((r) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: meta(r.name, r.labels),
    ...(r.aggregateFrom
      ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: aggregateLabel(r.aggregateFrom) }] }, rules: [] }
      : { rules: r.rules }),
  }));
}

/** The bootstrap ClusterRoleBindings and the apiserver's own (`extra`), as objects. */
export function bootstrapClusterRoleBindings(extra: BindingSpec[] = []): Obj[] {
  return [...BINDINGS, ...extra].map(([name, subjects, role = name]) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta(name),
    roleRef: { apiGroup: GROUP, kind: 'ClusterRole', name: role },
    subjects: subjects.map(([kind, n, namespace]) =>
      kind === 'ServiceAccount' ? { kind, name: n, namespace } : { kind, apiGroup: GROUP, name: n },
    ),
  }));
}
