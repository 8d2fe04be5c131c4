// Discovery documents as an apiserver serving the shared registry would answer them (aggregated), and a
// Ctx whose discovery resolves against them, for unit tests of argument parsing.
import type { Ctx } from '../src/context';
import { fromAggregated, preferredTypes, resolveName, resourceTypes, type AggregatedList, type DiscoveryDocs } from '../src/discovery';
import { RESOURCES, type ResourceType } from '../src/shared';

export function aggregatedOf(resources: readonly ResourceType[], core: boolean): AggregatedList {
  const groups = new Map<string, Map<string, ResourceType[]>>();
  for (const r of resources) {
    if ((r.group === '') !== core) continue;
    const g = groups.get(r.group) ?? new Map<string, ResourceType[]>();
    g.set(r.version, [...(g.get(r.version) ?? []), r]);
    groups.set(r.group, g);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    items: [...groups].map(([name, versions]) => ({
      metadata: name ? { name } : {},
      versions: [...versions].map(([version, rs]) => ({
        version,
        resources: rs.map((r) => ({
          resource: r.resource,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: r.verbs,
          shortNames: r.shortNames,
          categories: r.categories,
          subresources: r.subresources.map((s) => ({ subresource: s, responseKind: { group: r.group, version: r.version, kind: r.kind }, verbs: ['get'] })),
        })),
      })),
    })),
  };
}

export function docsOf(resources: readonly ResourceType[] = RESOURCES): DiscoveryDocs {
  return fromAggregated(aggregatedOf(resources, true), aggregatedOf(resources, false));
}

export function discoveryCtx(resources: readonly ResourceType[] = RESOURCES): Ctx {
  const docs = docsOf(resources);
  const types = resourceTypes(docs);
  const discovery = {
    all: async () => types,
    refresh: async () => types,
    preferred: async () => preferredTypes(types, docs),
    resolve: async (n: string) => resolveName(types, n),
    forKind: async (apiVersion: string, kind: string) => types.find((r) => (r.group ? `${r.group}/${r.version}` : r.version) === apiVersion && r.kind === kind),
  };
  return { discovery, namespace: 'default', namespaceExplicit: false } as unknown as Ctx;
}
