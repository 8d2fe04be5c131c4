// `create <kind> NAME ...`: kubectl's generators (src/create/generators.ts), then the create flow every one
// of them shares — --save-config, --dry-run=none|client|server, fieldManager/fieldValidation, and the
// printing (`kind.group/name created`, `-o name|yaml|json|jsonpath=`).
import { kindPrefix } from '../args';
import type { Ctx } from '../context';
import * as gen from '../create/generators';
import { envFileEntries, fileEntries, parseLiteralSource } from '../create/sources';
import { goJson } from '../create/gojson';
import { resolveName } from '../discovery';
import { parseDuration } from '../duration';
import { CliError, usageError } from '../errors';
import { KlogError } from '../klog';
import { executeTemplate } from '../print/jsonpath';
import { goIndentJson, toJson, toYaml } from '../print/yaml';
import { ApiError, resourcePath, type KubeObject, type ResourceType } from '../shared';
import { LAST_APPLIED } from './apply';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & Record<string, any>;

export interface CreateCommon {
  dryRun?: string | boolean;
  output?: string;
  saveConfig?: boolean;
  fieldManager?: string;
  validate?: string;
  /** Set by act(): the words after `--`. */
  afterDash?: string[];
}

/** The REST endpoint of each kind the generators build (kubectl posts through typed clients: no discovery). */
const ENDPOINTS: Record<string, [group: string, version: string, resource: string, namespaced: boolean]> = {
  Namespace: ['', 'v1', 'namespaces', false],
  ServiceAccount: ['', 'v1', 'serviceaccounts', true],
  ConfigMap: ['', 'v1', 'configmaps', true],
  Secret: ['', 'v1', 'secrets', true],
  Service: ['', 'v1', 'services', true],
  ResourceQuota: ['', 'v1', 'resourcequotas', true],
  Deployment: ['apps', 'v1', 'deployments', true],
  Job: ['batch', 'v1', 'jobs', true],
  CronJob: ['batch', 'v1', 'cronjobs', true],
  PodDisruptionBudget: ['policy', 'v1', 'poddisruptionbudgets', true],
  PriorityClass: ['scheduling.k8s.io', 'v1', 'priorityclasses', false],
  Ingress: ['networking.k8s.io', 'v1', 'ingresses', true],
  Role: [gen.RBAC_GROUP, 'v1', 'roles', true],
  ClusterRole: [gen.RBAC_GROUP, 'v1', 'clusterroles', false],
  RoleBinding: [gen.RBAC_GROUP, 'v1', 'rolebindings', true],
  ClusterRoleBinding: [gen.RBAC_GROUP, 'v1', 'clusterrolebindings', false],
};

export function endpointOf(kind: string): ResourceType {
  const [group, version, resource, namespaced] = ENDPOINTS[kind];
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    resource,
    singular: kind.toLowerCase(),
    namespaced,
    shortNames: [],
    categories: [],
    subresources: [],
    verbs: [],
  };
}

export type DryRun = 'none' | 'client' | 'server';

export function dryRunOf(v: string | boolean | undefined): DryRun {
  if (v === undefined || v === false || v === 'none') return 'none';
  if (v === 'client' || v === 'server') return v;
  if (v === true || v === 'unchanged')
    throw new CliError(`--dry-run flag without a value was specified. A value must be set: "none", "server", or "client".`);
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}

/** The -o printers of a created object; JSON of a generated object keeps Go's field order, as kubectl prints typed objects. */
export function printObject(obj: Obj, rt: ResourceType, output: string | undefined, suffix: string, generated: boolean): void {
  if (!output) process.stdout.write(`${kindPrefix(rt)}/${obj.metadata.name} ${suffix}\n`);
  else if (output === 'name') process.stdout.write(`${kindPrefix(rt)}/${obj.metadata.name}\n`);
  else if (output === 'yaml') process.stdout.write(toYaml(obj));
  else if (output === 'json') process.stdout.write(generated ? goIndentJson(obj) : toJson(obj));
  else if (output.startsWith('jsonpath=')) process.stdout.write(executeTemplate(output.slice('jsonpath='.length), obj));
  else
    throw new CliError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: json,jsonpath,jsonpath-as-json,name,yaml`,
    );
}

/** kubectl's CreateOrUpdateAnnotation: the object as JSON (Go's field order) in the last-applied annotation. */
function saveConfig(obj: Obj): void {
  const others: Record<string, string> = { ...(obj.metadata.annotations ?? {}) };
  delete others[LAST_APPLIED];
  const recorded = { ...obj, metadata: withAnnotations(obj.metadata, others) };
  obj.metadata = withAnnotations(obj.metadata, { ...others, [LAST_APPLIED]: goJson(recorded) + '\n' });
}

/** ObjectMeta with these annotations, in Go's field order (after labels, before ownerReferences). */
function withAnnotations(m: Obj['metadata'], annotations: Record<string, string>): Obj['metadata'] {
  const { annotations: _old, ownerReferences, ...rest } = m;
  return { ...rest, ...(Object.keys(annotations).length ? { annotations } : {}), ...(ownerReferences ? { ownerReferences } : {}) };
}

/** POST the generated object (unless --dry-run=client) and print it as kubectl does. `what`: kubectl's wrapping of server errors. */
export async function createGenerated(ctx: Ctx, obj: Obj, o: CreateCommon, what?: string): Promise<number> {
  const dry = dryRunOf(o.dryRun);
  const rt = endpointOf(obj.kind!);
  if (o.saveConfig) saveConfig(obj);
  let out = obj;
  if (dry !== 'client') {
    const ns = rt.namespaced ? ctx.namespace : undefined;
    try {
      out = await ctx.client.request<Obj>('POST', resourcePath(rt, ns), {
        body: withoutNulls(obj),
        query: {
          fieldManager: o.fieldManager ?? 'kubectl-create',
          fieldValidation: validation(o.validate),
          dryRun: dry === 'server' ? 'All' : undefined,
        },
      });
    } catch (e) {
      if (what && e instanceof ApiError) throw new CliError(`${what}: ${e.message}`, 1, { cause: e });
      throw e;
    }
  }
  printObject(
    dry === 'client' ? out : asTyped(out),
    rt,
    o.output,
    dry === 'client' ? 'created (dry run)' : dry === 'server' ? 'created (server dry run)' : 'created',
    dry === 'client',
  );
  return 0;
}

/** The server's answer as kubectl prints it after decoding it into its Go type: the zero values that type
 * always writes (a template's `creationTimestamp: null`, an empty `status`). */
export function asTyped(obj: Obj): Obj {
  const o = structuredClone(obj);
  const stamp = (m: { metadata?: Record<string, unknown> } | undefined) => {
    if (m) m.metadata = { ...(m.metadata ?? {}), creationTimestamp: m.metadata?.creationTimestamp ?? null };
  };
  if (o.kind === 'Deployment' || o.kind === 'Job') stamp(o.spec?.template);
  if (o.kind === 'CronJob') {
    stamp(o.spec?.jobTemplate);
    stamp(o.spec?.jobTemplate?.spec?.template);
  }
  const status: Record<string, unknown> = {
    Namespace: {},
    Deployment: {},
    Job: {},
    CronJob: {},
    ResourceQuota: {},
    Service: { loadBalancer: {} },
    Ingress: { loadBalancer: {} },
    PodDisruptionBudget: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  };
  if (o.kind && o.kind in status) o.status = { ...(status[o.kind] as object), ...(o.status ?? {}) };
  return o;
}

/** What a Go server makes of the generated object: null fields (creationTimestamp: null) are absent. */
function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, withoutNulls(x)]),
    );
  return v;
}

function validation(v: string | undefined): string {
  switch (v ?? 'strict') {
    case 'true':
    case 'strict':
      return 'Strict';
    case 'warn':
      return 'Warn';
    case 'false':
    case 'ignore':
      return 'Ignore';
    default:
      throw new CliError(`invalid - validate option "${v}"; must be one of: strict (or true), warn, ignore (or false)`);
  }
}

/** Exactly one NAME before `--` (kubectl's NameFromCommandArgs). */
export function nameArg(args: string[], o: CreateCommon, command: string): string {
  const before = args.length - (o.afterDash?.length ?? 0);
  if (before !== 1) throw usageError(`exactly one NAME is required, got ${before}`, command);
  return args[0];
}

/** The namespace written into the object: only an explicit -n (kubectl's EnforceNamespace). */
const enforced = (ctx: Ctx) => (ctx.namespaceExplicit ? ctx.namespace : undefined);

// ---- the generators' commands ---------------------------------------------------------------------------

export async function createNamespace(ctx: Ctx, args: string[], o: CreateCommon): Promise<number> {
  return createGenerated(ctx, gen.namespace(nameArg(args, o, 'create namespace')), o);
}

export async function createServiceAccount(ctx: Ctx, args: string[], o: CreateCommon): Promise<number> {
  return createGenerated(
    ctx,
    gen.serviceAccount(nameArg(args, o, 'create serviceaccount'), enforced(ctx)),
    o,
    'failed to create serviceaccount',
  );
}

export async function createDeployment(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { image?: string[]; replicas?: string; port?: string },
): Promise<number> {
  const name = nameArg(args, o, 'create deployment');
  if (!o.image?.length) throw new KlogError('required flag(s) "image" not set');
  const replicas = int(o.replicas ?? '1', 'replicas');
  const port = int(o.port ?? '-1', 'port');
  return createGenerated(
    ctx,
    gen.deployment(name, enforced(ctx), { images: o.image, replicas, port, command: args.slice(1) }),
    o,
    'failed to create deployment',
  );
}

export async function createJob(ctx: Ctx, args: string[], o: CreateCommon & { image?: string; from?: string }): Promise<number> {
  const name = nameArg(args, o, 'create job');
  const command = args.slice(1);
  if (!o.image === !o.from) throw new CliError('either --image or --from must be specified');
  if (command.length && o.from) throw new CliError('cannot specify --from and command');
  if (o.image) return createGenerated(ctx, gen.job(name, enforced(ctx), o.image, command), o, 'failed to create job');
  const [kind, cjName] = o.from!.split('/');
  const { resolveType } = await import('../args');
  const rt = await resolveType(ctx, kind);
  if (rt.kind !== 'CronJob' || !cjName)
    throw new CliError(
      `from must be an existing cronjob: unknown object type ${rt.kind === 'CronJob' ? 'without a name' : `*v1.${rt.kind}`}`,
    );
  const cj = await ctx.client.request<Obj>('GET', resourcePath(rt, ctx.namespace, cjName));
  return createGenerated(ctx, gen.jobFromCronJob(name, enforced(ctx), cj), o, 'failed to create job');
}

export async function createCronJob(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { image?: string; schedule?: string; restart?: string },
): Promise<number> {
  const name = nameArg(args, o, 'create cronjob');
  const missing = [!o.image && 'image', !o.schedule && 'schedule'].filter(Boolean);
  if (missing.length) throw new KlogError(`required flag(s) ${missing.map((m) => `"${m}"`).join(', ')} not set`);
  return createGenerated(
    ctx,
    gen.cronJob(name, enforced(ctx), { image: o.image!, schedule: o.schedule!, restart: o.restart, command: args.slice(1) }),
    o,
    'failed to create cronjob',
  );
}

export function createService(type: gen.ServiceOptions['type']) {
  return async (
    ctx: Ctx,
    args: string[],
    o: CreateCommon & { tcp?: string[]; clusterip?: string; nodePort?: string; externalName?: string },
  ): Promise<number> => {
    const name = nameArg(args, o, `create service ${type.toLowerCase()}`);
    if (type === 'ExternalName' && !o.externalName) throw new KlogError('required flag(s) "external-name" not set');
    const svc = gen.service(name, enforced(ctx), {
      type,
      tcp: o.tcp ?? [],
      clusterIP: o.clusterip,
      nodePort: o.nodePort ? int(o.nodePort, 'node-port') : undefined,
      externalName: o.externalName,
    });
    return createGenerated(ctx, svc, o, `failed to create ${type} service`);
  };
}

interface DataOptions extends CreateCommon {
  fromFile?: string[];
  fromLiteral?: string[];
  fromEnvFile?: string[];
  appendHash?: boolean;
}

function dataEntries(o: DataOptions, what: 'config' | 'secret'): gen.DataEntry[] {
  if (o.fromEnvFile?.length && (o.fromFile?.length || o.fromLiteral?.length))
    throw new CliError('from-env-file cannot be combined with from-file or from-literal');
  if (what === 'config')
    return [
      ...fileEntries(o.fromFile ?? []),
      ...(o.fromLiteral ?? []).map(parseLiteralSource),
      ...envFileEntries(o.fromEnvFile ?? [], what),
    ];
  return [...(o.fromLiteral ?? []).map(parseLiteralSource), ...fileEntries(o.fromFile ?? []), ...envFileEntries(o.fromEnvFile ?? [], what)];
}

export async function createConfigMap(ctx: Ctx, args: string[], o: DataOptions): Promise<number> {
  const name = nameArg(args, o, 'create configmap');
  return createGenerated(ctx, gen.configMap(name, enforced(ctx), dataEntries(o, 'config'), o.appendHash), o, 'failed to create configmap');
}

export async function createSecretGeneric(ctx: Ctx, args: string[], o: DataOptions & { type?: string }): Promise<number> {
  const name = nameArg(args, o, 'create secret generic');
  return createGenerated(
    ctx,
    gen.secret(name, enforced(ctx), o.type ?? '', dataEntries(o, 'secret'), o.appendHash),
    o,
    'failed to create secret',
  );
}

export async function createSecretTls(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { cert?: string; key?: string; appendHash?: boolean },
): Promise<number> {
  const name = nameArg(args, o, 'create secret tls');
  if (!o.cert || !o.key) throw new CliError('key and cert must be specified');
  const { readFileSync } = await import('node:fs');
  const read = (f: string) => {
    try {
      return readFileSync(f);
    } catch (e) {
      throw new CliError(`Cannot read file ${f}, open ${f}: no such file or directory`, 1, { cause: e });
    }
  };
  const cert = read(o.cert);
  const key = read(o.key);
  const { X509Certificate, createPrivateKey } = await import('node:crypto');
  try {
    const x = new X509Certificate(cert);
    if (!x.checkPrivateKey(createPrivateKey(key))) throw new Error('private key does not match public key');
  } catch (e) {
    throw new CliError(
      /does not match/.test((e as Error).message)
        ? 'tls: private key does not match public key'
        : 'tls: failed to find any PEM data in certificate input',
      1,
      { cause: e },
    );
  }
  const s = gen.secret(
    name,
    enforced(ctx),
    'kubernetes.io/tls',
    [
      { key: 'tls.crt', value: cert },
      { key: 'tls.key', value: key },
    ],
    o.appendHash,
  );
  return createGenerated(ctx, s, o, 'failed to create secret');
}

export async function createSecretDockerRegistry(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & {
    dockerServer?: string;
    dockerUsername?: string;
    dockerPassword?: string;
    dockerEmail?: string;
    fromFile?: string[];
    appendHash?: boolean;
  },
): Promise<number> {
  const name = nameArg(args, o, 'create secret docker-registry');
  const server = o.dockerServer ?? 'https://index.docker.io/v1/';
  if (!o.fromFile?.length && (!o.dockerUsername || !o.dockerPassword || !server)) {
    throw new CliError('either --from-file or the combination of --docker-username, --docker-password and --docker-server is required');
  }
  const entries = o.fromFile?.length
    ? fileEntries(o.fromFile)
    : [{ key: '.dockerconfigjson', value: gen.dockerConfigJson(server, o.dockerUsername!, o.dockerPassword!, o.dockerEmail ?? '') }];
  return createGenerated(
    ctx,
    gen.secret(name, enforced(ctx), 'kubernetes.io/dockerconfigjson', entries, o.appendHash),
    o,
    'failed to create secret',
  );
}

/** The mapper the RBAC generators check --resource against: discovery's names (short names too). */
async function resourceMapper(ctx: Ctx): Promise<gen.ResourceMapper> {
  const types = await ctx.discovery.all();
  return (ref) => {
    const rt = resolveName(types, ref.group ? `${ref.resource}.${ref.group}` : ref.resource);
    return rt ? { resource: rt.resource, group: rt.group } : undefined;
  };
}

const warn = (line: string) => process.stderr.write(line + '\n');

export async function createRole(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { verb?: string[]; resource?: string[]; resourceName?: string[] },
): Promise<number> {
  const name = nameArg(args, o, 'create role');
  const verbs = gen.normalizeVerbs(o.verb ?? []);
  const refs = gen.parseResourceRefs(o.resource ?? []);
  const map = await resourceMapper(ctx);
  gen.checkRoleRules(verbs, refs, map, warn);
  return createGenerated(ctx, gen.role(name, enforced(ctx), gen.policyRules(verbs, refs, [...new Set(o.resourceName ?? [])], [], map)), o);
}

export async function createClusterRole(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { verb?: string[]; resource?: string[]; resourceName?: string[]; nonResourceUrl?: string[]; aggregationRule?: string },
): Promise<number> {
  const name = nameArg(args, o, 'create clusterrole');
  const aggregationRule: Record<string, string> = {};
  for (const kv of o.aggregationRule ? o.aggregationRule.split(',') : []) {
    const i = kv.indexOf('=');
    if (i <= 0)
      throw new CliError(`invalid argument "${o.aggregationRule}" for "--aggregation-rule" flag: ${kv} must be formatted as key=value`);
    aggregationRule[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const refs = gen.parseResourceRefs(o.resource ?? []);
  const map = refs.length ? await resourceMapper(ctx) : () => undefined;
  const obj = gen.clusterRole(
    name,
    {
      verbs: gen.normalizeVerbs(o.verb ?? []),
      refs,
      resourceNames: [...new Set(o.resourceName ?? [])],
      nonResourceURLs: o.nonResourceUrl ?? [],
      aggregationRule,
    },
    map,
    warn,
  );
  return createGenerated(ctx, obj, o);
}

type BindingFlags = CreateCommon & { role?: string; clusterrole?: string; user?: string[]; group?: string[]; serviceaccount?: string[] };
const bindingOf = (o: BindingFlags): gen.BindingOptions => ({
  role: o.role,
  clusterRole: o.clusterrole,
  users: o.user ?? [],
  groups: o.group ?? [],
  serviceAccounts: o.serviceaccount ?? [],
});

export async function createRoleBinding(ctx: Ctx, args: string[], o: BindingFlags): Promise<number> {
  return createGenerated(
    ctx,
    gen.roleBinding(nameArg(args, o, 'create rolebinding'), enforced(ctx), bindingOf(o)),
    o,
    'failed to create rolebinding',
  );
}

export async function createClusterRoleBinding(ctx: Ctx, args: string[], o: BindingFlags): Promise<number> {
  const name = nameArg(args, o, 'create clusterrolebinding');
  if (!o.clusterrole) throw new KlogError('required flag(s) "clusterrole" not set');
  return createGenerated(ctx, gen.clusterRoleBinding(name, bindingOf(o)), o, 'failed to create clusterrolebinding');
}

export async function createPdb(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { selector?: string; minAvailable?: string; maxUnavailable?: string },
): Promise<number> {
  const name = nameArg(args, o, 'create poddisruptionbudget');
  return createGenerated(ctx, gen.podDisruptionBudget(name, enforced(ctx), o), o, 'failed to create poddisruptionbudgets');
}

export async function createQuota(ctx: Ctx, args: string[], o: CreateCommon & { hard?: string; scopes?: string }): Promise<number> {
  const name = nameArg(args, o, 'create quota');
  return createGenerated(ctx, gen.resourceQuota(name, enforced(ctx), o.hard ?? '', o.scopes ?? ''), o, 'failed to create quota');
}

export async function createPriorityClass(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { value?: string; globalDefault?: boolean; description?: string; preemptionPolicy?: string },
): Promise<number> {
  const name = nameArg(args, o, 'create priorityclass');
  const pc = gen.priorityClass(name, {
    value: int(o.value ?? '0', 'value'),
    globalDefault: !!o.globalDefault,
    description: o.description ?? '',
    preemptionPolicy: o.preemptionPolicy ?? 'PreemptLowerPriority',
  });
  return createGenerated(ctx, pc, o, 'failed to create priorityclass');
}

export async function createIngress(
  ctx: Ctx,
  args: string[],
  o: CreateCommon & { rule?: string[]; class?: string; defaultBackend?: string; annotation?: string[] },
): Promise<number> {
  const name = nameArg(args, o, 'create ingress');
  const ing = gen.ingress(name, enforced(ctx), {
    rules: o.rule ?? [],
    className: o.class,
    defaultBackend: o.defaultBackend,
    annotations: o.annotation ?? [],
  });
  return createGenerated(ctx, ing, o, 'failed to create ingress');
}

export async function createToken(
  ctx: Ctx,
  args: string[],
  o: {
    output?: string;
    duration?: string;
    audience?: string[];
    boundObjectKind?: string;
    boundObjectName?: string;
    boundObjectUid?: string;
  },
): Promise<number> {
  if (args.length !== 1) throw usageError(`exactly one NAME is required, got ${args.length}`, 'create token');
  const ms = o.duration ? parseDuration(o.duration, 'duration') : 0;
  if (ms < 0) throw new CliError('--duration must be greater than or equal to 0');
  if (ms % 1000 !== 0) throw new CliError('--duration cannot be expressed in units less than seconds');
  const req = gen.tokenRequest({
    durationSeconds: ms / 1000,
    audiences: o.audience ?? [],
    boundKind: o.boundObjectKind,
    boundName: o.boundObjectName,
    boundUid: o.boundObjectUid,
  });
  const sa = endpointOf('ServiceAccount');
  let res: Obj;
  try {
    res = await ctx.client.request<Obj>('POST', resourcePath(sa, ctx.namespace, args[0], 'token'), { body: req });
  } catch (e) {
    if (e instanceof ApiError) throw new CliError(`failed to create token: ${e.message}`, 1, { cause: e });
    throw e;
  }
  const token = res.status?.token;
  if (!token) throw new CliError('failed to create token: no token in server response');
  if (o.output) {
    printObject(gen.typedTokenRequest(res), { ...sa, kind: 'TokenRequest', group: 'authentication.k8s.io' }, o.output, '', true);
  } else process.stdout.write(process.stdout.isTTY ? `${token}\n` : token);
  return 0;
}

function int(v: string, flag: string): number {
  if (!/^-?\d+$/.test(v))
    throw new CliError(`invalid argument "${v}" for "--${flag}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}
