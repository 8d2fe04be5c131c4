// RBAC escalation prevention (upstream pkg/registry/rbac: the policybased storage of roles and bindings):
// a Role or ClusterRole may only be written with rules its writer holds, unless they may `escalate` it;
// a binding only to a role whose rules its writer holds, unless they may `bind` it. system:masters (and
// any AlwaysAllow chain) passes through the authorizer. The apiserver's own writes carry no user and pass.
import { ApiError, failure } from '@minik8s/shared';
import type { Authorizer, UserInfo } from '../../auth/types';
import { MASTERS_GROUP } from '../../auth/types';
import type { RbacPolicy } from '../../auth/rbac/policy';
import { covers, ruleString, type PolicyRule } from '../../auth/rbac/rules';
import type { AdmissionAttributes, AdmissionPlugin } from '../../registry/admission';
import { isObj, type Obj } from '../helpers';
import { RBAC_GROUP } from './common';

const ROLE_RESOURCES = new Set(['roles', 'clusterroles']);
const BINDING_RESOURCES = new Set(['rolebindings', 'clusterrolebindings']);

function forbidden(a: AdmissionAttributes, why: string): ApiError {
  const message = `${a.r.resource}.${RBAC_GROUP} ${JSON.stringify(a.name)} is forbidden: ${why}`;
  return new ApiError(failure(403, 'Forbidden', message, { name: a.name, group: RBAC_GROUP, kind: a.r.resource }));
}

/** May `user` use `verb` (escalate, bind) on this role? */
async function allowedOn(
  authorizer: Pick<Authorizer, 'authorize'>,
  user: UserInfo,
  verb: string,
  resource: string,
  name: string,
  namespace: string,
): Promise<boolean> {
  const r = await authorizer.authorize({
    user,
    isResourceRequest: true,
    path: '',
    verb,
    apiGroup: RBAC_GROUP,
    apiVersion: '*',
    resource,
    subresource: '',
    name,
    namespace,
  });
  return r.decision === 'allow';
}

/** ConfirmNoEscalation: every rule granted must be one the user holds in `namespace`. */
function confirmNoEscalation(a: AdmissionAttributes, policy: RbacPolicy, user: UserInfo, namespace: string, rules: PolicyRule[]): void {
  const held = policy.rulesFor(user, namespace);
  const { missing } = covers(held.rules, rules);
  if (!missing.length) return;
  const pieces = [...new Set(missing.map(ruleString))].sort();
  let msg = `user ${JSON.stringify(user.name)} (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${pieces.join('\n')}`;
  if (held.errors.length) msg += `; resolution errors: [${held.errors.join(', ')}]`;
  throw forbidden(a, msg);
}

const rulesOf = (o: Obj): PolicyRule[] =>
  Array.isArray(o.rules) ? o.rules.filter((r: unknown) => isObj(r) && Array.isArray(r.verbs)) : [];

export function rbacEscalation(authorizer: Pick<Authorizer, 'authorize'>, policy: RbacPolicy): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    operations: ['CREATE', 'UPDATE'],
    async validate(_registry, a) {
      const user = a.user;
      if (!user || a.r.group !== RBAC_GROUP || user.groups.includes(MASTERS_GROUP)) return;
      const namespace = a.namespace ?? '';
      if (ROLE_RESOURCES.has(a.r.resource)) {
        if (await allowedOn(authorizer, user, 'escalate', a.r.resource, a.name, namespace)) return;
        return confirmNoEscalation(a, policy, user, namespace, rulesOf(a.obj));
      }
      if (!BINDING_RESOURCES.has(a.r.resource)) return;
      const ref = isObj(a.obj.roleRef) ? a.obj.roleRef : {};
      const kind = String(ref.kind ?? '');
      const name = String(ref.name ?? '');
      const roleResource = kind === 'Role' ? 'roles' : 'clusterroles';
      if (await allowedOn(authorizer, user, 'bind', roleResource, name, namespace)) return;
      const rules = policy.roleRules(kind, name, namespace);
      if (typeof rules === 'string') throw new ApiError(failure(404, 'NotFound', rules));
      confirmNoEscalation(a, policy, user, namespace, rules);
    },
  };
}
