// API object types as the shared clients want them (kubernetes-types shapes + the generic KubeObject).
import type { core, coordination, KubeObject } from '@minik8s/shared';

export type { Node, Pod } from '@minik8s/shared';
export type Service = core.Service & KubeObject;
export type ConfigMap = core.ConfigMap & KubeObject;
export type Secret = core.Secret & KubeObject;
export type Lease = Omit<coordination.Lease, 'apiVersion' | 'kind'> & KubeObject;
