// RBAC's pure rules (upstream pkg/apis/rbac/v1 evaluation helpers and registry/rbac/validation): does a
// PolicyRule allow a request, does a binding's subject name a user, and do one set of rules cover
// another (the escalation check).
import type { rbac } from '@minik8s/shared';
import { SERVICE_ACCOUNT_PREFIX, type Attributes, type UserInfo } from '../types';

export type PolicyRule = rbac.PolicyRule;

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

const ALL = '*';
const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes(ALL) || list.includes(v));

export const verbMatches = (r: PolicyRule, verb: string) => has(r.verbs, verb);
export const apiGroupMatches = (r: PolicyRule, group: string) => has(r.apiGroups, group);

/** "pods", "pods/log", "*", or "*\/scale" for the scale subresource of any resource. */
export function resourceMatches(r: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const x of r.resources ?? []) {
    if (x === ALL || x === combined) return true;
    if (subresource && x === `*/${subresource}`) return true;
  }
  return false;
}

/** No resourceNames: every name; otherwise the request's name must be listed (a list or create has none). */
export const resourceNameMatches = (r: PolicyRule, name: string) => !r.resourceNames?.length || r.resourceNames.includes(name);

/** "/healthz" exactly, "*", or a prefix ending in "*" ("/apis/*"). */
export function nonResourceURLMatches(r: PolicyRule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === ALL || u === path) return true;
    if (u.endsWith(ALL) && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** RuleAllows: the rule grants the request. */
export function ruleAllows(a: Omit<Attributes, 'user'>, r: PolicyRule): boolean {
  if (a.isResourceRequest)
    return (
      verbMatches(r, a.verb) &&
      apiGroupMatches(r, a.apiGroup) &&
      resourceMatches(r, a.resource, a.subresource) &&
      resourceNameMatches(r, a.name)
    );
  return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path);
}

export const serviceAccountUser = (namespace: string, name: string) => `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;

/**
 * appliesToUser: a User by name, a Group by membership, a ServiceAccount by its user name (a RoleBinding's
 * subject without a namespace means the binding's own namespace).
 */
export function subjectMatches(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return !!ns && user.name === serviceAccountUser(ns, s.name);
    }
    default:
      return false;
  }
}

/** One verb on one thing: what BreakdownRule splits a rule into, so that covering is checked piece by piece. */
export function breakdown(r: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const verb of r.verbs)
    for (const group of r.apiGroups ?? [])
      for (const resource of r.resources ?? []) {
        if (r.resourceNames?.length)
          for (const name of r.resourceNames) out.push({ verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [name] });
        else out.push({ verbs: [verb], apiGroups: [group], resources: [resource] });
      }
  for (const verb of r.verbs) for (const url of r.nonResourceURLs ?? []) out.push({ verbs: [verb], nonResourceURLs: [url] });
  return out;
}

const coversAll = (owner: readonly string[] | undefined, wanted: readonly string[] | undefined) =>
  (wanted ?? []).every((w) => has(owner, w));

/** resourceCoversAll: "*", the same resource, or "*\/sub" for any resource's subresource "sub". */
function resourcesCovered(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => {
    if (has(owner, w)) return true;
    const slash = w.indexOf('/');
    return slash >= 0 && (owner ?? []).includes(`*${w.slice(slash)}`);
  });
}

/** nonResourceURLCovers: the same URL, or a prefix rule ending in "*" (that a "/x*" rule holds "/x/y*" too). */
function urlsCovered(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((w) => (owner ?? []).some((o) => o === ALL || o === w || (o.endsWith(ALL) && w.startsWith(o.slice(0, -1)))));
}

/** ruleCovers: everything `sub` grants, `owner` grants. */
export function ruleCovers(owner: PolicyRule, sub: PolicyRule): boolean {
  const names =
    !owner.resourceNames?.length || (!!sub.resourceNames?.length && sub.resourceNames.every((n) => owner.resourceNames!.includes(n)));
  return (
    coversAll(owner.verbs, sub.verbs) &&
    coversAll(owner.apiGroups, sub.apiGroups) &&
    resourcesCovered(owner.resources, sub.resources) &&
    urlsCovered(owner.nonResourceURLs, sub.nonResourceURLs) &&
    names
  );
}

/** Covers: whether `owner` grants all `servant` grants, and what it does not (one verb on one thing each). */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): { covered: boolean; missing: PolicyRule[] } {
  const missing: PolicyRule[] = [];
  for (const r of servant) for (const piece of breakdown(r)) if (!owner.some((o) => ruleCovers(o, piece))) missing.push(piece);
  return { covered: missing.length === 0, missing };
}

/** A rule as upstream's PolicyRule String() prints it in escalation errors ({APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}). */
export function ruleString(r: PolicyRule): string {
  const q = (l: string[]) => `[${l.map((x) => JSON.stringify(x)).join(' ')}]`;
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}
