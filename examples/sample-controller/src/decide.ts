// The sample-controller's decisions, pure: the Foo kind, the Deployment a Foo wants, who owns a
// Deployment, and the Foo's status read off its Deployment.
import type { KubeObject, ResourceType, apps, meta } from '@minik8s/shared';

export const GROUP = 'samplecontroller.k8s.io';
export const VERSION = 'v1alpha1';

export const FOOS: ResourceType = {
  group: GROUP,
  version: VERSION,
  kind: 'Foo',
  listKind: 'FooList',
  resource: 'foos',
  singular: 'foo',
  namespaced: true,
  shortNames: [],
  categories: [],
  subresources: ['status'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
};

export interface Foo extends KubeObject {
  spec?: { deploymentName?: string; replicas?: number };
  status?: { availableReplicas?: number };
}

export type Deployment = KubeObject & apps.Deployment;

/** What the Pods run: upstream's nginx:latest unless the operator is told otherwise (no registry here). */
export interface PodTemplate {
  image: string;
  command?: string[];
}

/** Upstream's event reasons and messages. */
export const SUCCESS_SYNCED = 'Synced';
export const ERR_RESOURCE_EXISTS = 'ErrResourceExists';
export const MESSAGE_RESOURCE_SYNCED = 'Foo synced successfully';
export const messageResourceExists = (name: string) => `Resource "${name}" already exists and is not managed by Foo`;

/** The ownerReference that makes the Foo the Deployment's controller (metav1.NewControllerRef). */
function controllerRef(foo: Foo): meta.OwnerReference {
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Foo',
    name: foo.metadata.name!,
    uid: foo.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The Deployment a Foo wants (upstream's newDeployment). */
export function newDeployment(foo: Foo, pod: PodTemplate): Deployment {
  const labels = { app: 'nginx', controller: foo.metadata.name! };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: foo.spec!.deploymentName!, namespace: foo.metadata.namespace, ownerReferences: [controllerRef(foo)] },
    spec: {
      replicas: foo.spec?.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'nginx', image: pod.image, ...(pod.command?.length ? { command: pod.command } : {}) }] },
      },
    },
  };
}

/** The controlling ownerReference of an object, if any (metav1.GetControllerOf). */
export function controllerOf(obj: KubeObject): meta.OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** The Foo (namespace/name) controlling this Deployment, or undefined when a Foo does not own it. */
export function fooKeyOf(d: KubeObject): string | undefined {
  const ref = controllerOf(d);
  if (!ref || ref.kind !== 'Foo' || ref.apiVersion.split('/')[0] !== GROUP) return undefined;
  return `${d.metadata.namespace}/${ref.name}`;
}

export const isControlledBy = (d: KubeObject, foo: Foo) => controllerOf(d)?.uid === foo.metadata.uid;

/** The replica count to set on the Deployment, when the Foo asks for another. */
export function replicasToSet(foo: Foo, d: Deployment): number | undefined {
  const want = foo.spec?.replicas;
  return want !== undefined && want !== d.spec?.replicas ? want : undefined;
}

/** The Foo's status from its Deployment's, or undefined when it already says so. */
export function statusToWrite(foo: Foo, d: Deployment): Foo['status'] | undefined {
  const available = d.status?.availableReplicas ?? 0;
  return foo.status?.availableReplicas === available ? undefined : { ...foo.status, availableReplicas: available };
}
