// RoleBindings (upstream pkg/registry/rbac/rolebinding): subjects granted a Role, or a ClusterRole's
// rules within the binding's namespace.
import type { ResourceStrategy } from '../../registry/strategy';
import { RBAC_GROUP, bindingTable, defaultBinding, message, rbacNameRule, validateBinding, validateBindingUpdate } from './common';

export const roleBindings: ResourceStrategy = {
  group: RBAC_GROUP,
  kind: 'RoleBinding',
  resource: 'rolebindings',
  namespaced: true,
  versions: [{ name: 'v1' }],
  nameRule: rbacNameRule,
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, true),
  validateUpdate: validateBindingUpdate,
  table: bindingTable,
  protobuf: message('RoleBinding'),
};
