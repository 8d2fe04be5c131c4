// The scale subresource (an autoscaling/v1 Scale view of spec.replicas) of the kinds that have one:
// Deployments, ReplicaSets, StatefulSets, ReplicationControllers. What `kubectl scale` and the HPA use.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import { fe } from '../registry/fielderrors';
import { methodNotAllowed, type HandlerRequest, type SubresourceDef } from '../registry/strategy';
import { scaleWrite, type ScaleWrite } from '../registry/fieldmanager';
import { applyPatch } from '../registry/patch';
import type { Obj } from './helpers';

const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** The Scale of an object; `selector` renders its pod selector as a string. */
export function scaleOf(o: KubeObject, selector: (spec: Obj) => string): Obj {
  const spec = (o.spec ?? {}) as Obj;
  const status = (o.status ?? {}) as Obj;
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: selector(spec) },
  };
}

/**
 * Change spec.replicas through the Scale view (`write`: the new Scale, or an apply configuration); `rv` (the
 * Scale's resourceVersion) is a precondition. `manager` is recorded in the parent's managedFields.
 */
async function setScale(req: HandlerRequest, selector: (spec: Obj) => string, write: (old: Obj) => ScaleWrite, rv: unknown, manager: string): Promise<Obj> {
  const { registry, r, name, namespace, dryRun } = req;
  const out = await registry.guaranteedUpdate(
    r,
    name,
    namespace,
    (cur) => {
      const { scale, managedFields } = scaleWrite(registry.kinds, r, cur, scaleOf(cur, selector), write(scaleOf(cur, selector)), manager);
      const n = scale?.spec?.replicas;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        throw new ApiError(statusFor.invalid('Scale', 'autoscaling', name, [fe.invalid('spec.replicas', n, 'must be greater than or equal to 0')]));
      const metadata = { ...cur.metadata, managedFields };
      if (!managedFields) delete metadata.managedFields;
      return { ...cur, metadata, spec: { ...(cur.spec as Obj), replicas: n } };
    },
    { dryRun, precondition: typeof rv === 'string' && rv ? rv : undefined, applied: true },
  );
  return scaleOf(out, selector);
}

export function scaleSubresource(selector: (spec: Obj) => string): SubresourceDef {
  return {
    responseKind: SCALE,
    verbs: ['get', 'patch', 'update'],
    async handler(req) {
      const { registry, r, name, namespace } = req;
      if (req.method === 'GET') return { code: 200, body: scaleOf(await registry.get(r, name, namespace), selector) };
      if (req.method === 'PUT') {
        const { manager } = req.writeManager('UpdateOptions');
        const body = req.object(SCALE);
        return { code: 200, body: await setScale(req, selector, (s) => ({ next: { ...s, spec: body.spec } }), body.metadata?.resourceVersion, manager) };
      }
      if (req.method === 'PATCH') {
        const type = req.patchType();
        const { manager, force } = req.writeManager('PatchOptions', type === 'apply');
        const patch = req.body();
        if (type === 'apply') {
          const config = req.object(SCALE);
          return { code: 200, body: await setScale(req, selector, () => ({ config, force }), config.metadata?.resourceVersion, manager) };
        }
        return { code: 200, body: await setScale(req, selector, (s) => ({ next: applyPatch(type, s, patch) }), (patch as Obj)?.metadata?.resourceVersion, manager) };
      }
      throw methodNotAllowed(req.method);
    },
  };
}
