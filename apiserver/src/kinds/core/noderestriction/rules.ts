// NodeRestriction's decisions (upstream's plugin/pkg/admission/noderestriction), pure: what a node identity
// may write once the Node authorizer let it through — only mirror pods bound to itself, the status of its
// own pods, evictions and deletions of its own pods, its own Node (no taint changes, no labels outside
// the kubelet's set), its own Lease, tokens bound to its own pods. `undefined`: allowed; else the reason.
import { podReferences, type core } from '@minik8s/shared';
import type { Obj } from '../../../registry/objects';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const NODE_RESTRICTION_LABEL_NAMESPACE = 'node-restriction.kubernetes.io';

/** The labels a kubelet sets itself (upstream's kubelet/apis well-known labels). */
const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'failure-domain.beta.kubernetes.io/region',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'kubernetes.io/os',
  'kubernetes.io/arch',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

export interface NodeRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE';
  /** group/resource, e.g. "pods", "coordination.k8s.io/leases". */
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  obj: Obj;
  old?: Obj;
}

/** What the decision needs read beforehand: the pod an eviction or token names, the node's uid. */
export interface NodeRequestContext {
  pod?: Obj;
  nodeUid?: string;
}

const labelNamespace = (key: string) => (key.includes('/') ? key.slice(0, key.indexOf('/')) : '');
const within = (ns: string, domain: string) => ns === domain || ns.endsWith('.' + domain);

function isKubeletLabel(key: string): boolean {
  return KUBELET_LABELS.has(key) || KUBELET_LABEL_NAMESPACES.some((d) => within(labelNamespace(key), d));
}

/** Labels a node may not set or change (node-restriction.kubernetes.io/*, other kubernetes.io and k8s.io labels). */
export function forbiddenNodeLabels(labels: Record<string, string> = {}, old: Record<string, string> = {}): string[] {
  const modified = new Set<string>();
  for (const [k, v] of Object.entries(labels)) if (old[k] !== v) modified.add(k);
  for (const [k, v] of Object.entries(old)) if (labels[k] !== v) modified.add(k);
  return [...modified]
    .filter((k) => {
      const ns = labelNamespace(k);
      if (within(ns, NODE_RESTRICTION_LABEL_NAMESPACE)) return true;
      return (within(ns, 'kubernetes.io') || within(ns, 'k8s.io')) && !isKubeletLabel(k);
    })
    .sort();
}

const sameJSON = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const sameLabels = (a: Record<string, string> = {}, b: Record<string, string> = {}) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

function mirrorPodCreate(node: string, pod: Obj, ctx: NodeRequestContext): string | undefined {
  if (!(MIRROR_POD_ANNOTATION in (pod.metadata?.annotations ?? {})))
    return `pod does not have "${MIRROR_POD_ANNOTATION}" annotation, node "${node}" can only create mirror pods`;
  if (pod.spec?.nodeName !== node) return `node "${node}" can only create pods with spec.nodeName set to itself`;
  const owners: Obj[] = pod.metadata?.ownerReferences ?? [];
  if (owners.length > 1) return `node "${node}" can only create pods with a single owner reference set to itself`;
  if (owners.length === 1) {
    const o = owners[0];
    if (o.apiVersion !== 'v1' || o.kind !== 'Node' || o.name !== node)
      return `node "${node}" can only create pods with an owner reference set to itself`;
    if (o.controller !== true) return `node "${node}" can only create pods with a controller owner reference set to itself`;
    if (o.blockOwnerDeletion === true) return `node "${node}" must not set blockOwnerDeletion on an owner reference`;
    if (o.uid !== ctx.nodeUid) return `node ${node} UID mismatch: expected ${o.uid} got ${ctx.nodeUid ?? ''}`;
  }
  const spec = pod.spec as core.PodSpec | undefined;
  const refs = podReferences(spec);
  if (spec?.serviceAccountName) return `node "${node}" can not create pods that reference a service account`;
  if (refs.secrets.length) return `node "${node}" can not create pods that reference secrets`;
  if (refs.configMaps.length) return `node "${node}" can not create pods that reference configmaps`;
  if (refs.persistentVolumeClaims.length) return `node "${node}" can not create pods that reference persistentvolumeclaims`;
  return undefined;
}

function pods(node: string, a: NodeRequest, ctx: NodeRequestContext): string | undefined {
  if (a.subresource === 'status') {
    if (a.operation !== 'UPDATE') return `unexpected operation "${a.operation}"`;
    if (a.old?.spec?.nodeName !== node) return `node "${node}" can only update pod status for pods with spec.nodeName set to itself`;
    if (!sameLabels(a.old?.metadata?.labels, a.obj.metadata?.labels)) return `node "${node}" cannot update labels through pod status`;
    return undefined;
  }
  if (a.subresource === 'eviction') {
    if (a.operation !== 'CREATE') return `unexpected operation ${a.operation}`;
    if (ctx.pod?.spec?.nodeName !== node) return `node ${node} can only evict pods with spec.nodeName set to itself`;
    return undefined;
  }
  if (a.subresource) return `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`;
  if (a.operation === 'CREATE') return mirrorPodCreate(node, a.obj, ctx);
  if (a.operation === 'DELETE')
    return a.old?.spec?.nodeName === node ? undefined : `node "${node}" can only delete pods with spec.nodeName set to itself`;
  return `unexpected operation "${a.operation}", node "${node}" can only create and delete mirror pods`;
}

function nodes(node: string, a: NodeRequest): string | undefined {
  if (a.operation === 'CREATE') {
    if (a.obj.spec?.configSource) return `node "${node}" is not allowed to create pods with a non-nil configSource`;
    const bad = forbiddenNodeLabels(a.obj.metadata?.labels);
    if (bad.length) return `node "${node}" is not allowed to set the following labels: ${bad.join(', ')}`;
  }
  if (a.name !== node) return `node "${node}" is not allowed to modify node "${a.name}"`;
  if (a.operation === 'UPDATE' && a.old) {
    if (a.obj.spec?.configSource && !sameJSON(a.obj.spec.configSource, a.old.spec?.configSource))
      return `node "${node}" is not allowed to update configSource to a new non-nil configSource`;
    if (!sameJSON(a.obj.spec?.taints, a.old.spec?.taints)) return `node "${node}" is not allowed to modify taints`;
    const bad = forbiddenNodeLabels(a.obj.metadata?.labels, a.old.metadata?.labels);
    if (bad.length) return `is not allowed to modify labels: ${bad.join(', ')}`;
  }
  return undefined;
}

function serviceAccountToken(node: string, a: NodeRequest, ctx: NodeRequestContext): string | undefined {
  if (a.operation !== 'CREATE' || a.subresource !== 'token') return undefined;
  const ref = a.obj.spec?.boundObjectRef;
  if (!ref || (ref.apiVersion ?? 'v1') !== 'v1' || ref.kind !== 'Pod' || !ref.name) return 'node requested token not bound to a pod';
  if (!ref.uid) return 'node requested token with a pod binding without a uid';
  if (!ctx.pod) return `pods "${ref.name}" not found`;
  if (ref.uid !== ctx.pod.metadata?.uid)
    return `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${ctx.pod.metadata?.uid}). The object might have been deleted and then recreated`;
  if (ctx.pod.spec?.nodeName !== node) return 'node requested token bound to a pod scheduled on a different node';
  return undefined;
}

function leases(node: string, a: NodeRequest): string | undefined {
  if (a.namespace !== 'kube-node-lease') return 'can only access leases in the "kube-node-lease" system namespace';
  const name = a.operation === 'CREATE' ? a.obj.metadata?.name : a.name;
  return name === node ? undefined : 'can only access node lease with the same name as the requesting node';
}

/** The reason `node` may not make request `a`, or undefined when it may. */
export function nodeRestriction(node: string, a: NodeRequest, ctx: NodeRequestContext = {}): string | undefined {
  switch (a.resource) {
    case 'pods':
      return pods(node, a, ctx);
    case 'nodes':
      return nodes(node, a);
    case 'persistentvolumeclaims':
      return a.subresource === 'status' ? undefined : 'may only update PVC status';
    case 'serviceaccounts':
      return serviceAccountToken(node, a, ctx);
    case 'coordination.k8s.io/leases':
      return leases(node, a);
    default:
      return undefined;
  }
}
