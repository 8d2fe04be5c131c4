// etcd key layout, as upstream: /registry/<key name>/<namespace>/<name> (cluster-scoped: no namespace).
// The key name is the resource's plural unless its kind keeps an upstream historical one.

export interface KeyScope {
  /** The key segment of the kind's objects: its plural, or an upstream historical name. */
  keyName: string;
  namespaced: boolean;
}

/** Prefix of every object of a type (namespace given: of that namespace only); always ends in '/'. */
export function collectionPrefix(root: string, r: KeyScope, namespace?: string): string {
  const base = `${root.replace(/\/+$/, '')}/${r.keyName}/`;
  return r.namespaced && namespace ? `${base}${namespace}/` : base;
}

export function objectKey(root: string, r: KeyScope, name: string, namespace?: string): string {
  return collectionPrefix(root, r, r.namespaced ? namespace : undefined) + name;
}
