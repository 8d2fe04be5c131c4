// The objects `kubectl create <kind>` builds, field for field: keys in the order Go's structs serialise them
// (what `-o json` prints; `-o yaml` sorts them), zero values as kubectl leaves them (`creationTimestamp: null`,
// `resources: {}`, `status: {}`), and kubectl's validation messages. Pure: file contents come in as data.
import { parseLabelSelector } from '@minik8s/shared/rules';
import { CliError, CodeExitError } from '../errors';
import type { KubeObject } from '../shared';
import { goJson } from './gojson';
import { configMapHash, secretHash } from './hash';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = KubeObject & Record<string, any>;

/** A map as Go's encoding/json writes it: keys sorted. */
export function sortedMap<T>(m: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, m[k]]),
  );
}

const OBJECT_META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** An ObjectMeta from the server in Go's field order (creationTimestamp null when unset), as kubectl prints a typed object. */
export function goObjectMeta(m: Record<string, unknown> = {}): Obj['metadata'] {
  const out: Record<string, unknown> = {};
  for (const k of OBJECT_META_FIELDS) if (m[k] !== undefined || k === 'creationTimestamp') out[k] = m[k] ?? null;
  return out;
}

/** ObjectMeta as Go orders it; the namespace only when -n was given (kubectl's EnforceNamespace). */
export function meta(
  name: string,
  namespace?: string,
  extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): Obj['metadata'] {
  const m: Record<string, unknown> = { name };
  if (namespace) m.namespace = namespace;
  m.creationTimestamp = null;
  if (extra.labels && Object.keys(extra.labels).length) m.labels = sortedMap(extra.labels);
  if (extra.annotations && Object.keys(extra.annotations).length) m.annotations = sortedMap(extra.annotations);
  return m;
}

function container(
  name: string,
  image: string,
  command: string[] | undefined,
  ports?: { containerPort: number }[],
): Record<string, unknown> {
  const c: Record<string, unknown> = { name, image };
  if (command?.length) c.command = command;
  if (ports) c.ports = ports;
  c.resources = {};
  return c;
}

export function namespace(name: string): Obj {
  return { kind: 'Namespace', apiVersion: 'v1', metadata: meta(name), spec: {}, status: {} };
}

export function serviceAccount(name: string, ns?: string): Obj {
  return { kind: 'ServiceAccount', apiVersion: 'v1', metadata: meta(name, ns) };
}

/** The container name kubectl derives from an image: its last path part without tag or digest; `_`/`.` make it unique. */
export function containerNameOf(image: string, random: () => string): string {
  let name = image.split('/').pop()!;
  name = name.split(':')[0].split('@')[0];
  if (/[_.]/.test(name)) name = `${name.replace(/_/g, '-').replace(/\./g, '-')}-${random()}`;
  return name;
}

export interface DeploymentOptions {
  images: string[];
  replicas: number;
  /** -1: none */
  port: number;
  command: string[];
  random?: () => string;
}

export function deployment(name: string, ns: string | undefined, o: DeploymentOptions): Obj {
  if (o.images.length > 1 && o.command.length) throw new CliError('cannot specify multiple --image options and command');
  const labels = { app: name };
  const random = o.random ?? (() => Math.random().toString(36).slice(2, 7));
  const containers = o.images.map((img, i) =>
    container(containerNameOf(img, random), img, o.command, i === 0 && o.port >= 0 ? [{ containerPort: o.port }] : undefined),
  );
  return {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: meta(name, ns, { labels }),
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { creationTimestamp: null, labels }, spec: { containers } },
      strategy: {},
    },
    status: {},
  };
}

export function job(name: string, ns: string | undefined, image: string, command: string[]): Obj {
  return {
    kind: 'Job',
    apiVersion: 'batch/v1',
    metadata: meta(name, ns),
    spec: {
      template: { metadata: { creationTimestamp: null }, spec: { containers: [container(name, image, command)], restartPolicy: 'Never' } },
    },
    status: {},
  };
}

/** `create job --from=cronjob/NAME`: the CronJob's job template, owned by it, marked as started by hand. */
export function jobFromCronJob(name: string, ns: string | undefined, cj: Obj): Obj {
  const tmpl = cj.spec?.jobTemplate ?? {};
  const metadata: Record<string, unknown> = { name };
  if (ns) metadata.namespace = ns;
  metadata.creationTimestamp = null;
  if (tmpl.metadata?.labels) metadata.labels = tmpl.metadata.labels;
  metadata.annotations = { 'cronjob.kubernetes.io/instantiate': 'manual', ...(tmpl.metadata?.annotations ?? {}) };
  metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: cj.metadata.name, uid: cj.metadata.uid, controller: true }];
  return { kind: 'Job', apiVersion: 'batch/v1', metadata: metadata, spec: tmpl.spec ?? {}, status: {} };
}

export function cronJob(
  name: string,
  ns: string | undefined,
  o: { image: string; schedule: string; restart?: string; command: string[] },
): Obj {
  return {
    kind: 'CronJob',
    apiVersion: 'batch/v1',
    metadata: meta(name, ns),
    spec: {
      schedule: o.schedule,
      jobTemplate: {
        metadata: { name, creationTimestamp: null },
        spec: {
          template: {
            metadata: { creationTimestamp: null },
            spec: { containers: [container(name, o.image, o.command)], restartPolicy: o.restart || 'OnFailure' },
          },
        },
      },
    },
    status: {},
  };
}

// ---- services ----------------------------------------------------------------------------------------

const PORT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `port[:targetPort]` of --tcp, with kubectl's errors. */
export function parsePortSpec(spec: string): { port: number; targetPort: number | string } {
  const [p, t] = spec.split(':');
  const port = Number(p);
  if (!/^\d+$/.test(p) || port < 0 || port > 65535) throw new CliError(`invalid port number: ${JSON.stringify(p)}`);
  if (port === 0) throw new CliError(`port number 0 is not allowed`);
  if (t === undefined) return { port, targetPort: port };
  if (/^-?\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1 || n > 65535) throw new CliError('must be between 1 and 65535, inclusive');
    return { port, targetPort: n };
  }
  const errs: string[] = [];
  if (t.length > 15) errs.push('must be no more than 15 characters');
  if (!PORT_NAME.test(t)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(t)) errs.push('must contain at least one letter (a-z)');
  if (t.includes('--')) errs.push('must not contain consecutive hyphens');
  if (errs.length) throw new CliError(errs.join(','));
  return { port, targetPort: t };
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface ServiceOptions {
  type: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  tcp: string[];
  clusterIP?: string;
  nodePort?: number;
  externalName?: string;
}

export function service(name: string, ns: string | undefined, o: ServiceOptions): Obj {
  if (o.clusterIP === 'None' && o.type !== 'ClusterIP') throw new CliError('ClusterIP=None can only be used with ClusterIP service type');
  if (o.clusterIP !== 'None' && o.tcp.length === 0 && o.type !== 'ExternalName')
    throw new CliError('at least one tcp port specifier must be provided');
  if (o.type === 'ExternalName' && (!o.externalName || o.externalName.length > 253 || !DNS1123_SUBDOMAIN.test(o.externalName)))
    throw new CliError(`invalid service external name ${o.externalName ?? ''}`);
  const ports = o.tcp.map((spec) => {
    const { port, targetPort } = parsePortSpec(spec);
    const p: Record<string, unknown> = { name: spec.replace(/:/g, '-'), protocol: 'TCP', port, targetPort };
    if (o.nodePort) p.nodePort = o.nodePort;
    return p;
  });
  const spec: Record<string, unknown> = {};
  if (ports.length) spec.ports = ports;
  spec.selector = { app: name };
  if (o.clusterIP) spec.clusterIP = o.clusterIP;
  spec.type = o.type;
  if (o.externalName) spec.externalName = o.externalName;
  return { kind: 'Service', apiVersion: 'v1', metadata: meta(name, ns, { labels: { app: name } }), spec, status: { loadBalancer: {} } };
}

// ---- config maps and secrets -------------------------------------------------------------------------

/** A key and its bytes, from --from-literal, --from-file or --from-env-file (read by the caller). */
export interface DataEntry {
  key: string;
  value: Buffer;
}

const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;

export function configMapKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_MAP_KEY.test(key))
    errs.push(
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    );
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** Whether the bytes are valid UTF-8 (a ConfigMap value then goes in data, else binaryData). */
export function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

export function configMap(name: string, ns: string | undefined, entries: DataEntry[], appendHash = false): Obj {
  const data: Record<string, string> = {};
  const binaryData: Record<string, string> = {};
  for (const e of entries) {
    const errs = configMapKeyErrors(e.key);
    if (errs.length) throw new CliError(`${JSON.stringify(e.key)} is not a valid key name for a ConfigMap: ${errs.join(',')}`);
    if (e.key in data)
      throw new CliError(
        `cannot add key ${JSON.stringify(e.key)}, another key by that name already exists in Data for ConfigMap ${JSON.stringify(name)}`,
      );
    if (e.key in binaryData)
      throw new CliError(
        `cannot add key ${JSON.stringify(e.key)}, another key by that name already exists in BinaryData for ConfigMap ${JSON.stringify(name)}`,
      );
    if (isUtf8(e.value)) data[e.key] = e.value.toString('utf8');
    else binaryData[e.key] = e.value.toString('base64');
  }
  const cm: Obj = { kind: 'ConfigMap', apiVersion: 'v1', metadata: meta(name, ns) };
  if (Object.keys(data).length) cm.data = sortedMap(data);
  if (Object.keys(binaryData).length) cm.binaryData = sortedMap(binaryData);
  if (appendHash) cm.metadata.name = `${name}-${configMapHash(name, data, binaryData)}`;
  return cm;
}

export function secret(name: string, ns: string | undefined, type: string, entries: DataEntry[], appendHash = false): Obj {
  const data: Record<string, string> = {};
  for (const e of entries) {
    const errs = configMapKeyErrors(e.key);
    if (errs.length) throw new CliError(`${JSON.stringify(e.key)} is not valid key name for a Secret ${errs.join(';')}`);
    if (e.key in data) throw new CliError(`cannot add key ${e.key}, another key by that name already exists`);
    data[e.key] = e.value.toString('base64');
  }
  const s: Obj = { kind: 'Secret', apiVersion: 'v1', metadata: meta(name, ns) };
  if (Object.keys(data).length) s.data = sortedMap(data);
  if (type) s.type = type;
  if (appendHash) s.metadata.name = `${name}-${secretHash(name, type, data)}`;
  return s;
}

/** The .dockerconfigjson kubectl writes (Go's json.Marshal: HTML characters escaped). */
export function dockerConfigJson(server: string, username: string, password: string, email: string): Buffer {
  const entry: Record<string, string> = { username, password };
  if (email) entry.email = email;
  entry.auth = Buffer.from(`${username}:${password}`).toString('base64');
  return Buffer.from(goJson({ auths: { [server]: entry } }));
}

// ---- RBAC ---------------------------------------------------------------------------------------------

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface ResourceRef {
  resource: string;
  group: string;
  subresource?: string;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** --resource values: `res[.group][/sub]`; a bare `*` stands for all. */
export function parseResourceRefs(values: string[]): ResourceRef[] {
  const out: ResourceRef[] = [];
  for (const v of values) {
    const [main, sub] = splitN(v, '/', 2);
    const [resource, group] = splitN(main, '.', 2);
    const ref: ResourceRef = { resource, group: group ?? '', ...(sub !== undefined ? { subresource: sub } : {}) };
    if (resource === '*' && group === undefined && sub === undefined) return [ref];
    out.push(ref);
  }
  return out;
}

function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

/** De-duplicated verbs; `*` alone when present. */
export function normalizeVerbs(verbs: string[]): string[] {
  if (verbs.includes('*')) return ['*'];
  return [...new Set(verbs)];
}

export const VALID_RESOURCE_VERBS = [
  '*',
  'get',
  'delete',
  'list',
  'create',
  'update',
  'patch',
  'watch',
  'proxy',
  'deletecollection',
  'use',
  'bind',
  'escalate',
  'impersonate',
];
const VALID_NON_RESOURCE_VERBS = ['*', 'get', 'post', 'put', 'delete', 'patch', 'head', 'options'];
const SPECIAL_VERBS: Record<string, [string, string][]> = {
  use: [
    ['policy', 'podsecuritypolicies'],
    ['extensions', 'podsecuritypolicies'],
  ],
  bind: [
    [RBAC_GROUP, 'roles'],
    [RBAC_GROUP, 'clusterroles'],
  ],
  escalate: [
    [RBAC_GROUP, 'roles'],
    [RBAC_GROUP, 'clusterroles'],
  ],
  impersonate: [
    ['', 'users'],
    ['', 'serviceaccounts'],
    ['', 'groups'],
    ['authentication.k8s.io', 'userextras'],
  ],
};

/** What the mapper knows of a --resource: its plural and group (undefined: not served, kept as given). */
export type ResourceMapper = (ref: ResourceRef) => { resource: string; group: string } | undefined;

/** kubectl's rule checks: the warnings it prints and the error it stops on. */
export function checkRoleRules(verbs: string[], refs: ResourceRef[], map: ResourceMapper, warn: (line: string) => void): void {
  if (verbs.length === 0) throw new CliError('at least one verb must be specified');
  for (const v of verbs) if (!VALID_RESOURCE_VERBS.includes(v)) warn(`Warning: '${v}' is not a standard resource verb`);
  if (refs.length === 0) throw new CliError('at least one resource must be specified');
  checkResources(verbs, refs, map);
}

function checkResources(verbs: string[], refs: ResourceRef[], map: ResourceMapper): void {
  for (const r of refs) {
    if (!r.resource) throw new CliError('resource must be specified if apiGroup/subresource specified');
    if (r.resource === '*') return;
    const mapped = map(r);
    const res = mapped ?? { resource: r.resource, group: r.group };
    let special = false;
    for (const v of verbs) {
      const allowed = SPECIAL_VERBS[v];
      if (!allowed) continue;
      if (!allowed.some(([g, rs]) => g === res.group && rs === res.resource))
        throw new CliError(`can not perform '${v}' on '${res.resource}' in group '${res.group}'`);
      special = true;
    }
    // kubectl prints the mapper's error as it is, without "error: ".
    if (!mapped && !special) throw new CodeExitError(`the server doesn't have a resource type "${r.resource}"`, 1);
  }
}

export function policyRules(
  verbs: string[],
  refs: ResourceRef[],
  resourceNames: string[],
  nonResourceURLs: string[],
  map: ResourceMapper,
): PolicyRule[] {
  const byGroup = new Map<string, string[]>();
  for (const r of refs) {
    const m = map(r) ?? { resource: r.resource, group: r.group };
    const res = r.subresource ? `${m.resource}/${r.subresource}` : m.resource;
    const list = byGroup.get(m.group) ?? [];
    if (!list.includes(res)) list.push(res);
    byGroup.set(m.group, list);
  }
  const rules: PolicyRule[] = [...byGroup.keys()].sort().map((g) => {
    const rule: PolicyRule = { verbs, apiGroups: [g], resources: byGroup.get(g)! };
    if (resourceNames.length) rule.resourceNames = resourceNames;
    return rule;
  });
  if (nonResourceURLs.length) rules.push({ verbs, nonResourceURLs });
  return rules;
}

export function role(name: string, ns: string | undefined, rules: PolicyRule[]): Obj {
  return { kind: 'Role', apiVersion: `${RBAC_GROUP}/v1`, metadata: meta(name, ns), rules };
}

export interface ClusterRoleOptions {
  verbs: string[];
  refs: ResourceRef[];
  resourceNames: string[];
  nonResourceURLs: string[];
  aggregationRule: Record<string, string>;
}

export function clusterRole(name: string, o: ClusterRoleOptions, map: ResourceMapper, warn: (line: string) => void): Obj {
  const base = { kind: 'ClusterRole', apiVersion: `${RBAC_GROUP}/v1`, metadata: meta(name) };
  if (Object.keys(o.aggregationRule).length) {
    if (o.nonResourceURLs.length || o.verbs.length || o.refs.length || o.resourceNames.length) {
      throw new CliError('aggregation rule must be specified without nonResourceURLs, verbs, resources or resourceNames');
    }
    return { ...base, rules: null, aggregationRule: { clusterRoleSelectors: [{ matchLabels: sortedMap(o.aggregationRule) }] } };
  }
  if (o.verbs.length === 0) throw new CliError('at least one verb must be specified');
  if (o.refs.length === 0 && o.nonResourceURLs.length === 0) throw new CliError('one of resource or nonResourceURL must be specified');
  if (o.refs.length) {
    for (const v of o.verbs) if (!VALID_RESOURCE_VERBS.includes(v)) warn(`Warning: '${v}' is not a standard resource verb`);
    checkResources(o.verbs, o.refs, map);
  }
  if (o.nonResourceURLs.length) {
    for (const v of o.verbs) if (!VALID_NON_RESOURCE_VERBS.includes(v)) throw new CliError(`invalid verb: '${v}' for nonResourceURL`);
    for (const u of o.nonResourceURLs) {
      if (u === '*') continue;
      if (!u.startsWith('/')) throw new CliError('nonResourceURL should start with /');
      if (u.slice(0, -1).includes('*')) throw new CliError("nonResourceURL only supports wildcard matches when '*' is at the end");
    }
  }
  return { ...base, rules: policyRules(o.verbs, o.refs, o.resourceNames, o.nonResourceURLs, map) };
}

export interface BindingOptions {
  role?: string;
  clusterRole?: string;
  users: string[];
  groups: string[];
  serviceAccounts: string[];
}

function subjects(o: BindingOptions): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const u of o.users) out.push({ kind: 'User', apiGroup: RBAC_GROUP, name: u });
  for (const g of o.groups) out.push({ kind: 'Group', apiGroup: RBAC_GROUP, name: g });
  for (const sa of o.serviceAccounts) {
    const t = sa.split(':');
    if (t.length !== 2 || !t[0] || !t[1]) throw new CliError('serviceaccount must be <namespace>:<name>');
    out.push({ kind: 'ServiceAccount', name: t[1], namespace: t[0] });
  }
  return out;
}

export function roleBinding(name: string, ns: string | undefined, o: BindingOptions): Obj {
  if (!o.clusterRole === !o.role) throw new CliError('exactly one of clusterrole or role must be specified');
  const subs = subjects(o);
  return {
    kind: 'RoleBinding',
    apiVersion: `${RBAC_GROUP}/v1`,
    metadata: meta(name, ns),
    ...(subs.length ? { subjects: subs } : {}),
    roleRef: { apiGroup: RBAC_GROUP, kind: o.role ? 'Role' : 'ClusterRole', name: (o.role ?? o.clusterRole)! },
  };
}

export function clusterRoleBinding(name: string, o: BindingOptions): Obj {
  const subs = subjects(o);
  return {
    kind: 'ClusterRoleBinding',
    apiVersion: `${RBAC_GROUP}/v1`,
    metadata: meta(name),
    ...(subs.length ? { subjects: subs } : {}),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: o.clusterRole ?? '' },
  };
}

// ---- policy, quota, scheduling, ingress, tokens -----------------------------------------------------------

/** metav1.ParseToLabelSelector: equality → matchLabels, the rest → matchExpressions. */
export function toLabelSelector(s: string): Record<string, unknown> {
  let reqs;
  try {
    reqs = parseLabelSelector(s).requirements;
  } catch (e) {
    throw new CliError((e as Error).message, 1, { cause: e });
  }
  const matchLabels: Record<string, string> = {};
  const matchExpressions: Record<string, unknown>[] = [];
  for (const r of reqs) {
    if (r.operator === 'Equals' || r.operator === 'DoubleEquals') matchLabels[r.key] = r.values[0];
    else if (r.operator === 'In' || r.operator === 'NotIn' || r.operator === 'NotEquals')
      matchExpressions.push({ key: r.key, operator: r.operator === 'NotEquals' ? 'NotIn' : r.operator, values: r.values });
    else if (r.operator === 'Exists' || r.operator === 'DoesNotExist') matchExpressions.push({ key: r.key, operator: r.operator });
    else throw new CliError(`"${r.operator === 'GreaterThan' ? 'gt' : 'lt'}" is not a valid label selector operator`);
  }
  const out: Record<string, unknown> = {};
  if (Object.keys(matchLabels).length) out.matchLabels = sortedMap(matchLabels);
  if (matchExpressions.length) out.matchExpressions = matchExpressions;
  return out;
}

/** intstr.Parse: an integer when it reads as one, else the string. */
const intOrString = (v: string): number | string => (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) ? Number(v) : v);

export function podDisruptionBudget(
  name: string,
  ns: string | undefined,
  o: { selector?: string; minAvailable?: string; maxUnavailable?: string },
): Obj {
  if (!o.selector) throw new CliError('a selector must be specified');
  if (!o.maxUnavailable && !o.minAvailable) throw new CliError('one of min-available or max-unavailable must be specified');
  if (o.maxUnavailable && o.minAvailable) throw new CliError('min-available and max-unavailable cannot be both specified');
  if (o.minAvailable && !/^[0-9]+%?$/.test(o.minAvailable)) throw new CliError('invalid format specified for min-available');
  if (o.maxUnavailable && !/^[0-9]+%?$/.test(o.maxUnavailable)) throw new CliError('invalid format specified for max-unavailable');
  const spec: Record<string, unknown> = {};
  if (o.minAvailable) spec.minAvailable = intOrString(o.minAvailable);
  spec.selector = toLabelSelector(o.selector);
  if (o.maxUnavailable) spec.maxUnavailable = intOrString(o.maxUnavailable);
  return {
    kind: 'PodDisruptionBudget',
    apiVersion: 'policy/v1',
    metadata: meta(name, ns),
    spec,
    status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  };
}

export function resourceQuota(name: string, ns: string | undefined, hard: string, scopes: string): Obj {
  const h: Record<string, string> = {};
  for (const part of hard ? hard.split(',') : []) {
    const [k, v] = splitN(part, '=', 2);
    if (v === undefined) throw new CliError(`Invalid argument syntax ${part}, expected <resource>=<value>`);
    h[k] = v;
  }
  const spec: Record<string, unknown> = {};
  if (Object.keys(h).length) spec.hard = sortedMap(h);
  if (scopes) {
    const list = scopes.split(',');
    if (list.some((s) => s === '')) throw new CliError('invalid resource quota scope ""');
    spec.scopes = list;
  }
  return { kind: 'ResourceQuota', apiVersion: 'v1', metadata: meta(name, ns), spec, status: {} };
}

export function priorityClass(
  name: string,
  o: { value: number; globalDefault: boolean; description: string; preemptionPolicy: string },
): Obj {
  const pc: Obj = { kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: meta(name), value: o.value };
  if (o.globalDefault) pc.globalDefault = true;
  if (o.description) pc.description = o.description;
  pc.preemptionPolicy = o.preemptionPolicy;
  return pc;
}

const INGRESS_RULE = /^([\w*\-.]*)(\/.*)=([\w-]+):([\w-]+)(,(tls)=?([\w-]+)?)?/;

function backend(svc: string): Record<string, unknown> {
  const [n, p] = svc.split(':');
  const port = intOrString(p);
  return { service: { name: n, port: typeof port === 'number' ? { number: port } : { name: port } } };
}

export function ingress(
  name: string,
  ns: string | undefined,
  o: { rules: string[]; className?: string; defaultBackend?: string; annotations: string[] },
): Obj {
  if (!o.defaultBackend && o.rules.length === 0) {
    throw new CliError(
      'not enough information provided: every ingress has to either specify a default-backend (which catches all traffic) or a list of rules (which catch specific paths)',
    );
  }
  for (const r of o.rules)
    if (!INGRESS_RULE.test(r)) throw new CliError(`rule ${r} is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]`);
  for (const a of o.annotations) if (!a.includes('=')) throw new CliError(`annotation ${a} is invalid and should be in format key=[value]`);
  if (o.defaultBackend && o.defaultBackend.split(':').length !== 2)
    throw new CliError('default-backend should be in format servicename:serviceport');
  const annotations: Record<string, string> = {};
  for (const a of o.annotations) {
    const [k, v] = splitN(a, '=', 2);
    annotations[k] = v;
  }
  const spec: Record<string, unknown> = {};
  if (o.className) spec.ingressClassName = o.className;
  if (o.defaultBackend) spec.defaultBackend = backend(o.defaultBackend);
  // TLS entries: one per secret, the hosts that name it gathered in it.
  const tls: { hosts?: string[]; secretName?: string }[] = [];
  const seenHosts = new Set<string>();
  for (const r of o.rules) {
    const parts = r.split(',');
    if (parts.length !== 2) continue;
    const host = r.split('/')[0];
    const secret = parts[1].split('=')[1] ?? '';
    if (seenHosts.has(host)) continue;
    seenHosts.add(host);
    const same = tls.find((t) => (t.secretName ?? '') === secret);
    if (same) {
      same.hosts = [...(same.hosts ?? []), host];
      continue;
    }
    const t: { hosts?: string[]; secretName?: string } = {};
    if (host) t.hosts = [host];
    if (secret) t.secretName = secret;
    if (t.hosts || t.secretName) tls.push(t);
  }
  if (tls.length) spec.tls = tls;
  const rules: { host?: string; http: { paths: unknown[] } }[] = [];
  for (const r of o.rules) {
    const [hostPart, rest] = splitN(r.split(',')[0], '/', 2);
    const [p, svc] = rest.split('=');
    let path = `/${p}`;
    let pathType = 'Exact';
    if (path.endsWith('*')) {
      pathType = 'Prefix';
      path = path.slice(0, -1);
    }
    const entry = { path, pathType, backend: backend(svc) };
    const same = rules.find((x) => (x.host ?? '') === hostPart);
    if (same) same.http.paths.push(entry);
    else rules.push({ ...(hostPart ? { host: hostPart } : {}), http: { paths: [entry] } });
  }
  if (rules.length) spec.rules = rules;
  return {
    kind: 'Ingress',
    apiVersion: 'networking.k8s.io/v1',
    metadata: meta(name, ns, { annotations }),
    spec,
    status: { loadBalancer: {} },
  };
}

const BOUND_KINDS: Record<string, string> = { Node: 'v1', Pod: 'v1', Secret: 'v1' };

/** The TokenRequest `create token` posts to serviceaccounts/NAME/token. */
export function tokenRequest(o: {
  durationSeconds: number;
  audiences: string[];
  boundKind?: string;
  boundName?: string;
  boundUid?: string;
}): Obj {
  for (const a of o.audiences) if (!a) throw new CliError('--audience must not be an empty string');
  if (!o.boundKind) {
    if (o.boundName) throw new CliError('--bound-object-name can only be set if --bound-object-kind is provided');
    if (o.boundUid) throw new CliError('--bound-object-uid can only be set if --bound-object-kind is provided');
  } else {
    if (!BOUND_KINDS[o.boundKind])
      throw new CliError(`supported --bound-object-kind values are ${Object.keys(BOUND_KINDS).sort().join(', ')}`);
    if (!o.boundName) throw new CliError('--bound-object-name is required if --bound-object-kind is provided');
  }
  const spec: Record<string, unknown> = { audiences: o.audiences.length ? o.audiences : null };
  if (o.durationSeconds > 0) spec.expirationSeconds = o.durationSeconds;
  if (o.boundKind)
    spec.boundObjectRef = {
      kind: o.boundKind,
      apiVersion: BOUND_KINDS[o.boundKind],
      name: o.boundName,
      ...(o.boundUid ? { uid: o.boundUid } : {}),
    };
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null } as unknown as Obj['metadata'],
    spec,
    status: { token: '', expirationTimestamp: null },
  };
}

/** The server's TokenRequest in Go's field order (kubectl prints the typed object it decoded). */
export function typedTokenRequest(res: Obj): Obj {
  const spec = (res.spec ?? {}) as Record<string, unknown>;
  const status = (res.status ?? {}) as Record<string, unknown>;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: goObjectMeta(res.metadata as Record<string, unknown>),
    spec: {
      audiences: spec.audiences ?? null,
      expirationSeconds: spec.expirationSeconds ?? null,
      boundObjectRef: spec.boundObjectRef ?? null,
    },
    status: { token: status.token ?? '', expirationTimestamp: status.expirationTimestamp ?? null },
  };
}
