// The API client and the API vocabulary without the logging, metrics and informer machinery the
// package root also loads (pino, prom-client): @minik8s/shared/client, for programs that must start fast.
export * from '../api/resources';
export * from '../api/types';
export * from '../api/status';
export * from './api-client';
export * from './resource-client';
export * from './kubeconfig';
export * from './credentials';
export * from './errors';
export * from './lines';
export * from './warnings';
