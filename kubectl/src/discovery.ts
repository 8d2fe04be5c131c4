// Resource types as kubectl finds them: the server's discovery (aggregated `/api` + `/apis`, else the legacy
// documents), cached on disk in kubectl's own layout (~/.kube/cache/discovery/<host_port>/servergroups.json and
// <group>/<version>/serverresources.json, 6 hours), so a run reads a few small files instead of asking the
// server. A name that does not resolve against a cache this process did not write refetches once (client-go's
// CachedDiscoveryClient + DeferredDiscoveryRESTMapper). The pure parts (document conversion, name resolution)
// are exported for tests.
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiClient, ResourceType } from './shared';

export const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const TTL_MS = 6 * 60 * 60 * 1000;

export interface GroupVersionRef {
  groupVersion: string;
  version: string;
}
export interface ApiGroup {
  name: string;
  versions: GroupVersionRef[];
  preferredVersion?: GroupVersionRef;
}
export interface ApiGroupList {
  kind?: string;
  apiVersion?: string;
  groups: ApiGroup[];
}
export interface ApiResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}
export interface ApiResourceList {
  kind?: string;
  apiVersion?: string;
  groupVersion: string;
  resources: ApiResource[];
}

/** What discovery says: the groups (core first, each with its versions in preference order) and per group-version its resources. */
export interface DiscoveryDocs {
  groups: ApiGroupList;
  resources: Map<string, ApiResourceList>;
}

// ---- aggregated discovery (apidiscovery.k8s.io/v2) → the legacy shapes kubectl caches ------------------

interface Gvk {
  group?: string;
  version?: string;
  kind?: string;
}
interface AggSubresource {
  subresource: string;
  responseKind?: Gvk;
  verbs?: string[];
}
interface AggResource {
  resource: string;
  responseKind?: Gvk;
  scope: string;
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: AggSubresource[];
}
interface AggGroup {
  metadata?: { name?: string };
  versions?: { version: string; resources?: AggResource[] }[];
}
export interface AggregatedList {
  kind?: string;
  items?: AggGroup[];
}

export function isAggregated(contentType: string | undefined): boolean {
  const [base, ...params] = (contentType ?? '').split(';').map((s) => s.trim());
  if (base !== 'application/json') return false;
  const p = Object.fromEntries(params.map((x) => x.split('=').map((s) => s.trim())));
  return p.g === 'apidiscovery.k8s.io' && (p.v === 'v2' || p.v === 'v2beta1') && p.as === 'APIGroupDiscoveryList';
}

function apiResource(group: string, version: string, r: AggResource): ApiResource[] {
  const namespaced = r.scope === 'Namespaced';
  const kindGroup = r.responseKind?.group ?? group;
  const main: ApiResource = { name: r.resource, singularName: r.singularResource ?? '', namespaced, ...(kindGroup ? { group: kindGroup } : {}), version: r.responseKind?.version || version, kind: r.responseKind?.kind ?? '', verbs: r.verbs ?? [] };
  if (r.shortNames?.length) main.shortNames = r.shortNames;
  if (r.categories?.length) main.categories = r.categories;
  const out = [main];
  for (const s of r.subresources ?? []) {
    const g = s.responseKind?.group ?? '';
    out.push({ name: `${r.resource}/${s.subresource}`, singularName: r.singularResource ?? '', namespaced, ...(g ? { group: g } : {}), version: s.responseKind?.version ?? version, kind: s.responseKind?.kind ?? '', verbs: s.verbs ?? [] });
  }
  return out;
}

/** Merge the aggregated documents of /api and /apis into one DiscoveryDocs (core group first, as client-go lists it). */
export function fromAggregated(core: AggregatedList, named: AggregatedList): DiscoveryDocs {
  const groups: ApiGroup[] = [];
  const resources = new Map<string, ApiResourceList>();
  for (const g of [...(core.items ?? []), ...(named.items ?? [])]) {
    const name = g.metadata?.name ?? '';
    const versions: GroupVersionRef[] = [];
    for (const v of g.versions ?? []) {
      const gv = name ? `${name}/${v.version}` : v.version;
      versions.push({ groupVersion: gv, version: v.version });
      resources.set(gv, { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources: (v.resources ?? []).flatMap((r) => apiResource(name, v.version, r)) });
    }
    if (versions.length) groups.push({ name, versions, preferredVersion: versions[0] });
  }
  return { groups: { kind: 'APIGroupList', apiVersion: 'v1', groups }, resources };
}

// ---- resource types and name resolution (pure) --------------------------------------------------------

/** Every resource (no subresources) as a ResourceType, in kubectl's priority order: groups as listed, preferred version first. */
export function resourceTypes(docs: DiscoveryDocs): ResourceType[] {
  const out: ResourceType[] = [];
  for (const g of docs.groups.groups) {
    const versions = [...g.versions].sort((a, b) => (a.version === g.preferredVersion?.version ? -1 : b.version === g.preferredVersion?.version ? 1 : 0));
    for (const v of versions) {
      const list = docs.resources.get(v.groupVersion);
      if (!list) continue;
      const subs = new Map<string, string[]>();
      for (const r of list.resources) {
        const i = r.name.indexOf('/');
        if (i > 0) subs.set(r.name.slice(0, i), [...(subs.get(r.name.slice(0, i)) ?? []), r.name.slice(i + 1)]);
      }
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        out.push({
          group: g.name,
          version: v.version,
          kind: r.kind,
          listKind: `${r.kind}List`,
          resource: r.name,
          singular: r.singularName || r.kind.toLowerCase(),
          namespaced: r.namespaced,
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          subresources: subs.get(r.name) ?? [],
          verbs: r.verbs ?? [],
        });
      }
    }
  }
  return out;
}

/** Resources of each group's preferred version, plus those only another version serves (discovery.ServerPreferredResources). */
export function preferredTypes(types: readonly ResourceType[], docs: DiscoveryDocs): ResourceType[] {
  const preferred = new Map(docs.groups.groups.map((g) => [g.name, g.preferredVersion?.version ?? g.versions[0]?.version]));
  const seen = new Set<string>();
  const out: ResourceType[] = [];
  for (const pass of [true, false]) {
    for (const r of types) {
      if ((preferred.get(r.group) === r.version) !== pass) continue;
      const key = `${r.group}/${r.resource}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/**
 * Resolve a name as kubectl does: short names first (the shortcut expander), then plural, singular or kind;
 * `NAME.GROUP` and `NAME.VERSION.GROUP` narrow it. The first match in priority order wins.
 */
export function resolveName(types: readonly ResourceType[], name: string): ResourceType | undefined {
  const n = name.toLowerCase();
  const candidates: { base: string; group?: string; version?: string }[] = [{ base: n }];
  const dot = n.indexOf('.');
  if (dot > 0) {
    const base = n.slice(0, dot);
    const rest = n.slice(dot + 1);
    candidates.unshift({ base, group: rest });
    const dot2 = rest.indexOf('.');
    if (dot2 > 0) candidates.unshift({ base, version: rest.slice(0, dot2), group: rest.slice(dot2 + 1) });
  }
  for (const c of candidates) {
    const inScope = types.filter((r) => (c.group === undefined || r.group === c.group) && (c.version === undefined || r.version === c.version));
    const hit = inScope.find((r) => r.shortNames.includes(c.base)) ?? inScope.find((r) => r.resource === c.base || r.singular === c.base || r.kind.toLowerCase() === c.base);
    if (hit) return hit;
  }
  return undefined;
}

// ---- the disk cache -------------------------------------------------------------------------------------

/** kubectl's cache directory for a server: scheme dropped, every character but [\w/.()] made "_". */
export function cacheDirFor(parent: string, server: string): string {
  const host = server.replace('https://', '').replace('http://', '');
  return join(parent, host.replace(/[^(\w/.)]/g, '_'));
}

function readFresh(file: string, now: number): unknown {
  try {
    if (now - statSync(file).mtimeMs > TTL_MS) return undefined;
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The cached documents, when every file is there and younger than the TTL. */
export function readCache(dir: string, now = Date.now()): DiscoveryDocs | undefined {
  const groups = readFresh(join(dir, 'servergroups.json'), now) as ApiGroupList | undefined;
  if (!groups?.groups?.length) return undefined;
  const resources = new Map<string, ApiResourceList>();
  for (const g of groups.groups) {
    for (const v of g.versions ?? []) {
      const list = readFresh(join(dir, v.groupVersion, 'serverresources.json'), now) as ApiResourceList | undefined;
      if (!list?.resources) return undefined;
      resources.set(v.groupVersion, list);
    }
  }
  return { groups, resources };
}

function writeAtomic(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data) + '\n');
  chmodSync(tmp, 0o660); // past the umask, as kubectl
  renameSync(tmp, file);
}

/** Write in kubectl's layout (files 0660, directories 0750); a failure only costs the next run a fetch. */
export function writeCache(dir: string, docs: DiscoveryDocs): void {
  try {
    for (const [gv, list] of docs.resources) {
      if (!list.resources.length) continue;
      mkdirSync(join(dir, gv), { recursive: true, mode: 0o750 });
      writeAtomic(join(dir, gv, 'serverresources.json'), list);
    }
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    writeAtomic(join(dir, 'servergroups.json'), docs.groups);
  } catch {
    // a read-only or missing home: kubectl logs this at -v=1 and goes on
  }
}

// ---- fetching ---------------------------------------------------------------------------------------------

interface LegacyVersions {
  versions?: string[];
}

async function fetchLegacy(client: ApiClient, core: LegacyVersions, named: ApiGroupList): Promise<DiscoveryDocs> {
  const groups: ApiGroup[] = [];
  const coreVersions = (core.versions ?? []).map((v) => ({ groupVersion: v, version: v }));
  if (coreVersions.length) groups.push({ name: '', versions: coreVersions, preferredVersion: coreVersions[0] });
  groups.push(...(named.groups ?? []));
  const gvs = groups.flatMap((g) => g.versions.map((v) => v.groupVersion));
  const lists = await Promise.all(gvs.map((gv) => client.request<ApiResourceList>('GET', gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`).catch(() => undefined)));
  const resources = new Map<string, ApiResourceList>();
  gvs.forEach((gv, i) => resources.set(gv, lists[i] ?? { groupVersion: gv, resources: [] }));
  return { groups: { kind: 'APIGroupList', apiVersion: 'v1', groups }, resources };
}

/** /api and /apis, aggregated when the server answers so, else the legacy documents of every group-version. */
export async function fetchDiscovery(client: ApiClient): Promise<DiscoveryDocs> {
  const get = async (path: string) => {
    const res = await client.request('GET', path, { accept: AGGREGATED_ACCEPT, query: { timeout: '32s' }, stream: true });
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return { aggregated: isAggregated(res.headers['content-type']), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  };
  // An /api that answers 404 means "no core group" to client-go.
  const [core, named] = await Promise.all([get('/api').catch((e: { code?: number }) => (e.code === 404 ? { aggregated: true, body: {} } : Promise.reject(e))), get('/apis')]);
  if (core.aggregated && named.aggregated) return fromAggregated(core.body as AggregatedList, named.body as AggregatedList);
  return fetchLegacy(client, core.aggregated ? {} : (core.body as LegacyVersions), named.aggregated ? { groups: [] } : (named.body as ApiGroupList));
}

export class Discovery {
  private docs?: DiscoveryDocs;
  private types?: ResourceType[];
  /** Whether the documents in hand were fetched by this process (a miss then is final). */
  private fresh = false;

  constructor(
    private readonly client: ApiClient,
    /** Where this server's cache lives; undefined: no disk cache. */
    private readonly dir: string | undefined,
  ) {}

  private async load(refresh: boolean): Promise<void> {
    if (!refresh && this.docs) return;
    if (!refresh && this.dir) {
      const cached = readCache(this.dir);
      if (cached) {
        this.set(cached, false);
        return;
      }
    }
    const docs = await fetchDiscovery(this.client);
    if (this.dir) writeCache(this.dir, docs);
    this.set(docs, true);
  }

  private set(docs: DiscoveryDocs, fresh: boolean): void {
    this.docs = docs;
    this.types = resourceTypes(docs);
    this.fresh = fresh;
  }

  /** Every resource type served, in priority order (cache first). */
  async all(): Promise<ResourceType[]> {
    await this.load(false);
    return this.types!;
  }

  /** Fetch again, ignoring the disk cache (what `api-resources` does). */
  async refresh(): Promise<ResourceType[]> {
    await this.load(true);
    return this.types!;
  }

  /** The preferred-version view (`api-resources`). */
  async preferred(): Promise<ResourceType[]> {
    await this.load(false);
    return preferredTypes(this.types!, this.docs!);
  }

  /** Resolve `name`; on a miss against cached documents, fetch once and try again. */
  async resolve(name: string): Promise<ResourceType | undefined> {
    return this.retrying((types) => resolveName(types, name));
  }

  /** The resource serving objects of this apiVersion and kind. */
  async forKind(apiVersion: string, kind: string): Promise<ResourceType | undefined> {
    return this.retrying((types) => types.find((r) => (r.group ? `${r.group}/${r.version}` : r.version) === apiVersion && r.kind === kind));
  }

  private async retrying(find: (types: ResourceType[]) => ResourceType | undefined): Promise<ResourceType | undefined> {
    const hit = find(await this.all());
    if (hit || this.fresh) return hit;
    return find(await this.refresh());
  }
}
