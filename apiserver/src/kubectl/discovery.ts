// API discovery for kubectl/client-go (kubectl-compat.md §2): legacy documents (/api, /apis,
// /api/v1, /apis/<g>/<v>) and aggregated discovery (apidiscovery.k8s.io v2/v2beta1), both built
// from the resource registry.
import { apiVersionOf, type ResourceType } from '@minik8s/shared';

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

interface SubresourceInfo {
  kind: Gvk | ((r: ResourceType) => Gvk);
  verbs: string[];
}

const self = (r: ResourceType): Gvk => ({ group: r.group, version: r.version, kind: r.kind });

/** What each subresource returns and allows, as upstream registers them. */
const SUBRESOURCES: Record<string, SubresourceInfo> = {
  status: { kind: self, verbs: ['get', 'patch', 'update'] },
  scale: { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
  binding: { kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] },
  eviction: { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] },
  log: { kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
  exec: { kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
  attach: { kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
  portforward: { kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
  finalize: { kind: self, verbs: ['update'] },
  token: { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] },
};

function subresourceGvk(r: ResourceType, sub: string): Gvk {
  const info = SUBRESOURCES[sub];
  if (!info) return self(r);
  return typeof info.kind === 'function' ? info.kind(r) : info.kind;
}

const subVerbs = (sub: string) => SUBRESOURCES[sub]?.verbs ?? ['get'];

export interface GroupVersion {
  group: string;
  version: string;
}

/** Group-versions served, core first, in registry order. */
export function groupVersions(resources: readonly ResourceType[]): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of resources) {
    const key = apiVersionOf(r);
    if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
  }
  return [...seen.values()].sort((a, b) => (a.group === '' ? -1 : b.group === '' ? 1 : 0));
}

const inGv = (resources: readonly ResourceType[], gv: GroupVersion) => resources.filter((r) => r.group === gv.group && r.version === gv.version);

// --- legacy -----------------------------------------------------------------------------------

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(resources: readonly ResourceType[]) {
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
export function apiResourceList(resources: readonly ResourceType[], gv: GroupVersion) {
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
      out.push({ ...s, kind: k.kind, verbs: subVerbs(sub) });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(gv), resources: out };
}

// --- aggregated ---------------------------------------------------------------------------------

export type AggregatedVersion = 'v2' | 'v2beta1';

/**
 * The aggregated-discovery version the Accept header asks for. client-go recognises the answer by
 * its Content-Type only, so we must send it only when asked (kubectl-compat.md §2.3).
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

function discoveryResource(r: ResourceType) {
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
    entry.subresources = r.subresources.map((sub) => ({ subresource: sub, responseKind: subresourceGvk(r, sub), verbs: subVerbs(sub) }));
  }
  return entry;
}

/** APIGroupDiscoveryList for the core group (`core: true`, /api) or the named groups (/apis). */
export function aggregatedDiscovery(resources: readonly ResourceType[], core: boolean, v: AggregatedVersion = 'v2') {
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
