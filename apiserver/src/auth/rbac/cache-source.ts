// The RBAC policy's source: the apiserver's watch caches of the four RBAC kinds (their current objects;
// their revisions say when the index must be rebuilt).
import type { Registry } from '../../registry/registry';
import type { RbacResource, RbacSource } from './policy';

const RBAC_KINDS: readonly RbacResource[] = ['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];
const GROUP = 'rbac.authorization.k8s.io';

export function watchCacheSource(registry: () => Registry): RbacSource {
  const cache = (resource: RbacResource) => {
    const reg = registry();
    return reg.caches.get(reg.resource({ group: GROUP, resource }));
  };
  return {
    version: () => RBAC_KINDS.map((r) => cache(r)?.rev ?? -1).join(','),
    objects: (r) => cache(r)?.state.values() ?? [],
  };
}
