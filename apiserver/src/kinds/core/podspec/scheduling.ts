// Where a pod may run and how it is reached (ValidatePodSpec's tolerations, affinity, topology spread
// constraints, node selector, DNS config and host aliases), worded as upstream.
import { fe } from '../../../registry/fielderrors';
import { dnsLabel, dnsSubdomain, each, int32, ip, labelSelector, obj, objects, oneOf, qualifiedName, str, strings, type Errs } from '../../../registry/validation';
import { dns1123SubdomainErrors } from '../../../registry/fielderrors';
import { labelValueErrors } from '@minik8s/shared';
import type { Obj } from '../../helpers';

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** validateTaintEffect: one of the three effects (Required when empty and not `allowEmpty`). */
export function taintEffect(errs: Errs, path: string, v: unknown, allowEmpty: boolean): string | undefined {
  const s = str(errs, path, v);
  if (!s) {
    if (!allowEmpty) errs.push(fe.required(path));
    return undefined;
  }
  if (!(TAINT_EFFECTS as readonly string[]).includes(s)) errs.push(fe.notSupported(path, s, [...TAINT_EFFECTS]));
  return s;
}

/** ValidateTolerations. */
export function tolerations(errs: Errs, path: string, list: unknown): void {
  for (const [t, p] of objects(errs, path, list)) {
    const key = str(errs, `${p}.key`, t.key) ?? '';
    const op = str(errs, `${p}.operator`, t.operator) ?? '';
    const value = str(errs, `${p}.value`, t.value) ?? '';
    const effect = str(errs, `${p}.effect`, t.effect) ?? '';
    const seconds = t.tolerationSeconds;
    if (key) qualifiedName(errs, `${p}.key`, key);
    if (!key && op !== 'Exists') errs.push(fe.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (seconds !== undefined && seconds !== null) {
      if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds)) errs.push(fe.type(`${p}.tolerationSeconds`, seconds, 'int64'));
      if (effect !== 'NoExecute') errs.push(fe.invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = labelValueErrors(value);
      if (msgs.length) errs.push(fe.invalid(`${p}.operator`, value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value) errs.push(fe.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(fe.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    if (effect) taintEffect(errs, `${p}.effect`, effect, true);
  }
}

function nodeSelectorTerm(errs: Errs, path: string, term: Obj): void {
  for (const [r, p] of objects(errs, `${path}.matchExpressions`, term.matchExpressions)) {
    const op = str(errs, `${p}.operator`, r.operator) ?? '';
    const values = strings(errs, `${p}.values`, r.values);
    if (op === 'In' || op === 'NotIn') {
      if (!values.length) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else if (op === 'Gt' || op === 'Lt') {
      if (values.length !== 1) errs.push(fe.required(`${p}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
    } else errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    qualifiedName(errs, `${p}.key`, str(errs, `${p}.key`, r.key) ?? '');
  }
  for (const [r, p] of objects(errs, `${path}.matchFields`, term.matchFields)) {
    const op = str(errs, `${p}.operator`, r.operator) ?? '';
    const values = strings(errs, `${p}.values`, r.values);
    if (op === 'In' || op === 'NotIn') {
      if (values.length !== 1) errs.push(fe.required(`${p}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
    } else errs.push(fe.invalid(`${p}.operator`, op, 'not a valid selector operator'));
    const key = str(errs, `${p}.key`, r.key) ?? '';
    if (key !== 'metadata.name') errs.push(fe.invalid(`${p}.key`, key, 'not a valid field selector key'));
    else for (const [v, vp] of values) each(errs, vp, v, dns1123SubdomainErrors(v));
  }
}

/** ValidateNodeSelector (a required node affinity). */
export function nodeSelector(errs: Errs, path: string, ns: Obj): void {
  const terms = objects(errs, `${path}.nodeSelectorTerms`, ns.nodeSelectorTerms);
  if (!terms.length) errs.push(fe.required(`${path}.nodeSelectorTerms`, 'must have at least one node selector term'));
  for (const [t, p] of terms) nodeSelectorTerm(errs, p, t);
}

function weight(errs: Errs, path: string, v: unknown): void {
  const w = int32(errs, path, v) ?? 0;
  if (w <= 0 || w > 100) errs.push(fe.invalid(path, w, 'must be in the range 1-100'));
}

function podAffinityTerm(errs: Errs, path: string, t: Obj): void {
  labelSelector(errs, `${path}.labelSelector`, t.labelSelector);
  labelSelector(errs, `${path}.namespaceSelector`, t.namespaceSelector);
  for (const [n] of strings(errs, `${path}.namespaces`, t.namespaces)) dnsLabel(errs, `${path}.namespace`, n);
  const key = str(errs, `${path}.topologyKey`, t.topologyKey);
  if (!key) errs.push(fe.required(`${path}.topologyKey`, 'can not be empty'));
  qualifiedName(errs, `${path}.topologyKey`, key ?? '');
  strings(errs, `${path}.matchLabelKeys`, t.matchLabelKeys).forEach(([k, p]) => qualifiedName(errs, p, k));
  strings(errs, `${path}.mismatchLabelKeys`, t.mismatchLabelKeys).forEach(([k, p]) => qualifiedName(errs, p, k));
}

function podAffinity(errs: Errs, path: string, a: Obj): void {
  for (const [t, p] of objects(errs, `${path}.requiredDuringSchedulingIgnoredDuringExecution`, a.requiredDuringSchedulingIgnoredDuringExecution)) podAffinityTerm(errs, p, t);
  for (const [t, p] of objects(errs, `${path}.preferredDuringSchedulingIgnoredDuringExecution`, a.preferredDuringSchedulingIgnoredDuringExecution)) {
    weight(errs, `${p}.weight`, t.weight);
    const term = obj(errs, `${p}.podAffinityTerm`, t.podAffinityTerm, true);
    if (term) podAffinityTerm(errs, `${p}.podAffinityTerm`, term);
  }
}

/** validateAffinity. */
export function affinity(errs: Errs, path: string, v: unknown): void {
  const a = obj(errs, path, v);
  if (!a) return;
  const na = obj(errs, `${path}.nodeAffinity`, a.nodeAffinity);
  if (na) {
    const np = `${path}.nodeAffinity`;
    const req = obj(errs, `${np}.requiredDuringSchedulingIgnoredDuringExecution`, na.requiredDuringSchedulingIgnoredDuringExecution);
    if (req) nodeSelector(errs, `${np}.requiredDuringSchedulingIgnoredDuringExecution`, req);
    for (const [t, p] of objects(errs, `${np}.preferredDuringSchedulingIgnoredDuringExecution`, na.preferredDuringSchedulingIgnoredDuringExecution)) {
      weight(errs, `${p}.weight`, t.weight);
      nodeSelectorTerm(errs, `${p}.preference`, obj(errs, `${p}.preference`, t.preference) ?? {});
    }
  }
  for (const k of ['podAffinity', 'podAntiAffinity']) {
    const pa = obj(errs, `${path}.${k}`, a[k]);
    if (pa) podAffinity(errs, `${path}.${k}`, pa);
  }
}

/** validateTopologySpreadConstraints. */
export function topologySpread(errs: Errs, path: string, list: unknown): void {
  const items = objects(errs, path, list);
  const seen = new Set<string>();
  for (const [c, p] of items) {
    const skew = int32(errs, `${p}.maxSkew`, c.maxSkew) ?? 0;
    if (skew <= 0) errs.push(fe.invalid(`${p}.maxSkew`, skew, 'must be greater than zero'));
    const key = str(errs, `${p}.topologyKey`, c.topologyKey);
    if (!key) errs.push(fe.required(`${p}.topologyKey`, 'can not be empty'));
    const when = str(errs, `${p}.whenUnsatisfiable`, c.whenUnsatisfiable) ?? '';
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') errs.push(fe.notSupported(`${p}.whenUnsatisfiable`, when, ['DoNotSchedule', 'ScheduleAnyway']));
    const tuple = `{${key ?? ''}, ${when}}`;
    if (seen.has(tuple)) errs.push(fe.duplicate(`${p}.{topologyKey, whenUnsatisfiable}`, tuple));
    seen.add(tuple);
    const min = int32(errs, `${p}.minDomains`, c.minDomains);
    if (min !== undefined) {
      if (min <= 0) errs.push(fe.invalid(`${p}.minDomains`, min, 'must be greater than zero'));
      if (when !== 'DoNotSchedule') errs.push(fe.invalid(`${p}.minDomains`, min, `can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${when}`));
    }
    oneOf(errs, `${p}.nodeAffinityPolicy`, c.nodeAffinityPolicy, ['Honor', 'Ignore'] as const);
    oneOf(errs, `${p}.nodeTaintsPolicy`, c.nodeTaintsPolicy, ['Honor', 'Ignore'] as const);
    strings(errs, `${p}.matchLabelKeys`, c.matchLabelKeys).forEach(([k, kp]) => qualifiedName(errs, kp, k));
    labelSelector(errs, `${p}.labelSelector`, c.labelSelector);
  }
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;

/** validatePodDNSConfig. */
export function dnsConfig(errs: Errs, path: string, v: unknown, dnsPolicy: unknown): void {
  const c = obj(errs, path, v);
  if (dnsPolicy === 'None') {
    if (!c) return void errs.push(fe.required(path, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    if (!Array.isArray(c.nameservers) || !c.nameservers.length) return void errs.push(fe.required(`${path}.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  if (!c) return;
  const ns = strings(errs, `${path}.nameservers`, c.nameservers);
  if (ns.length > MAX_NAMESERVERS) errs.push(fe.invalid(`${path}.nameservers`, c.nameservers, `must not have more than ${MAX_NAMESERVERS} nameservers`));
  for (const [n, p] of ns) ip(errs, p, n);
  const searches = strings(errs, `${path}.searches`, c.searches);
  if (searches.length > MAX_SEARCH_PATHS) errs.push(fe.invalid(`${path}.searches`, c.searches, `must not have more than ${MAX_SEARCH_PATHS} search paths`));
  if (searches.map(([s]) => s).join(' ').length > MAX_SEARCH_CHARS)
    errs.push(fe.invalid(`${path}.searches`, c.searches, `must not have more than ${MAX_SEARCH_CHARS} characters (including spaces) in the search list`));
  for (const [s, p] of searches) dnsSubdomain(errs, p, s.replace(/\.$/, ''));
  for (const [o, p] of objects(errs, `${path}.options`, c.options)) {
    const name = str(errs, `${p}.name`, o.name);
    if (!name) errs.push(fe.required(p, 'Option.Name must not be empty'));
    str(errs, `${p}.value`, o.value);
  }
}

/** ValidateHostAliases. */
export function hostAliases(errs: Errs, path: string, list: unknown): void {
  for (const [a, p] of objects(errs, path, list)) {
    ip(errs, `${p}.ip`, str(errs, `${p}.ip`, a.ip) ?? '');
    for (const [h, hp] of strings(errs, `${p}.hostnames`, a.hostnames)) dnsSubdomain(errs, hp, h);
  }
}
