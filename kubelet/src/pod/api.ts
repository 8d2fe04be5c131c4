// What the pod workers ask of the apiserver, as one narrow interface: the thin shell over the API
// client (and the kubelet's Service informer, as upstream's service lister) here, an in-memory one in
// unit tests.
import {
  NAMESPACE_INDEX,
  R,
  isNotFound,
  type ApiClient,
  type Claim,
  type core,
  type Informer,
  type KubeObject,
  type Node,
  type ResourceClient,
  type Volume,
} from '@minik8s/shared';
import type { ConfigMap, Pod, Secret, Service } from '../kinds';
import { TokenManager } from './tokens';

export interface PodApi {
  /** Merge-patch pods/status; the pod's new resourceVersion (undefined: the pod was deleted meanwhile). */
  patchStatus(pod: Pod, status: core.PodStatus): Promise<string | undefined>;
  /** The last step of a graceful deletion (grace 0, uid precondition); a pod already gone is no error. */
  confirmDeletion(pod: Pod): Promise<void>;
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  /** Services whose env vars pods of the namespace get: the namespace's own and default/kubernetes. */
  services(namespace: string): Service[];
  /** A token of the pod's ServiceAccount bound to the pod (TokenRequest), cached and renewed before it expires. */
  serviceAccountToken(pod: Pod, audience: string | undefined, expirationSeconds: number): Promise<string>;
  /** Drop what is cached for a pod that is gone (its tokens). */
  forgetPod(uid: string): void;
  /** What a persistentVolumeClaim volume resolves through: the claim, its volume, this node (for the volume's node affinity). */
  claim(namespace: string, name: string): Promise<Claim | undefined>;
  persistentVolume(name: string): Promise<Volume | undefined>;
  node(): Promise<Node | undefined>;
}

async function getOrUndefined<T extends KubeObject>(r: ResourceClient<T>, name: string, ns: string): Promise<T | undefined> {
  try {
    return await r.get(name, ns);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export function apiPodApi(client: ApiClient, services: Informer<Service>, nodeName: string): PodApi {
  const pods = client.resource<Pod>(R.pods);
  const tokens = new TokenManager(client);
  return {
    async patchStatus(pod, status) {
      try {
        return (await pods.patch(pod.metadata.name!, { status }, 'merge', { namespace: pod.metadata.namespace, subresource: 'status' }))
          .metadata.resourceVersion;
      } catch (e) {
        if (!isNotFound(e)) throw e;
        return undefined;
      }
    },
    async confirmDeletion(pod) {
      try {
        await pods.delete(pod.metadata.name!, {
          namespace: pod.metadata.namespace,
          gracePeriodSeconds: 0,
          preconditions: { uid: pod.metadata.uid },
        });
      } catch (e) {
        // Gone, or a new pod under the same name (precondition failed): nothing left to confirm.
        if (!isNotFound(e) && (e as { code?: number }).code !== 409) throw e;
      }
    },
    configMap: (ns, name) => getOrUndefined(client.resource<ConfigMap>(R.configmaps), name, ns),
    secret: (ns, name) => getOrUndefined(client.resource<Secret>(R.secrets), name, ns),
    claim: (ns, name) => getOrUndefined(client.resource<Claim>(R.persistentvolumeclaims), name, ns),
    persistentVolume: (name) => getOrUndefined(client.resource<Volume>(R.persistentvolumes), name, ''),
    node: () => getOrUndefined(client.resource<Node>(R.nodes), nodeName, ''),
    services(ns) {
      const own = services.store.byIndex(NAMESPACE_INDEX, ns);
      const master = ns === 'default' ? undefined : services.store.get('default/kubernetes');
      return master ? [...own, master] : own;
    },
    serviceAccountToken: (pod, audience, expirationSeconds) =>
      tokens.token({
        namespace: pod.metadata.namespace!,
        serviceAccount: pod.spec?.serviceAccountName || 'default',
        pod: { name: pod.metadata.name!, uid: pod.metadata.uid! },
        audience,
        expirationSeconds,
      }),
    forgetPod: (uid) => tokens.forget(uid),
  };
}
