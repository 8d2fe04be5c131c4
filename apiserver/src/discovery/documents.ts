// API discovery documents for kubectl/client-go: legacy (/api, /apis, /api/v1,
// /apis/<g>/<v>) and aggregated (apidiscovery.k8s.io v2/v2beta1), built from the served kinds (and the
// entries of groups served beside them, such as metrics.k8s.io).
import { apiVersionOf, type ResourceType } from '@minik8s/shared';
import type { ResourceStrategy } from '../registry/strategy';

/** A discovery entry: a served kind, or a plain resource of a group served beside them. */
export type Discoverable = ResourceType & { strategy?: ResourceStrategy };

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

const self = (r: Discoverable): Gvk => ({ group: r.group, version: r.version, kind: r.kind });

/** What a subresource returns (the kind itself unless the kind says otherwise) and allows. */
function subresourceGvk(r: Discoverable, sub: string): Gvk {
  return (sub !== 'status' && r.strategy?.subresources?.[sub]?.responseKind) || self(r);
}

/** The verbs a subresource allows (status: get, patch, update). */
export function subVerbs(r: Discoverable, sub: string): string[] {
  if (sub === 'status') return ['get', 'patch', 'update'];
  return [...(r.strategy?.subresources?.[sub]?.verbs ?? ['get'])];
}

export interface GroupVersion {
  group: string;
  version: string;
}

/** Group-versions served, core first, in registry order. */
export function groupVersions(resources: readonly Discoverable[]): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of resources) {
    const key = apiVersionOf(r);
    if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
  }
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
}

const inGv = (resources: readonly Discoverable[], gv: GroupVersion) => resources.filter((r) => r.group === gv.group && r.version === gv.version);

// --- legacy -----------------------------------------------------------------------------------

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(resources: readonly Discoverable[]) {
  const groups = new Map<string, string[]>();
  for (const gv of groupVersions(resources)) {
    if (!gv.group) continue;
    groups.set(gv.group, [...(groups.get(gv.group) ?? []), gv.version]);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/** APIResourceList for one group-version, or undefined when it is not served. */
export function apiResourceList(resources: readonly Discoverable[], gv: GroupVersion) {
  const rs = inGv(resources, gv);
  if (!rs.length) return undefined;
  const out: Record<string, unknown>[] = [];
  for (const r of rs) {
    const entry: Record<string, unknown> = { name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs };
    if (r.shortNames.length) entry.shortNames = r.shortNames;
    if (r.categories.length) entry.categories = r.categories;
    out.push(entry);
    for (const sub of r.subresources) {
      const k = subresourceGvk(r, sub);
      const s: Record<string, unknown> = { name: `${r.resource}/${sub}`, singularName: '', namespaced: r.namespaced };
      if (k.group !== r.group || k.version !== r.version) Object.assign(s, { group: k.group, version: k.version });
      out.push({ ...s, kind: k.kind, verbs: subVerbs(r, sub) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(gv), resources: out };
}

// --- aggregated ---------------------------------------------------------------------------------

export type AggregatedVersion = 'v2' | 'v2beta1';

/**
 * The aggregated-discovery version the Accept header asks for. client-go recognises the answer by
 * its Content-Type only, so we must send it only when asked.
 */
export function aggregatedRequested(accept: string | undefined): AggregatedVersion | undefined {
  for (const entry of (accept ?? '').split(',')) {
    const [type, ...rawParams] = entry.split(';').map((s) => s.trim());
    const params = Object.fromEntries(rawParams.map((p) => p.split('=').map((s) => s.trim())));
    if (type !== 'application/json') continue;
    if (params.g === 'apidiscovery.k8s.io' && params.as === 'APIGroupDiscoveryList' && (params.v === 'v2' || params.v === 'v2beta1')) return params.v;
    if (!params.as) return undefined;
  }
  return undefined;
}

export const aggregatedContentType = (v: AggregatedVersion) => `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`;

function discoveryResource(r: Discoverable) {
  const entry: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: r.verbs,
  };
  if (r.shortNames.length) entry.shortNames = r.shortNames;
  if (r.categories.length) entry.categories = r.categories;
  if (r.subresources.length) {
    entry.subresources = r.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceGvk(r, sub), verbs: subVerbs(r, sub) }));
  }
  return entry;
}

/** APIGroupDiscoveryList for the core group (`core: true`, /api) or the named groups (/apis). */
export function aggregatedDiscovery(resources: readonly Discoverable[], core: boolean, v: AggregatedVersion = 'v2') {
  const byGroup = new Map<string, GroupVersion[]>();
  for (const gv of groupVersions(resources)) {
    if ((gv.group === '') !== core) continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv]);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${v}`,
    metadata: {},
    items: [...byGroup].map(([group, gvs]) => ({
      metadata: group ? { name: group, creationTimestamp: null } : { creationTimestamp: null },
      versions: gvs.map((gv) => ({ version: gv.version, resources: inGv(resources, gv).map(discoveryResource), freshness: 'Current' })),
    })),
  };
}
