// The Node authorizer (--authorization-mode Node, upstream's plugin/pkg/auth/authorizer/node): for a
// kubelet's identity (user system:node:<name> in group system:nodes) only. Secrets, configmaps, PVCs,
// PVs and ServiceAccount tokens are allowed only along the graph (a pod bound to the node names them);
// the node's Lease only by its own name; the rest from the node rules below. Anything else — and any
// other user — gets no opinion, so the next mode (RBAC) decides.
import { registerAuthorizerMode } from './authorizer';
import { NodeGraph, type VertexKind } from './node-graph';
import type { Attributes, AuthorizationResult, Authorizer, ResourceRule, UserInfo } from './types';

export const NODE_USER_PREFIX = 'system:node:';
export const NODES_GROUP = 'system:nodes';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const READ = ['get', 'list', 'watch'];
const rule = (verbs: string[], apiGroups: string[], resources: string[]): ResourceRule => ({ verbs, apiGroups, resources });

/** What every node may do whatever the graph says (upstream's bootstrap NodeRules). */
export const NODE_RULES: readonly ResourceRule[] = [
  rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
  rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(READ, [''], ['services']),
  rule(['create', 'get', 'list', 'watch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['update', 'patch'], [''], ['nodes']),
  rule(['create', 'update', 'patch'], [''], ['events']),
  rule(READ, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['create'], [''], ['pods/eviction']),
  rule(['get', 'list', 'watch'], [''], ['secrets', 'configmaps']),
  rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
  rule(['get'], [''], ['endpoints']),
  rule(['create', 'get', 'list', 'watch'], ['certificates.k8s.io'], ['certificatesigningrequests']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
  rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'update', 'patch'], [''], ['persistentvolumeclaims/status']),
  rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
  rule(READ, ['storage.k8s.io'], ['csidrivers']),
  rule(READ, ['node.k8s.io'], ['runtimeclasses']),
];

const matches = (values: readonly string[], v: string) => values.includes('*') || values.includes(v);

/** Does one of `rules` allow the request (rbac's RulesAllow for resource requests)? */
export function rulesAllow(rules: readonly ResourceRule[], a: Attributes): boolean {
  if (!a.isResourceRequest) return false;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return rules.some(
    (r) =>
      matches(r.verbs, a.verb) &&
      matches(r.apiGroups, a.apiGroup) &&
      matches(r.resources, resource) &&
      (!r.resourceNames?.length || r.resourceNames.includes(a.name)),
  );
}

/** The node a user is (upstream's NodeIdentifier): its name ('' for a malformed one), undefined for a non-node. */
export function nodeIdentity(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.name.slice(NODE_USER_PREFIX.length);
}

const allow: AuthorizationResult = { decision: 'allow', reason: '' };
const noOpinion = (reason: string): AuthorizationResult => ({ decision: 'no-opinion', reason });

export function authorizeNode(graph: NodeGraph, a: Attributes): AuthorizationResult {
  const node = nodeIdentity(a.user);
  if (node === undefined) return noOpinion('');
  if (!node) return noOpinion(`unknown node for user ${JSON.stringify(a.user.name)}`);
  const path = (kind: VertexKind, namespace: string): AuthorizationResult =>
    graph.hasPath(node, kind, namespace, a.name) ? allow : noOpinion(`no relationship found between node '${node}' and this object`);
  if (a.isResourceRequest && a.apiGroup === '') {
    switch (a.resource) {
      case 'secrets':
      case 'configmaps': {
        if (!READ.includes(a.verb)) return noOpinion('can only read resources of this type');
        if (!a.name) return noOpinion('can only read individual resources of this type');
        if (a.subresource) return noOpinion('cannot read subresource');
        if (!a.namespace) return noOpinion('can only read namespaced object of this type');
        return path(a.resource === 'secrets' ? 'secret' : 'configmap', a.namespace);
      }
      case 'persistentvolumeclaims':
        if (a.subresource === 'status') {
          if (!['get', 'update', 'patch'].includes(a.verb)) return noOpinion('can only get/update/patch this type');
          return path('pvc', a.namespace);
        }
        return getAlongPath(a, () => path('pvc', a.namespace));
      case 'persistentvolumes':
        return getAlongPath(a, () => path('pv', ''));
      case 'serviceaccounts':
        if (a.verb !== 'create' || !a.name) return noOpinion('can only create tokens for individual service accounts');
        if (a.subresource !== 'token') return noOpinion('can only create token subresource of serviceaccount');
        return path('serviceaccount', a.namespace);
    }
  }
  if (a.isResourceRequest && a.apiGroup === 'coordination.k8s.io' && a.resource === 'leases') {
    if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
      return noOpinion('can only get, create, update, patch, or delete a node lease');
    if (a.namespace !== NODE_LEASE_NAMESPACE) return noOpinion(`can only access leases in the ${NODE_LEASE_NAMESPACE} namespace`);
    if (a.verb !== 'create' && a.name !== node) return noOpinion('can only access node lease with the same name as the requesting node');
    return allow;
  }
  return rulesAllow(NODE_RULES, a) ? allow : noOpinion('');
}

function getAlongPath(a: Attributes, decide: () => AuthorizationResult): AuthorizationResult {
  if (a.verb !== 'get' || !a.name) return noOpinion('can only get individual resources of this type');
  if (a.subresource) return noOpinion('cannot get subresource');
  return decide();
}

export function nodeAuthorizer(graph: NodeGraph): Authorizer {
  return {
    name: 'Node',
    authorize: (a) => authorizeNode(graph, a),
    // A node's permissions depend on the graph: they cannot be listed (as upstream).
    rulesFor: (user) =>
      nodeIdentity(user) === undefined
        ? { resourceRules: [], nonResourceRules: [], incomplete: false }
        : {
            resourceRules: [],
            nonResourceRules: [],
            incomplete: true,
            evaluationError: 'node authorizer does not support user rule resolution',
          },
  };
}

registerAuthorizerMode('Node', (deps) => {
  const graph = deps.nodeGraph;
  if (!(graph instanceof NodeGraph)) throw new Error('the Node authorization mode needs the apiserver node graph');
  return nodeAuthorizer(graph);
});
