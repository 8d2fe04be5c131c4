// The NodeRestriction admission plugin: limits what a node identity (system:node:<name> in system:nodes)
// may write, by the rules in rules.ts; other users pass untouched. Runs in the validating phase, after
// the Node authorizer allowed the request by kind, and reads what it needs from the watch caches.
import { nodeIdentity } from '../../../auth/node-authorizer';
import { admissionForbidden, type AdmissionPlugin } from '../../../registry/admission';
import { nodes } from '../node';
import { pods } from '../pod';
import { nodeRestriction, type NodeRequestContext } from './rules';

export const nodeRestrictionAdmission: AdmissionPlugin = {
  name: 'NodeRestriction',
  operations: ['CREATE', 'UPDATE', 'DELETE'],
  subresources: ['status', 'eviction', 'token'],
  validate: async (registry, attrs) => {
    if (!attrs.user) return;
    const node = nodeIdentity(attrs.user);
    if (node === undefined) return;
    if (!node) throw admissionForbidden(attrs, `could not determine node from user "${attrs.user.name}"`);
    const { r, obj } = attrs;
    const req = {
      operation: attrs.operation,
      resource: r.group ? `${r.group}/${r.resource}` : r.resource,
      subresource: attrs.subresource ?? '',
      namespace: attrs.namespace ?? '',
      name: attrs.name,
      obj,
      old: attrs.old,
    };
    const ctx: NodeRequestContext = {};
    if (req.resource === 'pods' && req.subresource === 'eviction') ctx.pod = attrs.old;
    const ref = obj.spec?.boundObjectRef;
    if (
      req.resource === 'serviceaccounts' &&
      req.subresource === 'token' &&
      ref?.kind === 'Pod' &&
      typeof ref.name === 'string' &&
      ref.name
    )
      ctx.pod = await registry.peek(registry.resource(pods), ref.name, attrs.namespace);
    if (req.resource === 'pods' && attrs.operation === 'CREATE' && obj.metadata?.ownerReferences?.length === 1)
      ctx.nodeUid = (await registry.peek(registry.resource(nodes), node))?.metadata.uid;
    const reason = nodeRestriction(node, req, ctx);
    if (reason) throw admissionForbidden(attrs, reason);
  },
};
