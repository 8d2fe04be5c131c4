// API object types. The detailed shapes come from the types-only `kubernetes-types` package;
// this module re-exports the ones used across components and adds the generic object shape.
import type { ObjectMeta, ListMeta } from 'kubernetes-types/meta/v1';

export type * as core from 'kubernetes-types/core/v1';
export type * as apps from 'kubernetes-types/apps/v1';
export type * as batch from 'kubernetes-types/batch/v1';
export type * as coordination from 'kubernetes-types/coordination/v1';
export type * as discovery from 'kubernetes-types/discovery/v1';
export type * as autoscaling from 'kubernetes-types/autoscaling/v2';
export type * as policy from 'kubernetes-types/policy/v1';
export type * as networking from 'kubernetes-types/networking/v1';
export type * as rbac from 'kubernetes-types/rbac/v1';
export type * as storage from 'kubernetes-types/storage/v1';
export type * as meta from 'kubernetes-types/meta/v1';
export type { ObjectMeta, ListMeta };

/** Any API object: what the apiserver stores and every client handles generically. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** The cache key client-go uses: "namespace/name", or "name" for cluster-scoped objects. */
export function objectKey(o: { metadata?: ObjectMeta }): string {
  const m = o.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : `${m.name}`;
}

/** Split a key made by objectKey. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
