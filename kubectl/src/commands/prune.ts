// apply --prune, as kubectl v1.32: the legacy mode (-l/--all with --prune-allowlist: objects apply created,
// matching the selector, of the allowlisted kinds, in the namespaces applied to, not applied this time, are
// deleted) and ApplySets (KUBECTL_APPLYSET=true, --applyset: a parent Secret/ConfigMap records the member
// group-kinds and namespaces, members carry the part-of label; members left out are deleted).
import { createHash } from 'node:crypto';
import { listObjects } from '../api';
import { kindPrefix } from '../args';
import type { Ctx } from '../context';
import type { DryRun } from './create';
import { CliError } from '../errors';
import { klogLine } from '../klog';
import type { Manifest } from '../manifests';
import { ApiError, apiVersionOf, isNotFound, resourcePath, type KubeObject, type ResourceType } from '../shared';

export const APPLYSET_ID = 'applyset.kubernetes.io/id';
export const APPLYSET_PART_OF = 'applyset.kubernetes.io/part-of';
export const APPLYSET_TOOLING = 'applyset.kubernetes.io/tooling';
export const APPLYSET_GKS = 'applyset.kubernetes.io/contains-group-kinds';
export const APPLYSET_GRS = 'applyset.kubernetes.io/contains-group-resources';
export const APPLYSET_NAMESPACES = 'applyset.kubernetes.io/additional-namespaces';
/** kubectl's field manager for the parent: `<tool>-applyset`. */
export const APPLYSET_MANAGER = 'kubectl-applyset';

/** What kubectl prunes in the legacy mode when no --prune-allowlist is given: [group, version, kind]. */
export const DEFAULT_PRUNE_ALLOWLIST: readonly (readonly [string, string, string])[] = [
  ['', 'v1', 'ConfigMap'],
  ['', 'v1', 'Endpoints'],
  ['', 'v1', 'Namespace'],
  ['', 'v1', 'PersistentVolumeClaim'],
  ['', 'v1', 'PersistentVolume'],
  ['', 'v1', 'Pod'],
  ['', 'v1', 'ReplicationController'],
  ['', 'v1', 'Secret'],
  ['', 'v1', 'Service'],
  ['batch', 'v1', 'Job'],
  ['batch', 'v1', 'CronJob'],
  ['networking.k8s.io', 'v1', 'Ingress'],
  ['apps', 'v1', 'DaemonSet'],
  ['apps', 'v1', 'Deployment'],
  ['apps', 'v1', 'ReplicaSet'],
  ['apps', 'v1', 'StatefulSet'],
];

/** `group/version/Kind` (`core` for the core group) → [group, version, kind]; kubectl's message otherwise. */
export function parseAllowlistEntry(s: string): [string, string, string] {
  const parts = s.split('/');
  if (parts.length !== 3 || parts.some((p) => p === ''))
    throw new CliError(`invalid GroupVersionKind format: ${s}, please follow <group/version/kind>`);
  return [parts[0] === 'core' ? '' : parts[0], parts[1], parts[2]];
}

/** The ApplySet id: base64url(sha256(NAME.NAMESPACE.KIND.GROUP)), framed so a label value starts and ends alphanumeric. */
export function applySetId(name: string, namespace: string, kind: string, group: string): string {
  const hash = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${hash}-v1`;
}

/** `Kind.group` (just `Kind` for the core group), the annotation's spelling. */
export const groupKindString = (group: string, kind: string) => (group ? `${kind}.${group}` : kind);

/** `Deployment.apps` → { kind, group }: the first dot splits, as apimachinery's ParseGroupKind. */
export function parseGroupKind(s: string): { group: string; kind: string } {
  const i = s.indexOf('.');
  return i < 0 ? { group: '', kind: s } : { kind: s.slice(0, i), group: s.slice(i + 1) };
}

/** A comma-separated annotation as a set ("" and absent: empty). */
export const splitList = (v: string | undefined) => new Set(v ? v.split(',') : []);

export const joinSorted = (s: Iterable<string>) => [...s].sort().join(',');

/** Identity of an applied object, to leave it alone when pruning. */
export const visitKey = (rt: ResourceType, ns: string | undefined, name: string) => `${rt.group}/${rt.kind}/${ns ?? ''}/${name}`;

export const dryRunSuffix = (d: DryRun) => (d === 'client' ? ' (dry run)' : d === 'server' ? ' (server dry run)' : '');

async function typeForGroupKind(ctx: Ctx, group: string, kind: string, version?: string): Promise<ResourceType | undefined> {
  return (await ctx.discovery.all()).find((r) => r.group === group && r.kind === kind && (!version || r.version === version));
}

/** Delete one object found for pruning and print `KIND/NAME pruned`. */
async function pruneOne(ctx: Ctx, rt: ResourceType, obj: KubeObject, dryRun: DryRun): Promise<void> {
  const name = obj.metadata.name ?? '';
  if (dryRun !== 'client') {
    try {
      await ctx.client.request('DELETE', resourcePath(rt, obj.metadata.namespace, name), {
        body: { propagationPolicy: 'Background' },
        query: dryRun === 'server' ? { dryRun: 'All' } : undefined,
      });
    } catch (e) {
      if (e instanceof ApiError && isNotFound(e)) return;
      throw e;
    }
  }
  process.stdout.write(`${kindPrefix(rt)}/${name} pruned${dryRunSuffix(dryRun)}\n`);
}

/** The kinds the legacy mode prunes: the --prune-allowlist entries, else kubectl's default list. */
export async function pruneTypes(ctx: Ctx, allowlist: string[] | undefined): Promise<ResourceType[]> {
  const entries = allowlist?.length ? allowlist.map(parseAllowlistEntry) : DEFAULT_PRUNE_ALLOWLIST;
  if (!allowlist?.length && ctx.namespaceExplicit)
    process.stderr.write(
      klogLine(
        'W',
        'prune.go:71',
        'Deprecated: kubectl apply will no longer prune non-namespaced resources by default when used with the --namespace flag in a future release. To preserve the current behaviour, list the resources you want to target explicitly in the --prune-allowlist flag.',
      ) + '\n',
    );
  const types: ResourceType[] = [];
  for (const [group, version, kind] of entries) {
    const rt = await typeForGroupKind(ctx, group, kind, version);
    if (!rt) throw new CliError(`no matches for kind "${kind}" in version "${group ? group + '/' : ''}${version}"`);
    types.push(rt);
  }
  return types;
}

/** The legacy mode: objects with the last-applied annotation, matching the selector, not visited. */
export async function pruneLegacy(
  ctx: Ctx,
  labelSelector: string | undefined,
  types: ResourceType[],
  visited: Set<string>,
  namespaces: Set<string>,
  dryRun: DryRun,
  lastApplied: string,
): Promise<void> {
  const sweep = async (rt: ResourceType, ns: string | undefined) => {
    for (const obj of (await listObjects(ctx, rt, ns, { labelSelector })).items) {
      if (obj.metadata.annotations?.[lastApplied] === undefined) continue;
      if (visited.has(visitKey(rt, obj.metadata.namespace, obj.metadata.name ?? ''))) continue;
      await pruneOne(ctx, rt, obj, dryRun);
    }
  };
  for (const ns of namespaces) for (const rt of types.filter((t) => t.namespaced)) await sweep(rt, ns);
  for (const rt of types.filter((t) => !t.namespaced)) await sweep(rt, undefined);
}

/** An ApplySet being applied: its parent, what it held when this run started, and what it will hold. */
export class ApplySet {
  readonly id: string;
  private currentKinds = new Set<string>();
  private currentNamespaces = new Set<string>();
  private readonly updatedKinds = new Set<string>();
  private readonly updatedNamespaces = new Set<string>();

  private constructor(
    private readonly ctx: Ctx,
    readonly parent: ResourceType,
    readonly name: string,
    readonly namespace: string,
    private readonly tooling: string,
  ) {
    this.id = applySetId(name, namespace, parent.kind, parent.group);
  }

  /** `[RESOURCE][.GROUP]/NAME` (a Secret by default); only Secrets and ConfigMaps can be parents here. */
  static async parse(ctx: Ctx, ref: string, tooling: string): Promise<ApplySet> {
    const slash = ref.indexOf('/');
    const [typeName, name] = slash < 0 ? ['secrets', ref] : [ref.slice(0, slash), ref.slice(slash + 1)];
    if (name === '') throw new CliError('invalid reference "' + ref + '": name cannot be blank');
    const rt = await ctx.discovery.resolve(typeName);
    if (!rt) throw new CliError(`invalid reference "${ref}": the server doesn't have a resource type "${typeName}"`);
    if (rt.group !== '' || !['secrets', 'configmaps'].includes(rt.resource))
      throw new CliError(`resource "${rt.group}/${rt.version}, Resource=${rt.resource}" is not permitted as an ApplySet parent`);
    return new ApplySet(ctx, rt, name, ctx.namespace, tooling);
  }

  private get ref(): string {
    return `${this.parent.resource}./${this.name}`;
  }

  /** The member label, added to every manifest before it is applied. */
  label(m: Manifest): void {
    const labels = { ...(m.obj.metadata.labels ?? {}) };
    if (APPLYSET_PART_OF in labels) throw new CliError(`ApplySet label "${APPLYSET_PART_OF}" already set in input data`);
    labels[APPLYSET_PART_OF] = this.id;
    m.obj.metadata.labels = labels;
  }

  /** Record an applied object's group-kind and namespace. */
  add(rt: ResourceType, ns: string | undefined): void {
    this.updatedKinds.add(groupKindString(rt.group, rt.kind));
    if (rt.namespaced && ns) this.updatedNamespaces.add(ns);
  }

  /** Read the live parent (absent: a new set) and check it belongs to this tool and id. */
  async fetch(): Promise<void> {
    let obj: KubeObject;
    try {
      obj = await this.ctx.client.request<KubeObject>('GET', resourcePath(this.parent, this.namespace, this.name));
    } catch (e) {
      if (isNotFound(e)) return;
      throw new CliError(`failed to fetch ApplySet parent object "${this.ref}": ${(e as Error).message}`, 1, { cause: e });
    }
    const annotations = obj.metadata.annotations ?? {};
    const tooling = annotations[APPLYSET_TOOLING];
    if (tooling === undefined)
      throw new CliError(`ApplySet parent object "${this.ref}" already exists and is missing required annotation "${APPLYSET_TOOLING}"`);
    const base = tooling.includes('/') ? tooling.slice(0, tooling.lastIndexOf('/')) : tooling;
    const mine = this.tooling.slice(0, this.tooling.lastIndexOf('/'));
    if (base !== mine)
      throw new CliError(`ApplySet parent object "${this.ref}" already exists and is managed by tooling "${base}" instead of "${mine}"`);
    const id = obj.metadata.labels?.[APPLYSET_ID];
    if (id === undefined) throw new CliError(`ApplySet parent object "${this.ref}" exists and does not have required label ${APPLYSET_ID}`);
    if (id !== this.id)
      throw new CliError(
        `ApplySet parent object "${this.ref}" exists and has incorrect value for label "${APPLYSET_ID}" (got: ${id}, want: ${this.id})`,
      );
    if (annotations[APPLYSET_GKS] !== undefined) this.currentKinds = splitList(annotations[APPLYSET_GKS]);
    else if (annotations[APPLYSET_GRS]) {
      for (const gr of splitList(annotations[APPLYSET_GRS])) {
        const rt = await this.ctx.discovery.resolve(gr);
        if (!rt) throw new CliError(`could not find kind for resource in "${APPLYSET_GRS}" annotation: ${gr}`);
        this.currentKinds.add(groupKindString(rt.group, rt.kind));
      }
    } else throw new CliError(`kubectl requires the "${APPLYSET_GKS}" annotation to be set on all ApplySet parent objects`);
    this.currentNamespaces = splitList(annotations[APPLYSET_NAMESPACES]);
    this.currentNamespaces.add(this.namespace);
  }

  /** Server-side apply the parent's labels and annotations (`superset`: before applying, so a failure leaks nothing). */
  async updateParent(superset: boolean, dryRun: DryRun): Promise<void> {
    if (dryRun === 'client') return;
    const kinds = superset ? new Set([...this.currentKinds, ...this.updatedKinds]) : this.updatedKinds;
    const nss = new Set(superset ? [...this.currentNamespaces, ...this.updatedNamespaces] : this.updatedNamespaces);
    nss.delete(this.namespace);
    const body = JSON.stringify({
      apiVersion: apiVersionOf(this.parent),
      kind: this.parent.kind,
      metadata: {
        name: this.name,
        namespace: this.namespace,
        annotations: { [APPLYSET_TOOLING]: this.tooling, [APPLYSET_GKS]: joinSorted(kinds), [APPLYSET_NAMESPACES]: joinSorted(nss) },
        labels: { [APPLYSET_ID]: this.id },
      },
    });
    const send = (force: boolean) =>
      this.ctx.client.request('PATCH', resourcePath(this.parent, this.namespace, this.name), {
        body,
        contentType: 'application/apply-patch+yaml',
        query: { fieldManager: APPLYSET_MANAGER, force: String(force), ...(dryRun === 'server' ? { dryRun: 'All' } : {}) },
      });
    try {
      try {
        await send(false);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 409)) throw e;
        await send(true);
      }
    } catch (e) {
      if (e instanceof ApiError) throw new CliError(`failed to update ApplySet: ${e.status.message ?? e.message}`, 1, { cause: e });
      throw e;
    }
  }

  /** Delete the members (by the part-of label, across the recorded group-kinds and namespaces) not applied now. */
  async prune(visited: Set<string>, dryRun: DryRun): Promise<void> {
    for (const gk of [...this.currentKinds].sort()) {
      const { group, kind } = parseGroupKind(gk);
      const rt = await typeForGroupKind(this.ctx, group, kind);
      if (!rt)
        throw new CliError(
          `could not find mapping for kind in "${APPLYSET_GKS}" annotation: no matches for kind "${kind}" in group "${group}"`,
        );
      for (const ns of rt.namespaced ? [...this.currentNamespaces].sort() : [undefined]) {
        for (const obj of (await listObjects(this.ctx, rt, ns, { labelSelector: `${APPLYSET_PART_OF}=${this.id}` })).items) {
          if (visited.has(visitKey(rt, obj.metadata.namespace, obj.metadata.name ?? ''))) continue;
          await pruneOne(this.ctx, rt, obj, dryRun);
        }
      }
    }
    try {
      await this.updateParent(false, dryRun);
    } catch (e) {
      throw new CliError(`apply and prune succeeded, but ApplySet update failed: ${(e as Error).message}`, 1, { cause: e });
    }
  }
}
