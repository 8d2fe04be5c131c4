// ClusterRoleBindings (upstream pkg/registry/rbac/clusterrolebinding): subjects granted a ClusterRole everywhere.
import type { ResourceStrategy } from '../../registry/strategy';
import { RBAC_GROUP, bindingTable, defaultBinding, message, rbacNameRule, validateBinding, validateBindingUpdate } from './common';

export const clusterRoleBindings: ResourceStrategy = {
  group: RBAC_GROUP,
  kind: 'ClusterRoleBinding',
  resource: 'clusterrolebindings',
  namespaced: false,
  versions: [{ name: 'v1' }],
  nameRule: rbacNameRule,
  defaults: defaultBinding,
  validate: (o) => validateBinding(o, false),
  validateUpdate: validateBindingUpdate,
  table: bindingTable,
  protobuf: message('ClusterRoleBinding'),
};
