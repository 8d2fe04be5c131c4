// --authorization-mode RBAC (upstream plugin/pkg/auth/authorizer/rbac): allow when a rule bound to the
// user allows the request; otherwise no opinion (the next mode decides; nobody's opinion is a denial),
// with the RBAC errors met (a binding to a missing role) as the reason.
import { registerAuthorizerMode } from '../authorizer';
import type { Attributes, AuthorizationResult, Authorizer, RulesResult, UserInfo } from '../types';
import { describeSource, RbacPolicy } from './policy';
import { ruleAllows } from './rules';

export function rbacAuthorizer(policy: RbacPolicy): Authorizer {
  return {
    name: 'RBAC',
    authorize(a: Attributes): AuthorizationResult {
      let allowedBy = '';
      const errors: string[] = [];
      policy.visitRulesFor(a.user, a.namespace, (source, rule, err) => {
        if (err) errors.push(err);
        if (source && rule && ruleAllows(a, rule)) {
          allowedBy = describeSource(source);
          return false;
        }
        return true;
      });
      if (allowedBy) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
      return { decision: 'no-opinion', reason: errors.length ? `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` : '' };
    },
    rulesFor(user: UserInfo, namespace: string): RulesResult {
      const { rules, errors } = policy.rulesFor(user, namespace);
      const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: errors.length > 0 };
      for (const r of rules) {
        if (r.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: [...r.verbs], nonResourceURLs: [...r.nonResourceURLs] });
        else
          out.resourceRules.push({
            verbs: [...r.verbs],
            apiGroups: [...(r.apiGroups ?? [])],
            resources: [...(r.resources ?? [])],
            ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}),
          });
      }
      if (errors.length) out.evaluationError = errors.join(', ');
      return out;
    },
  };
}

registerAuthorizerMode('RBAC', (deps) => {
  if (!(deps.rbac instanceof RbacPolicy)) throw new Error('--authorization-mode RBAC: the apiserver gave no RBAC policy');
  return rbacAuthorizer(deps.rbac);
});
