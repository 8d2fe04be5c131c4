// auth can-i VERB TYPE[/NAME] | VERB /URL (SelfSubjectAccessReview), auth can-i --list
// (SelfSubjectRulesReview, rules broken down, compacted and sorted as kubectl does) and auth whoami
// (SelfSubjectReview, v1 then v1beta1 then v1alpha1), with kubectl's warnings, output and exit codes.
import { resolveName } from '../discovery';
import type { Ctx } from '../context';
import { CliError, CodeExitError, ExitCode } from '../errors';
import { formatColumns } from '../print/tabwriter';
import { goIndentJson, toYaml } from '../print/yaml';
import { goObjectMeta } from '../create/generators';
import { isNotFound } from '../shared';

const RESOURCE_VERBS = new Set([
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'use',
  'bind',
  'impersonate',
  '*',
  'approve',
  'sign',
  'escalate',
  'attest',
]);
const NON_RESOURCE_VERBS = new Set(['get', 'put', 'post', 'head', 'options', 'delete', 'patch', '*']);
const NON_STANDARD = new Set(['users', 'groups']);

const warn = (msg: string) => process.stderr.write(`Warning: ${msg}\n`);

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** One rule per group × resource × verb (× name), and per URL × verb (rbac BreakdownRule). */
export function breakdownRule(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const g of r.apiGroups ?? []) {
    for (const res of r.resources ?? []) {
      for (const v of r.verbs ?? []) {
        if (r.resourceNames?.length)
          for (const n of r.resourceNames) out.push({ apiGroups: [g], resources: [res], verbs: [v], resourceNames: [n] });
        else out.push({ apiGroups: [g], resources: [res], verbs: [v] });
      }
    }
  }
  for (const u of r.nonResourceURLs ?? []) for (const v of r.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

/** Merge the verbs of rules on the same group/resource/name (rbac CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const compacted: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of rules) {
    const isSimple =
      (r.resourceNames?.length ?? 0) <= 1 && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      compacted.push(r);
      continue;
    }
    const key = JSON.stringify([r.apiGroups![0], r.resources![0], r.resourceNames?.[0] ?? null]);
    const seen = simple.get(key);
    if (seen) {
      for (const v of r.verbs ?? []) if (!(seen.verbs ??= []).includes(v)) seen.verbs.push(v);
    } else simple.set(key, { ...r, verbs: [...(r.verbs ?? [])] });
  }
  return [...compacted, ...simple.values()];
}

const goList = (l: string[] | undefined) => `[${(l ?? []).join(' ')}]`;

/** The Go String() of an rbac PolicyRule, which kubectl sorts the rules by. */
export function ruleString(r: PolicyRule): string {
  return `&PolicyRule{Verbs:${goList(r.verbs)},APIGroups:${goList(r.apiGroups)},Resources:${goList(r.resources)},ResourceNames:${goList(r.resourceNames)},NonResourceURLs:${goList(r.nonResourceURLs)},}`;
}

function combineResourceGroup(resources: string[] | undefined, groups: string[] | undefined): string {
  if (!resources?.length) return '';
  const [res, sub] = resources[0].split(/\/(.*)/s);
  return `${res}${groups?.length && groups[0] ? `.${groups[0]}` : ''}${sub !== undefined ? `/${sub}` : ''}`;
}

/** The --list table rows (kubectl's printAccess). */
export function accessRows(resourceRules: PolicyRule[], nonResourceRules: PolicyRule[]): string[][] {
  const rules = compactRules([...resourceRules, ...nonResourceRules].flatMap(breakdownRule));
  rules.sort((a, b) => (ruleString(a) < ruleString(b) ? -1 : ruleString(a) > ruleString(b) ? 1 : 0));
  return rules.map((r) => [
    combineResourceGroup(r.resources, r.apiGroups),
    goList(r.nonResourceURLs),
    goList(r.resourceNames),
    goList(r.verbs),
  ]);
}

export interface CanIOptions {
  list?: boolean;
  quiet?: boolean;
  allNamespaces?: boolean;
  subresource?: string;
  noHeaders?: boolean;
}

export async function canI(ctx: Ctx, args: string[], o: CanIOptions): Promise<number> {
  const ns = o.allNamespaces ? '' : ctx.namespace;
  if (o.list) {
    if (args.length) throw new CliError('list option must be specified with no arguments');
    if (o.quiet || o.allNamespaces || o.subresource)
      throw new CliError("list option can't be specified with neither quiet, all-namespaces nor subresource options");
    const res = await ctx.client.request<{
      status?: { resourceRules?: PolicyRule[]; nonResourceRules?: PolicyRule[]; incomplete?: boolean; evaluationError?: string };
    }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
      body: {
        kind: 'SelfSubjectRulesReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: { namespace: ns },
        status: { resourceRules: null, nonResourceRules: null, incomplete: false },
      },
    });
    const st = res.status ?? {};
    if (st.incomplete) warn(`the list may be incomplete: ${st.evaluationError ?? ''}`);
    const rows = accessRows(st.resourceRules ?? [], st.nonResourceRules ?? []);
    if (!o.noHeaders) rows.unshift(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    process.stdout.write(formatColumns(rows));
    return 0;
  }
  if (args.length !== 2)
    throw new CodeExitError(
      "error: you must specify two arguments: verb resource or verb resource/resourceName.\nSee 'mkctl auth can-i -h' for help and examples.",
      1,
    );
  const [verb, target] = args;
  let attributes: Record<string, unknown>;
  if (target.startsWith('/')) {
    if (o.subresource) throw new CliError('--subresource can not be used with NonResourceURL');
    if (!NON_RESOURCE_VERBS.has(verb)) warn(`verb '${verb}' is not a known verb\n`);
    attributes = { nonResourceAttributes: { path: target, verb } };
  } else {
    const [resArg, name] = target.split(/\/(.*)/s);
    let group = '';
    let resource = resArg;
    let namespaced: boolean | undefined;
    if (resArg !== '*') {
      const rt = resolveName(await ctx.discovery.all(), resArg.toLowerCase());
      if (rt) {
        group = rt.group;
        resource = rt.resource;
        namespaced = rt.namespaced;
      } else {
        const dot = resArg.indexOf('.');
        const [r, g] = dot > 0 ? [resArg.slice(0, dot), resArg.slice(dot + 1)] : [resArg, ''];
        if (!NON_STANDARD.has(dot > 0 ? resArg : r))
          warn(g ? `the server doesn't have a resource type '${r}' in group '${g}'\n` : `the server doesn't have a resource type '${r}'\n`);
      }
    }
    if (namespaced === false && !o.allNamespaces)
      warn(
        group ? `resource '${resource}' is not namespace scoped in group '${group}'\n` : `resource '${resource}' is not namespace scoped\n`,
      );
    if (!RESOURCE_VERBS.has(verb)) warn(`verb '${verb}' is not a known verb\n`);
    attributes = {
      resourceAttributes: {
        namespace: ns,
        verb,
        group,
        resource,
        ...(o.subresource ? { subresource: o.subresource } : {}),
        ...(name ? { name } : {}),
      },
    };
  }
  const res = await ctx.client.request<{ status?: { allowed?: boolean; reason?: string; evaluationError?: string } }>(
    'POST',
    '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
    {
      body: {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: { creationTimestamp: null },
        spec: attributes,
        status: { allowed: false },
      },
    },
  );
  const st = res.status ?? {};
  if (!o.quiet)
    process.stdout.write(
      st.allowed ? 'yes\n' : `no${st.reason ? ` - ${st.reason}` : ''}${st.evaluationError ? ` - ${st.evaluationError}` : ''}\n`,
    );
  if (!st.allowed) throw new ExitCode(1);
  return 0;
}

interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** auth whoami: the attributes the server authenticated this request with. */
export async function whoami(ctx: Ctx, o: { output?: string }): Promise<number> {
  let res: { status?: { userInfo?: UserInfo } } | undefined;
  let version = '';
  for (const v of ['v1', 'v1beta1', 'v1alpha1']) {
    try {
      res = await ctx.client.request('POST', `/apis/authentication.k8s.io/${v}/selfsubjectreviews`, {
        body: {
          kind: 'SelfSubjectReview',
          apiVersion: `authentication.k8s.io/${v}`,
          metadata: { creationTimestamp: null },
          status: { userInfo: {} },
        },
      });
      version = v;
      break;
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
  if (!res) {
    throw new CliError(
      'the selfsubjectreviews API is not enabled in the cluster\nenable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API',
    );
  }
  const u = res.status?.userInfo ?? {};
  // Go's field order, as kubectl prints the typed object it decoded
  const userInfo = {
    ...(u.username ? { username: u.username } : {}),
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.groups?.length ? { groups: u.groups } : {}),
    ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}),
  };
  const obj = {
    kind: 'SelfSubjectReview',
    apiVersion: `authentication.k8s.io/${version}`,
    metadata: goObjectMeta((res as { metadata?: Record<string, unknown> }).metadata),
    status: { userInfo },
  };
  if (o.output === 'json') process.stdout.write(goIndentJson(obj));
  else if (o.output === 'yaml') process.stdout.write(toYaml(obj));
  else if (o.output)
    throw new CliError(`unable to match a printer suitable for the output format "${o.output}", allowed formats are: json,yaml`);
  else process.stdout.write(formatColumns(whoamiRows(res.status?.userInfo ?? {})));
  return 0;
}

/** kubectl's whoami table: Username, UID, Groups, then each extra as Extra: key. */
export function whoamiRows(u: UserInfo): string[][] {
  const rows = [['ATTRIBUTE', 'VALUE']];
  if (u.username) rows.push(['Username', u.username]);
  if (u.uid) rows.push(['UID', u.uid]);
  if (u.groups?.length) rows.push(['Groups', goList(u.groups)]);
  for (const k of Object.keys(u.extra ?? {}).sort()) rows.push([`Extra: ${k}`, goList(u.extra![k])]);
  return rows;
}
