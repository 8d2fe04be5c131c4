// The scale subresource (an autoscaling/v1 Scale view of an object's replicas) of the kinds that have one:
// Deployments, ReplicaSets, StatefulSets, ReplicationControllers (spec.replicas, status.replicas), and
// custom resources (the paths their CustomResourceDefinition names). What `kubectl scale` and the HPA use.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import { fe } from '../registry/fielderrors';
import type { Registry } from '../registry/registry';
import type { ServedResource } from '../registry/kinds';
import { methodNotAllowed, type SubresourceDef } from '../registry/strategy';
import { applyPatch } from '../registry/patch';
import type { Obj } from './helpers';

const SCALE = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

/** Where an object keeps what its Scale shows. */
export interface ScaleView {
  /** The desired replicas (undefined when unset). */
  specReplicas(o: Obj): unknown;
  statusReplicas(o: Obj): unknown;
  /** The pod selector as a string ("" when none). */
  selector(o: Obj): string;
  /** The object with its desired replicas set to `n`. */
  withReplicas(o: Obj, n: number): Obj;
}

/** spec.replicas and status.replicas; `selector` renders the spec's pod selector as a string. */
export function replicasView(selector: (spec: Obj) => string): ScaleView {
  return {
    specReplicas: (o) => o.spec?.replicas,
    statusReplicas: (o) => o.status?.replicas,
    selector: (o) => selector((o.spec ?? {}) as Obj),
    withReplicas: (o, n) => ({ ...o, spec: { ...(o.spec as Obj), replicas: n } }),
  };
}

const count = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The Scale of an object. */
export function scaleOf(o: KubeObject, view: ScaleView): Obj {
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: count(view.specReplicas(o)) },
    status: { replicas: count(view.statusReplicas(o)), selector: view.selector(o) },
  };
}

/** Change the desired replicas through the Scale view; `rv` (the Scale's resourceVersion) is a precondition. */
async function setScale(registry: Registry, r: ServedResource, name: string, namespace: string | undefined, view: ScaleView, edit: (scale: Obj) => Obj, rv: unknown, dryRun: boolean): Promise<Obj> {
  const out = await registry.guaranteedUpdate(
    r,
    name,
    namespace,
    (cur) => {
      const scale = edit(scaleOf(cur, view));
      const n = scale?.spec?.replicas;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        throw new ApiError(statusFor.invalid('Scale', 'autoscaling', name, [fe.invalid('spec.replicas', n, 'must be greater than or equal to 0')]));
      return view.withReplicas(cur, n);
    },
    { dryRun, precondition: typeof rv === 'string' && rv ? rv : undefined },
  );
  return scaleOf(out, view);
}

/** The scale subresource of a kind: spec.replicas with the pod selector `selector` renders, or another view. */
export function scaleSubresource(view: ScaleView | ((spec: Obj) => string)): SubresourceDef {
  const v = typeof view === 'function' ? replicasView(view) : view;
  return {
    responseKind: SCALE,
    verbs: ['get', 'patch', 'update'],
    async handler(req) {
      const { registry, r, name, namespace, dryRun } = req;
      if (req.method === 'GET') return { code: 200, body: scaleOf(await registry.get(r, name, namespace), v) };
      if (req.method === 'PUT') {
        const body = req.object(SCALE);
        return { code: 200, body: await setScale(registry, r, name, namespace, v, (s) => ({ ...s, spec: body.spec }), body.metadata?.resourceVersion, dryRun) };
      }
      if (req.method === 'PATCH') {
        const type = req.patchType();
        const patch = req.body();
        return { code: 200, body: await setScale(registry, r, name, namespace, v, (s) => applyPatch(type, s, patch), (patch as Obj)?.metadata?.resourceVersion, dryRun) };
      }
      throw methodNotAllowed(req.method);
    },
  };
}
