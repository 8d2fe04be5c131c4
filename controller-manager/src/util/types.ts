// API types with metadata required (kubernetes-types marks it optional; stored objects always have it).
import type { apps, core, coordination, discovery, policy, ObjectMeta } from '@minik8s/shared';

export type { Pod, Node } from '@minik8s/shared';

type WithMeta<T> = T & { metadata: ObjectMeta; [field: string]: unknown };

export type Service = WithMeta<core.Service>;
export type Endpoints = WithMeta<core.Endpoints>;
export type Namespace = WithMeta<core.Namespace>;
export type ServiceAccount = WithMeta<core.ServiceAccount>;
export type ReplicaSet = WithMeta<apps.ReplicaSet>;
export type Deployment = WithMeta<apps.Deployment>;
export type StatefulSet = WithMeta<apps.StatefulSet>;
export type ReplicationController = WithMeta<core.ReplicationController>;
export type Lease = WithMeta<coordination.Lease>;
export type EndpointSlice = WithMeta<discovery.EndpointSlice>;
export type PodDisruptionBudget = WithMeta<policy.PodDisruptionBudget>;
