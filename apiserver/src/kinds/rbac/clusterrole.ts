// ClusterRoles (upstream pkg/registry/rbac/clusterrole): rules for every namespace, cluster-scoped
// resources and non-resource URLs; an aggregationRule's rules are filled in by the aggregation controller.
import type { Cause } from '../../registry/fielderrors';
import type { ResourceStrategy } from '../../registry/strategy';
import { RBAC_GROUP, aggregationRule, message, policyRules, rbacNameRule, roleTable } from './common';

export const clusterRoles: ResourceStrategy = {
  group: RBAC_GROUP,
  kind: 'ClusterRole',
  resource: 'clusterroles',
  namespaced: false,
  versions: [{ name: 'v1' }],
  nameRule: rbacNameRule,
  validate(o) {
    const errs: Cause[] = [];
    policyRules(errs, 'rules', o.rules, false);
    aggregationRule(errs, o.aggregationRule);
    return errs;
  },
  table: roleTable,
  protobuf: message('ClusterRole'),
};
