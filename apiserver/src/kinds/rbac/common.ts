// What the four rbac.authorization.k8s.io/v1 kinds share (upstream pkg/apis/rbac/validation and the
// printers): PolicyRule, RoleRef and Subject validation and defaults, the protobuf messages, the columns.
import { fe, type Cause } from '../../registry/fielderrors';
import { dns1123SubdomainErrors } from '../../registry/fielderrors';
import { labelSelector, objects, obj, pathSegmentNameErrors, str, strings, type Errs } from '../../registry/validation';
import { AGE, NAME, ageOf, col, nameOf, wide } from '../../tables/columns';
import type { KindTablePrinter } from '../../tables/types';
import { defineMessages } from '../../protobuf/messages';
import { isObj, type Obj } from '../helpers';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

/** ValidateRBACName: any name that fits in a URL path segment ("system:node" is one). */
export const rbacNameRule = pathSegmentNameErrors;

/** ValidatePolicyRule: verbs always; non-resource URLs only in cluster roles and alone; else groups and resources. */
export function policyRules(errs: Errs, path: string, v: unknown, namespaced: boolean): void {
  for (const [rule, p] of objects(errs, path, v)) {
    const verbs = strings(errs, `${p}.verbs`, rule.verbs);
    const groups = strings(errs, `${p}.apiGroups`, rule.apiGroups);
    const resources = strings(errs, `${p}.resources`, rule.resources);
    const names = strings(errs, `${p}.resourceNames`, rule.resourceNames);
    const urls = strings(errs, `${p}.nonResourceURLs`, rule.nonResourceURLs);
    if (!verbs.length) errs.push(fe.required(`${p}.verbs`, 'verbs must contain at least one value'));
    if (urls.length) {
      const shown = urls.map(([u]) => u);
      if (namespaced) errs.push(fe.invalid(`${p}.nonResourceURLs`, shown, 'namespaced rules cannot apply to non-resource URLs'));
      if (groups.length || resources.length || names.length)
        errs.push(fe.invalid(`${p}.nonResourceURLs`, shown, 'rules cannot apply to both regular resources and non-resource URLs'));
      continue;
    }
    if (!groups.length) errs.push(fe.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (!resources.length) errs.push(fe.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  }
}

/** The roleRef of a binding: this group, a kind among `kinds`, a valid name. */
function roleRef(errs: Errs, o: Obj, kinds: string[]): void {
  const ref = obj(errs, 'roleRef', o.roleRef) ?? {};
  const group = str(errs, 'roleRef.apiGroup', ref.apiGroup) ?? '';
  if (group !== RBAC_GROUP) errs.push(fe.notSupported('roleRef.apiGroup', group, [RBAC_GROUP]));
  const kind = str(errs, 'roleRef.kind', ref.kind) ?? '';
  if (!kinds.includes(kind)) errs.push(fe.notSupported('roleRef.kind', kind, kinds));
  const name = str(errs, 'roleRef.name', ref.name) ?? '';
  if (!name) errs.push(fe.required('roleRef.name', ''));
  else for (const m of rbacNameRule(name)) errs.push(fe.invalid('roleRef.name', name, m));
}

/** ValidateRoleBindingSubject: User and Group in this group; ServiceAccounts in "" with a namespace outside a namespace. */
function subjects(errs: Errs, v: unknown, namespaced: boolean): void {
  for (const [s, p] of objects(errs, 'subjects', v)) {
    const name = str(errs, `${p}.name`, s.name) ?? '';
    const group = str(errs, `${p}.apiGroup`, s.apiGroup) ?? '';
    const kind = str(errs, `${p}.kind`, s.kind) ?? '';
    if (!name) errs.push(fe.required(`${p}.name`, ''));
    if (kind === 'ServiceAccount') {
      if (name) for (const m of dns1123SubdomainErrors(name)) errs.push(fe.invalid(`${p}.name`, name, m));
      if (group) errs.push(fe.notSupported(`${p}.apiGroup`, group, ['']));
      if (!namespaced && !(str(errs, `${p}.namespace`, s.namespace) ?? '')) errs.push(fe.required(`${p}.namespace`, ''));
    } else if (kind === 'User' || kind === 'Group') {
      if (group !== RBAC_GROUP) errs.push(fe.notSupported(`${p}.apiGroup`, group, [RBAC_GROUP]));
    } else errs.push(fe.notSupported(`${p}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
  }
}

/** ValidateRoleBinding / ValidateClusterRoleBinding. */
export function validateBinding(o: Obj, namespaced: boolean): Cause[] {
  const errs: Cause[] = [];
  roleRef(errs, o, namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole']);
  subjects(errs, o.subjects, namespaced);
  return errs;
}

/** The roleRef cannot change (ValidateRoleBindingUpdate): a binding to another role is a new binding. */
export function validateBindingUpdate(next: Obj, old: Obj): Cause[] {
  const a = isObj(next.roleRef) ? next.roleRef : {};
  const b = isObj(old.roleRef) ? old.roleRef : {};
  const same = a.apiGroup === b.apiGroup && a.kind === b.kind && a.name === b.name;
  return same ? [] : [fe.invalid('roleRef', next.roleRef, 'cannot change roleRef')];
}

/** ClusterRole's aggregationRule: when present, at least one valid selector. */
export function aggregationRule(errs: Errs, v: unknown): void {
  const rule = obj(errs, 'aggregationRule', v);
  if (!rule) return;
  const selectors = objects(errs, 'aggregationRule.clusterRoleSelectors', rule.clusterRoleSelectors);
  if (!selectors.length)
    errs.push(
      fe.required('aggregationRule.clusterRoleSelectors', 'at least one clusterRoleSelector required if aggregationRule is non-nil'),
    );
  for (const [sel, p] of selectors) labelSelector(errs, p, sel);
}

/** SetDefaults_Subject and SetDefaults_RoleRef: User, Group and roleRef in this group, ServiceAccounts in "". */
export function defaultBinding(o: Obj): void {
  if (isObj(o.roleRef) && !o.roleRef.apiGroup) o.roleRef.apiGroup = RBAC_GROUP;
  if (!Array.isArray(o.subjects)) return;
  for (const s of o.subjects) if (isObj(s) && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
}

const CREATED_AT = col('Created At', { type: 'date', description: AGE.description });

/** Roles and cluster roles: Name, Created At (upstream's roleColumnDefinitions). */
export const roleTable: KindTablePrinter = {
  columns: [NAME, CREATED_AT],
  cells: (o) => [nameOf(o), o.metadata?.creationTimestamp ?? ''],
};

/** rbac.SubjectsStrings: users, groups and ServiceAccounts ("namespace/name") of a binding. */
function subjectsStrings(o: Obj): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of Array.isArray(o.subjects) ? o.subjects : []) {
    if (!isObj(s)) continue;
    if (s.kind === 'User') users.push(s.name);
    else if (s.kind === 'Group') groups.push(s.name);
    else if (s.kind === 'ServiceAccount') sas.push(s.namespace ? `${s.namespace}/${s.name}` : s.name);
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

/** Bindings: Name, Role ("Kind/name"), Age; wide: Users, Groups, ServiceAccounts. */
export const bindingTable: KindTablePrinter = {
  columns: [
    NAME,
    col('Role', { description: 'RoleRef contains information about the role being used' }),
    AGE,
    wide('Users', 'Users in the roleBinding'),
    wide('Groups', 'Groups in the roleBinding'),
    wide('ServiceAccounts', 'ServiceAccounts in the roleBinding'),
  ],
  cells(o, now) {
    const ref = isObj(o.roleRef) ? o.roleRef : {};
    return [nameOf(o), `${ref.kind ?? ''}/${ref.name ?? ''}`, ageOf(o, now), ...subjectsStrings(o)];
  },
};

export const message = defineMessages(`
message PolicyRule { repeated string verbs = 1; repeated string apiGroups = 2; repeated string resources = 3; repeated string resourceNames = 4; repeated string nonResourceURLs = 5; }
message AggregationRule { repeated LabelSelector clusterRoleSelectors = 1; }
message Role { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; }
message ClusterRole { optional ObjectMeta metadata = 1; repeated PolicyRule rules = 2; optional AggregationRule aggregationRule = 3; }
message Subject { optional string kind = 1; optional string apiGroup = 2; optional string name = 3; optional string namespace = 4; }
message RoleRef { optional string apiGroup = 1; optional string kind = 2; optional string name = 3; }
message RoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
message ClusterRoleBinding { optional ObjectMeta metadata = 1; repeated Subject subjects = 2; optional RoleRef roleRef = 3; }
`);
