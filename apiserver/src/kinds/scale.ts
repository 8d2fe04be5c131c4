// The scale subresource (an autoscaling/v1 Scale view of spec.replicas) of the kinds that have one:
// Deployments, ReplicaSets, StatefulSets, ReplicationControllers. What `kubectl scale` and the HPA use.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import { fe } from '../registry/fielderrors';
import type { Registry } from '../registry/registry';
import type { ServedResource } from '../registry/kinds';
import { methodNotAllowed, type SubresourceDef } from '../registry/strategy';
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

/** Change spec.replicas through the Scale view; `rv` (the Scale's resourceVersion) is a precondition. */
async function setScale(registry: Registry, r: ServedResource, name: string, namespace: string | undefined, selector: (spec: Obj) => string, edit: (scale: Obj) => Obj, rv: unknown, dryRun: boolean): Promise<Obj> {
  const out = await registry.guaranteedUpdate(
    r,
    name,
    namespace,
    (cur) => {
      const scale = edit(scaleOf(cur, selector));
      const n = scale?.spec?.replicas;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        throw new ApiError(statusFor.invalid('Scale', 'autoscaling', name, [fe.invalid('spec.replicas', n, 'must be greater than or equal to 0')]));
      return { ...cur, spec: { ...(cur.spec as Obj), replicas: n } };
    },
    { dryRun, precondition: typeof rv === 'string' && rv ? rv : undefined },
  );
  return scaleOf(out, selector);
}

export function scaleSubresource(selector: (spec: Obj) => string): SubresourceDef {
  return {
    responseKind: SCALE,
    verbs: ['get', 'patch', 'update'],
    async handler(req) {
      const { registry, r, name, namespace, dryRun } = req;
      if (req.method === 'GET') return { code: 200, body: scaleOf(await registry.get(r, name, namespace), selector) };
      if (req.method === 'PUT') {
        const body = req.object(SCALE);
        return { code: 200, body: await setScale(registry, r, name, namespace, selector, (s) => ({ ...s, spec: body.spec }), body.metadata?.resourceVersion, dryRun) };
      }
      if (req.method === 'PATCH') {
        const type = req.patchType();
        const patch = req.body();
        return { code: 200, body: await setScale(registry, r, name, namespace, selector, (s) => applyPatch(type, s, patch), (patch as Obj)?.metadata?.resourceVersion, dryRun) };
      }
      throw methodNotAllowed(req.method);
    },
  };
}
