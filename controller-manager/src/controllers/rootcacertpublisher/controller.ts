// root-ca-cert-publisher (upstream's): the ConfigMap kube-root-ca.crt in every active namespace holds the
// cluster's root CA (--root-ca-file, else the CA of the controller-manager's kubeconfig), so a pod's
// projected kube-api-access volume can give it ca.crt to verify the apiserver. Edits and deletions are
// put back.
import { isAlreadyExists, isNotFound, R, type KubeObject } from '@minik8s/shared';
import { Controller, type ControllerContext } from '../../controller';
import type { Namespace } from '../../util/types';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

type ConfigMap = KubeObject & { data?: Record<string, string> };

/** The ConfigMap as it should be (pure). */
export function rootCaConfigMap(namespace: string, ca: string): ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { 'kubernetes.io/description': DESCRIPTION } },
    data: { 'ca.crt': ca },
  };
}

export class RootCaCertPublisher extends Controller {
  private readonly namespaces;
  private readonly configMaps;

  constructor(
    ctx: ControllerContext,
    private readonly ca: string,
    workers: number,
  ) {
    super('root-ca-cert-publisher', ctx, workers);
    this.namespaces = ctx.factory.informer<Namespace>(R.namespaces);
    this.configMaps = ctx.factory.informer<ConfigMap>(R.configmaps);
    this.namespaces.addEventHandler({ onAdd: (n) => this.enqueue(n.metadata.name!), onUpdate: (_o, n) => this.enqueue(n.metadata.name!) });
    const mine = (cm: ConfigMap) => cm.metadata.name === ROOT_CA_CONFIGMAP && this.enqueue(cm.metadata.namespace!);
    this.configMaps.addEventHandler({ onUpdate: (_o, cm) => mine(cm), onDelete: mine });
  }

  protected async reconcile(ns: string): Promise<void> {
    const n = this.namespaces.store.get(ns);
    if (!n || n.metadata.deletionTimestamp || n.status?.phase === 'Terminating') return;
    const cm = this.configMaps.store.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const want = rootCaConfigMap(ns, this.ca);
    const cms = this.ctx.client.resource<ConfigMap>(R.configmaps);
    try {
      if (!cm) await cms.create(want, { namespace: ns });
      else if (cm.data?.['ca.crt'] !== this.ca || Object.keys(cm.data ?? {}).length !== 1)
        await cms.update({
          ...cm,
          data: want.data,
          metadata: { ...cm.metadata, annotations: { ...cm.metadata.annotations, ...want.metadata.annotations } },
        });
    } catch (e) {
      // cache lag (already there), or the namespace went away meanwhile
      if (!isAlreadyExists(e) && !isNotFound(e)) throw e;
    }
  }
}
