// The parts of @minik8s/shared mkctl uses, imported file by file: the package index also loads pino and
// prom-client, which would cost start-up time a CLI cannot afford.
export { ApiClient, type QueryValue, type RequestOptions } from '@minik8s/shared/dist/client/api-client';
export { ConnectionError } from '@minik8s/shared/dist/client/errors';
export { KubeconfigError, kubeconfigFiles, loadKubeconfig } from '@minik8s/shared/dist/client/kubeconfig';
export { ResourceClient } from '@minik8s/shared/dist/client/resource-client';
export { RESOURCES, apiVersionOf, findResource, qualifiedResource, resourceForKind, resourcePath, type ResourceType } from '@minik8s/shared/dist/api/resources';
export { ApiError, isNotFound, isAlreadyExists, isConflict, isGone, type Status } from '@minik8s/shared/dist/api/status';
export type { KubeObject, KubeList, WatchEvent } from '@minik8s/shared/dist/api/types';
