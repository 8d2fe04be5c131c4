// etcd key layout, as upstream: /registry/<resource>/<namespace>/<name> (cluster-scoped: no namespace).
import type { ResourceType } from '@minik8s/shared';

/** Upstream's historical key names where they differ from the resource name. */
const KEY_NAMES: Record<string, string> = {
  services: 'services/specs',
  endpoints: 'services/endpoints',
  nodes: 'minions',
  replicationcontrollers: 'controllers',
};

export function resourceKeyName(r: Pick<ResourceType, 'group' | 'resource'>): string {
  return (r.group === '' && KEY_NAMES[r.resource]) || r.resource;
}

/** Prefix of every object of a type (namespace given: of that namespace only); always ends in '/'. */
export function collectionPrefix(root: string, r: Pick<ResourceType, 'group' | 'resource' | 'namespaced'>, namespace?: string): string {
  const base = `${root.replace(/\/+$/, '')}/${resourceKeyName(r)}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(root: string, r: Pick<ResourceType, 'group' | 'resource' | 'namespaced'>, name: string, namespace?: string): string {
  return collectionPrefix(root, r, r.namespaced ? namespace : undefined) + name;
}
