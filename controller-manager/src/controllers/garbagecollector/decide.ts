// The garbage collector's decision for one dependent (upstream attemptToDeleteItem), pure.
import type { KubeObject, meta, ResourceType } from '@minik8s/shared';

export const CRDS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  resource: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  namespaced: false,
  shortNames: [],
  categories: [],
  subresources: ['status'],
  verbs: ['get', 'list', 'watch'],
};

interface CrdShape {
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string; listKind?: string; plural?: string; singular?: string };
    versions?: { name?: string; served?: boolean; storage?: boolean }[];
  };
  status?: { conditions?: { type?: string; status?: string }[] };
}

/** The resource an Established CRD serves, at its storage version (served), or undefined. */
export function customResourceType(crd: KubeObject): ResourceType | undefined {
  const { spec, status } = crd as KubeObject & CrdShape;
  if (!status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return undefined;
  const version = spec?.versions?.find((v) => v.storage && v.served) ?? spec?.versions?.find((v) => v.served);
  const names = spec?.names;
  if (!spec?.group || !version?.name || !names?.kind || !names.plural) return undefined;
  return {
    group: spec.group,
    version: version.name,
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    shortNames: [],
    categories: [],
    subresources: [],
    verbs: ['delete', 'get', 'list', 'patch', 'watch'],
  };
}

export type OwnerState = 'exists' | 'absent' | 'waiting';

export type DependentAction =
  { kind: 'none' } | { kind: 'removeRefs'; uids: string[] } | { kind: 'delete'; policy: 'Background' | 'Foreground' };

/**
 * solid owners (exist, not deleting in the foreground) keep the object: dangling and waiting refs are
 * removed; with no solid owner it is deleted — in the foreground when an owner waits on its dependents.
 */
export function decideDependent(refs: meta.OwnerReference[], state: (ref: meta.OwnerReference) => OwnerState): DependentAction {
  if (refs.length === 0) return { kind: 'none' };
  const solid: string[] = [],
    dangling: string[] = [],
    waiting: string[] = [];
  for (const r of refs) {
    const s = state(r);
    (s === 'exists' ? solid : s === 'absent' ? dangling : waiting).push(r.uid);
  }
  if (solid.length > 0) {
    const drop = [...dangling, ...waiting];
    return drop.length ? { kind: 'removeRefs', uids: drop } : { kind: 'none' };
  }
  return { kind: 'delete', policy: waiting.length > 0 ? 'Foreground' : 'Background' };
}
