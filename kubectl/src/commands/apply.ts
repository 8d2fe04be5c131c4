// apply (client-side, with the last-applied annotation and a three-way strategic merge patch, as kubectl;
// or --server-side: an apply patch, then kubectl's migration of client-side apply's managers; --dry-run;
// --prune in ./prune), create -f and replace -f.
import { createThreeWayMergePatch } from '@minik8s/shared/patch';
import { matchesLabels, parseLabelSelector } from '@minik8s/shared/rules';
import { findFieldsOwners, LAST_APPLIED_PATH, upgradeManagedFieldsPatch, type ManagedFieldsEntry } from '@minik8s/shared/ssa';
import { nsFor } from '../api';
import { kindPrefix } from '../args';
import type { Ctx } from '../context';
import { CliError, serverErrorLine, usageError } from '../errors';
import type { Manifest } from '../manifests';
import { CLIENT_VERSION } from './version';
import { dryRunOf, type DryRun } from './create';
import { manifestsFrom } from './kustomize';
import { ApplySet, dryRunSuffix, pruneLegacy, pruneTypes, visitKey } from './prune';
import { sortKeys } from '../print/yaml';
import { ApiError, isNotFound, resourcePath, type KubeObject } from '../shared';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

interface FileOptions {
  filename?: string[];
  recursive?: boolean;
  kustomize?: string;
  output?: string;
}

interface ApplyOptions extends FileOptions {
  serverSide?: boolean;
  forceConflicts?: boolean;
  fieldManager?: string;
  dryRun?: string | boolean;
  prune?: boolean;
  selector?: string;
  all?: boolean;
  pruneAllowlist?: string[];
  applyset?: string;
}

/** The namespace an object goes to: its own, else -n / the context's; a mismatch with -n is an error. */
export function targetNamespace(ctx: Ctx, m: Manifest): string | undefined {
  if (!m.rt.namespaced) return undefined;
  const own = m.obj.metadata.namespace;
  if (own && ctx.namespaceExplicit && own !== ctx.namespace) {
    throw new CliError(
      `the namespace from the provided object "${own}" does not match the namespace "${ctx.namespace}". You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  return own ?? ctx.namespace;
}

/** What kubectl stores in the annotation: the manifest without that annotation, as sorted JSON plus a newline. */
export function lastAppliedValue(obj: KubeObject): string {
  const copy = structuredClone(obj);
  const annots = { ...(copy.metadata.annotations ?? {}) };
  delete annots[LAST_APPLIED];
  copy.metadata.annotations = annots; // kept even when empty, as kubectl records it
  return JSON.stringify(sortKeys(copy)) + '\n';
}

/** The manifest with its last-applied annotation set (what apply creates, and the "modified" of the patch). */
export function withLastApplied(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj);
  copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [LAST_APPLIED]: lastAppliedValue(obj) };
  return copy;
}

function label(m: Manifest, name: string): string {
  return `${kindPrefix(m.rt)}/${name}`;
}

async function eachManifest(
  ctx: Ctx,
  o: FileOptions,
  fn: (m: Manifest, ns: string | undefined) => Promise<void>,
  given?: Manifest[],
): Promise<number> {
  const manifests = given ?? (await manifestsFrom(ctx, o));
  let rc = 0;
  for (const m of manifests) {
    try {
      await fn(m, targetNamespace(ctx, m));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      rc = 1;
    }
  }
  return rc;
}

function fail(e: unknown, what: string, source: string): never {
  if (e instanceof ApiError) process.stderr.write(serverErrorLine(e, `error when ${what} "${source}"`) + '\n');
  throw e;
}

/** kubectl's checks of the apply flags, in its order. */
function validate(o: ApplyOptions, dryRun: DryRun): void {
  if (o.forceConflicts && !o.serverSide) throw new CliError('--force-conflicts only works with --server-side');
  if (dryRun === 'client' && o.serverSide)
    throw new CliError("--dry-run=client doesn't work with --server-side (did you mean --dry-run=server instead?)");
  if (o.all && o.selector) throw new CliError('cannot set --all and --selector at the same time');
  if (o.applyset !== undefined && !o.prune) throw new CliError('--applyset requires --prune');
  if (!o.prune) return;
  if (o.applyset !== undefined) {
    if (o.all) throw new CliError('--all is incompatible with --applyset');
    if (o.selector) throw new CliError('--selector is incompatible with --applyset');
    if (o.pruneAllowlist?.length) throw new CliError('--prune-allowlist is incompatible with --applyset');
    return;
  }
  if (!o.all && !o.selector)
    throw new CliError(
      'all resources selected for prune without explicitly passing --all. To prune all resources, pass the --all flag. If you did not mean to prune all resources, specify a label selector',
    );
  if (o.serverSide) throw new CliError("--prune is in alpha and doesn't currently work on objects created by server-side apply");
}

export async function apply(ctx: Ctx, o: ApplyOptions): Promise<number> {
  if (o.applyset !== undefined && process.env.KUBECTL_APPLYSET !== 'true') throw usageError('unknown flag: --applyset', 'apply');
  const dryRun = dryRunOf(o.dryRun);
  validate(o, dryRun);
  const allowlist = o.prune && o.applyset === undefined ? await pruneTypes(ctx, o.pruneAllowlist) : [];
  const set = o.applyset !== undefined ? await ApplySet.parse(ctx, o.applyset, `kubectl/${CLIENT_VERSION.gitVersion}`) : undefined;
  const manifests = withSelector(await manifestsFrom(ctx, o), o.selector);
  const visited = new Set<string>();
  const namespaces = new Set<string>();
  for (const m of manifests) {
    const ns = targetNamespace(ctx, m);
    set?.label(m);
    set?.add(m.rt, ns);
    if (ns) namespaces.add(ns);
  }
  if (set) {
    await set.fetch();
    await set.updateParent(true, dryRun);
  }
  const rc = await applyEach(ctx, o, manifests, dryRun, visited);
  // As kubectl, nothing is pruned after a failed apply (an ApplySet parent keeps the superset).
  if (rc !== 0) return rc;
  if (set) await set.prune(visited, dryRun);
  else if (o.prune) await pruneLegacy(ctx, o.all ? undefined : o.selector, allowlist, visited, namespaces, dryRun, LAST_APPLIED);
  return rc;
}

/** kubectl's builder applies only the manifests that match -l. */
function withSelector(manifests: Manifest[], selector: string | undefined): Manifest[] {
  if (!selector) return manifests;
  let sel;
  try {
    sel = parseLabelSelector(selector);
  } catch (e) {
    throw new CliError((e as Error).message, 1, { cause: e });
  }
  const kept = manifests.filter((m) => matchesLabels(sel, m.obj.metadata.labels ?? {}));
  if (kept.length === 0) throw new CliError('no objects passed to apply');
  return kept;
}

async function applyEach(ctx: Ctx, o: ApplyOptions, manifests: Manifest[], dryRun: DryRun, visited: Set<string>): Promise<number> {
  const suffix = dryRunSuffix(dryRun);
  const dry = dryRun === 'server' ? { dryRun: 'All' } : {};
  return eachManifest(
    ctx,
    o,
    async (m, ns) => {
      const name = m.obj.metadata.name;
      if (!name) {
        if (m.obj.metadata.generateName) throw new CliError(`from ${m.obj.metadata.generateName}: cannot use generate name with apply`);
        throw new CliError(`error when retrieving current configuration of: resource name may not be empty`);
      }
      // kubectl's builder sets the default namespace on the object before it is recorded.
      if (ns) m.obj.metadata.namespace = ns;
      visited.add(visitKey(m.rt, ns, name));
      if (o.serverSide) return serverSideApply(ctx, m, ns, name, o.fieldManager ?? SSA_MANAGER, !!o.forceConflicts, dryRun);
      const manager = o.fieldManager ?? 'kubectl-client-side-apply';
      const modified = withLastApplied(m.obj);
      let live: KubeObject | undefined;
      try {
        live = await ctx.client.request<KubeObject>('GET', resourcePath(m.rt, ns, name));
      } catch (e) {
        if (!isNotFound(e)) fail(e, 'retrieving current configuration of', m.source);
      }
      if (!live) {
        if (dryRun !== 'client') {
          try {
            await ctx.client.request('POST', resourcePath(m.rt, ns), {
              body: modified,
              query: { fieldManager: manager, fieldValidation: 'Strict', ...dry },
            });
          } catch (e) {
            fail(e, 'creating', m.source);
          }
        }
        process.stdout.write(`${label(m, name)} created${suffix}\n`);
        return;
      }
      // kubectl computes no patch under --dry-run=client: an existing object always reads "configured".
      if (dryRun === 'client') {
        process.stdout.write(`${label(m, name)} configured${suffix}\n`);
        return;
      }
      const originalText = live.metadata.annotations?.[LAST_APPLIED];
      if (originalText === undefined) {
        process.stderr.write(
          `Warning: resource ${m.rt.resource}/${name} is missing the ${LAST_APPLIED} annotation which is required by mkctl apply. mkctl apply should only be used on resources created declaratively by either mkctl create --save-config or mkctl apply. The missing annotation will be patched automatically.\n`,
        );
      }
      let original: KubeObject | undefined;
      try {
        original = originalText ? (JSON.parse(originalText) as KubeObject) : undefined;
      } catch {
        original = undefined;
      }
      const patch = createThreeWayMergePatch(original, modified, live);
      if (Object.keys(patch).length === 0) {
        process.stdout.write(`${label(m, name)} unchanged${suffix}\n`);
        return;
      }
      try {
        await ctx.client.request('PATCH', resourcePath(m.rt, ns, name), {
          body: JSON.stringify(patch),
          contentType: 'application/strategic-merge-patch+json',
          query: { fieldManager: manager, fieldValidation: 'Strict', ...dry },
        });
      } catch (e) {
        if (e instanceof ApiError && e.reason !== 'Invalid') {
          process.stderr.write(
            serverErrorLine(
              e,
              `error when applying patch:\n${JSON.stringify(patch)}\nto:\nResource: "${m.rt.group ? m.rt.group + '/' : ''}${m.rt.version}, Resource=${m.rt.resource}", GroupVersionKind: "${m.obj.apiVersion}, Kind=${m.obj.kind}"\nName: "${name}", Namespace: "${ns ?? ''}"\nfor: "${m.source}"`,
            ) + '\n',
          );
          throw e;
        }
        fail(e, 'patching', m.source);
      }
      process.stdout.write(`${label(m, name)} configured${suffix}\n`);
    },
    manifests,
  );
}

/** kubectl's manager names: server-side apply's default, and the one that carries a kept last-applied annotation. */
const SSA_MANAGER = 'kubectl';
const LAST_APPLIED_MANAGER = 'kubectl-last-applied';

const CONFLICT_HELP = `Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the \`--force-conflicts\` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts`;

type Managed = KubeObject & { metadata: { managedFields?: ManagedFieldsEntry[] } };

/**
 * apply --server-side: the manifest as an apply patch (created when absent, 409 on conflicts unless forced);
 * then, as kubectl, a kept last-applied annotation gets its own Apply owner, and the client-side apply
 * managers' fields move to this manager (a JSON patch with the resourceVersion as precondition) followed by
 * the same apply again, so fields the manifest dropped are pruned.
 */
async function serverSideApply(
  ctx: Ctx,
  m: Manifest,
  ns: string | undefined,
  name: string,
  manager: string,
  force: boolean,
  dryRun: DryRun,
): Promise<void> {
  const path = resourcePath(m.rt, ns, name);
  const dry = dryRun === 'server' ? { dryRun: 'All' } : {};
  const patch = (body: string, contentType: string, fieldManager?: string) =>
    ctx.client.request<Managed>('PATCH', path, {
      body,
      contentType,
      query: fieldManager ? { fieldManager, fieldValidation: 'Strict', ...(force ? { force: 'true' } : {}), ...dry } : dry,
    });
  const data = JSON.stringify(m.obj);
  let obj: Managed;
  try {
    obj = await patch(data, 'application/apply-patch+yaml', manager);
  } catch (e) {
    if (e instanceof ApiError && e.code === 409) {
      process.stderr.write(`error: ${e.status.message ?? ''}\n${CONFLICT_HELP}\n`);
      throw e;
    }
    fail(e, 'patching', m.source);
  }
  if (dryRun === 'server') {
    process.stdout.write(`${label(m, name)} serverside-applied (server dry run)\n`);
    return;
  }
  try {
    obj = await keepLastApplied(ctx, m, path, obj, manager);
  } catch (e) {
    process.stderr.write(
      `Warning: failed to migrate kubectl.kubernetes.io/last-applied-configuration for Server-Side Apply. This is non-fatal and will be retried next time you apply. Error: ${(e as Error).message}\n`,
    );
  }
  const csa = new Set(findFieldsOwners(obj.metadata.managedFields, 'Update', LAST_APPLIED_PATH).map((e) => e.manager ?? ''));
  let migrated = false;
  for (let i = 0; i < 5 && csa.size; i++) {
    const upgrade = upgradeManagedFieldsPatch(obj, csa, manager);
    if (!upgrade) break;
    try {
      obj = await patch(upgrade, 'application/json-patch+json');
      migrated = true;
      break;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) {
        process.stderr.write(
          `Warning: server rejected managed fields migration to Server-Side Apply. This is non-fatal and will be retried next time you apply. Error: ${(e as Error).message}\n`,
        );
        break;
      }
      obj = await ctx.client.request<Managed>('GET', path);
    }
  }
  if (migrated) {
    try {
      await patch(data, 'application/apply-patch+yaml', manager);
    } catch (e) {
      process.stderr.write(
        `Warning: failed to re-apply configuration after performing Server-Side Apply migration. This is non-fatal and will be retried next time you apply. Error: ${(e as Error).message}\n`,
      );
    }
  }
  process.stdout.write(`${label(m, name)} serverside-applied\n`);
}

/** kubectl's saveLastApplyAnnotationIfNecessary: an annotation left by client-side apply keeps an Apply owner of its own. */
async function keepLastApplied(ctx: Ctx, m: Manifest, path: string, obj: Managed, manager: string): Promise<Managed> {
  const annotation = obj.metadata.annotations?.[LAST_APPLIED];
  if (manager !== SSA_MANAGER || annotation === undefined) return obj;
  if (findFieldsOwners(obj.metadata.managedFields, 'Apply', LAST_APPLIED_PATH).length) return obj;
  const just = {
    apiVersion: m.obj.apiVersion,
    kind: m.obj.kind,
    metadata: {
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      annotations: { [LAST_APPLIED]: annotation },
    },
  };
  return ctx.client.request<Managed>('PATCH', path, {
    body: JSON.stringify(just),
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: LAST_APPLIED_MANAGER, fieldValidation: 'Strict' },
  });
}

export async function create(ctx: Ctx, args: string[], o: FileOptions & { saveConfig?: boolean }): Promise<number> {
  if (args.length) throw usageError(`Unexpected args: [${args.join(' ')}]`, 'create');
  if (!o.filename?.length) throw new CliError('must specify one of -f and -k');
  return eachManifest(ctx, o, async (m, ns) => {
    const body = o.saveConfig ? withLastApplied(m.obj) : m.obj;
    let created: KubeObject;
    try {
      created = await ctx.client.request<KubeObject>('POST', resourcePath(m.rt, nsFor(m.rt, ns)), {
        body,
        query: { fieldManager: 'kubectl-create', fieldValidation: 'Strict' },
      });
    } catch (e) {
      fail(e, 'creating', m.source);
    }
    if (o.output === 'name') process.stdout.write(`${label(m, created.metadata.name ?? '')}\n`);
    else process.stdout.write(`${label(m, created.metadata.name ?? '')} created\n`);
  });
}

export async function replace(ctx: Ctx, o: FileOptions): Promise<number> {
  return eachManifest(ctx, o, async (m, ns) => {
    const name = m.obj.metadata.name;
    if (!name) throw new CliError(`error when replacing "${m.source}": resource name may not be empty`);
    try {
      await ctx.client.request('PUT', resourcePath(m.rt, nsFor(m.rt, ns), name), {
        body: m.obj,
        query: { fieldManager: 'kubectl-replace', fieldValidation: 'Strict' },
      });
    } catch (e) {
      fail(e, 'replacing', m.source);
    }
    process.stdout.write(`${label(m, name)} replaced\n`);
  });
}
