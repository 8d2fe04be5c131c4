// The RBAC objects as the authorizer reads them: an index over the apiserver's own watch caches of roles,
// cluster roles and their bindings, rebuilt when one of them moved (no etcd read per request), and the
// rule visitor upstream's DefaultRuleResolver is: the ClusterRoleBindings first, then the RoleBindings
// of the namespace, each matching subject's role rules in turn.
import type { Obj } from '../../registry/objects';
import type { UserInfo } from '../types';
import { subjectMatches, type PolicyRule, type Subject } from './rules';

export type RbacResource = 'roles' | 'clusterroles' | 'rolebindings' | 'clusterrolebindings';

/** What the index is built from: the current objects of each kind, and a value that changes when any does. */
export interface RbacSource {
  version(): string;
  objects(resource: RbacResource): Iterable<Obj>;
}

interface Binding {
  kind: 'ClusterRoleBinding' | 'RoleBinding';
  name: string;
  namespace: string;
  subjects: Subject[];
  roleRef: { kind: string; name: string };
}

interface Index {
  version: string;
  clusterRoles: Map<string, PolicyRule[]>;
  /** "namespace/name" → rules */
  roles: Map<string, PolicyRule[]>;
  clusterRoleBindings: Binding[];
  roleBindings: Map<string, Binding[]>;
}

/** Where a rule came from, for the allow reason (upstream's ruleCheckingVisitor source description). */
export interface RuleSource {
  binding: Binding;
  subject: Subject;
}

/** What a visitor answers: false stops the walk. */
export type RuleVisitor = (source: RuleSource | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

const rulesOf = (o: Obj): PolicyRule[] => (Array.isArray(o.rules) ? o.rules.filter((r) => r && Array.isArray(r.verbs)) : []);

function bindingOf(kind: Binding['kind'], o: Obj): Binding {
  return {
    kind,
    name: o.metadata.name ?? '',
    namespace: o.metadata.namespace ?? '',
    subjects: Array.isArray(o.subjects) ? o.subjects.filter((s: unknown) => s && typeof s === 'object') : [],
    roleRef: { kind: o.roleRef?.kind ?? '', name: o.roleRef?.name ?? '' },
  };
}

export class RbacPolicy {
  private index?: Index;

  constructor(private readonly source: RbacSource) {}

  private current(): Index {
    const version = this.source.version();
    if (this.index?.version === version) return this.index;
    const idx: Index = { version, clusterRoles: new Map(), roles: new Map(), clusterRoleBindings: [], roleBindings: new Map() };
    for (const o of this.source.objects('clusterroles')) idx.clusterRoles.set(o.metadata.name ?? '', rulesOf(o));
    for (const o of this.source.objects('roles')) idx.roles.set(`${o.metadata.namespace}/${o.metadata.name}`, rulesOf(o));
    for (const o of this.source.objects('clusterrolebindings')) idx.clusterRoleBindings.push(bindingOf('ClusterRoleBinding', o));
    for (const o of this.source.objects('rolebindings')) {
      const b = bindingOf('RoleBinding', o);
      const list = idx.roleBindings.get(b.namespace) ?? [];
      list.push(b);
      idx.roleBindings.set(b.namespace, list);
    }
    this.index = idx;
    return idx;
  }

  /** The rules of a role reference (GetRoleReferenceRules); an error text when the role is missing. */
  roleRules(kind: string, name: string, namespace: string): PolicyRule[] | string {
    const idx = this.current();
    if (kind === 'ClusterRole')
      return idx.clusterRoles.get(name) ?? `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`;
    if (kind === 'Role') return idx.roles.get(`${namespace}/${name}`) ?? `role.rbac.authorization.k8s.io ${JSON.stringify(name)} not found`;
    return `unsupported role reference kind: ${JSON.stringify(kind)}`;
  }

  /** VisitRulesFor: every rule bound to `user` at the cluster scope, then in `namespace` (when one is given). */
  visitRulesFor(user: UserInfo, namespace: string, visit: RuleVisitor): void {
    const idx = this.current();
    const walk = (bindings: readonly Binding[], ns: string): boolean => {
      for (const b of bindings) {
        const subject = b.subjects.find((s) => subjectMatches(user, s, ns));
        if (!subject) continue;
        const rules = this.roleRules(b.roleRef.kind, b.roleRef.name, b.namespace);
        if (typeof rules === 'string') {
          if (!visit(undefined, undefined, rules)) return false;
          continue;
        }
        for (const r of rules) if (!visit({ binding: b, subject }, r, undefined)) return false;
      }
      return true;
    };
    if (!walk(idx.clusterRoleBindings, '')) return;
    if (namespace) walk(idx.roleBindings.get(namespace) ?? [], namespace);
  }

  /** RulesFor: the user's rules in `namespace`, and the errors met (missing roles). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    this.visitRulesFor(user, namespace, (_s, r, err) => {
      if (r) rules.push(r);
      if (err) errors.push(err);
      return true;
    });
    return { rules, errors };
  }
}

/** How upstream describes a rule's source in an allow reason: `ClusterRoleBinding "x" of ClusterRole "y" to User "z"`. */
export function describeSource(s: RuleSource): string {
  const where =
    s.binding.kind === 'RoleBinding' ? `RoleBinding "${s.binding.name}/${s.binding.namespace}"` : `ClusterRoleBinding "${s.binding.name}"`;
  return `${where} of ${s.binding.roleRef.kind} "${s.binding.roleRef.name}" to ${s.subject.kind} "${s.subject.name}"`;
}
