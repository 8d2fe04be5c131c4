// pods/binding (and the legacy namespaces/NS/bindings): bind a pod to a node (spec.nodeName + the
// PodScheduled condition), refusing a pod that is already bound or being deleted; what the scheduler posts.
import { ApiError, statusFor } from '@minik8s/shared';
import type { Registry } from '../../../registry/registry';
import type { ServedResource } from '../../../registry/kinds';
import { methodNotAllowed, success, type Handler, type SubresourceDef } from '../../../registry/strategy';
import { fe } from '../../../registry/fielderrors';
import { rfc3339, type Obj } from '../../../registry/objects';

export const BINDING = { group: '', version: 'v1', kind: 'Binding' };

export async function bindPod(registry: Registry, pods: ServedResource, namespace: string, name: string | undefined, binding: Obj, dryRun: boolean): Promise<void> {
  if (!name) throw new ApiError(statusFor.invalid('Binding', '', '', [fe.required('metadata.name')]));
  const node = binding.target?.name;
  if (!node || typeof node !== 'string') throw new ApiError(statusFor.invalid('Binding', '', name, [fe.required('target.name')]));
  if (binding.target.kind && binding.target.kind !== 'Node') throw new ApiError(statusFor.invalid('Binding', '', name, [fe.notSupported('target.kind', binding.target.kind, ['Node'])]));
  await registry.guaranteedUpdate(
    pods,
    name,
    namespace,
    (cur) => {
      const spec = (cur.spec ?? {}) as Obj;
      if (cur.metadata.deletionTimestamp) throw new ApiError(statusFor.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is being deleted, cannot be assigned to a host`));
      if (spec.nodeName) throw new ApiError(statusFor.conflict({ group: '', resource: 'pods/binding' }, name, `pod ${name} is already assigned to node "${spec.nodeName}"`));
      return { ...cur, spec: { ...spec, nodeName: node } };
    },
    {
      dryRun,
      after: (next) => {
        const st = (next.status = { ...(next.status ?? {}) });
        const conds: Obj[] = (st.conditions ?? []).filter((c: Obj) => c.type !== 'PodScheduled');
        conds.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: rfc3339() });
        st.conditions = conds;
      },
    },
  );
}

const bind: Handler = async (req) => {
  if (req.method !== 'POST') throw methodNotAllowed(req.method);
  await bindPod(req.registry, req.r, req.namespace!, req.name, req.object(BINDING), req.dryRun);
  return success(201);
};

export const bindingSubresource: SubresourceDef = { responseKind: BINDING, verbs: ['create'], handler: bind };
