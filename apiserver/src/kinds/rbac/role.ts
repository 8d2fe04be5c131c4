// Roles (upstream pkg/registry/rbac/role): rules within one namespace.
import type { Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { RBAC_GROUP, message, policyRules, rbacNameRule, roleTable } from './common';

export const roles: ResourceStrategy = {
  group: RBAC_GROUP,
  kind: 'Role',
  resource: 'roles',
  namespaced: true,
  versions: [{ name: 'v1' }],
  nameRule: rbacNameRule,
  validate(o) {
    const errs: Cause[] = [];
    policyRules(errs, 'rules', o.rules, true);
    return errs;
  },
  table: roleTable,
  protobuf: message('Role'),
};
