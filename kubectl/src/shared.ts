// The parts of @minik8s/shared mkctl uses, from its lean `client` entry: the package root also loads
// pino and prom-client, which would cost start-up time a CLI cannot afford.
export {
  ApiClient, ApiError, ConnectionError, KubeconfigError, RESOURCES, ResourceClient,
  apiVersionOf, findResource, isAlreadyExists, isConflict, isGone, isNotFound, kubeconfigFiles, loadKubeconfig, qualifiedResource, resourceForKind, resourcePath,
  type KubeList, type KubeObject, type QueryValue, type RequestOptions, type ResourceType, type Status, type WatchEvent,
} from '@minik8s/shared/client';
