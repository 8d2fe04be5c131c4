// The scale subresource (an autoscaling/v1 Scale view of an object's replicas) of the kinds that have one:
// Deployments, ReplicaSets, StatefulSets, ReplicationControllers (spec.replicas, status.replicas), and
// custom resources (the paths their CustomResourceDefinition names). What `kubectl scale` and the HPA use.
import { ApiError, statusFor, type KubeObject } from '@minik8s/shared';
import { fe } from '../registry/fielderrors';
import { methodNotAllowed, type HandlerRequest, type SubresourceDef } from '../registry/strategy';
import { scaleWrite, type ScaleWrite } from '../registry/fieldmanager';
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
  /** The field names leading to the desired replicas (whose owners are the Scale's owners of spec.replicas). */
  replicasPath: readonly string[];
}

/** spec.replicas and status.replicas; `selector` renders the spec's pod selector as a string. */
export function replicasView(selector: (spec: Obj) => string): ScaleView {
  return {
    specReplicas: (o) => o.spec?.replicas,
    statusReplicas: (o) => o.status?.replicas,
    selector: (o) => selector((o.spec ?? {}) as Obj),
    withReplicas: (o, n) => ({ ...o, spec: { ...(o.spec as Obj), replicas: n } }),
    replicasPath: ['spec', 'replicas'],
  };
}

const count = (v: unknown) => (typeof v === 'number' ? v : 0);

/** The Scale of an object. */
export function scaleOf(o: KubeObject, view: ScaleView): Obj {
  const m = o.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: count(view.specReplicas(o)) },
    status: { replicas: count(view.statusReplicas(o)), selector: view.selector(o) },
  };
}

/**
 * Change the desired replicas through the Scale view (`write`: the new Scale, or an apply configuration); `rv`
 * (the Scale's resourceVersion) is a precondition. `manager` is recorded in the parent's managedFields.
 */
async function setScale(req: HandlerRequest, view: ScaleView, write: (old: Obj) => ScaleWrite, rv: unknown, manager: string): Promise<Obj> {
  const { registry, r, name, namespace, dryRun } = req;
  const out = await registry.guaranteedUpdate(
    r,
    name,
    namespace,
    (cur) => {
      const old = scaleOf(cur, view);
      const { scale, managedFields } = scaleWrite(registry.kinds, r, cur, old, write(old), manager, view.replicasPath);
      const n = scale?.spec?.replicas;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
        throw new ApiError(
          statusFor.invalid('Scale', 'autoscaling', name, [fe.invalid('spec.replicas', n, 'must be greater than or equal to 0')]),
        );
      const next = view.withReplicas(cur, n);
      const metadata = { ...next.metadata, managedFields };
      if (!managedFields) delete metadata.managedFields;
      return { ...next, metadata };
    },
    { dryRun, precondition: typeof rv === 'string' && rv ? rv : undefined, applied: true },
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
      const { registry, r, name, namespace } = req;
      if (req.method === 'GET') return { code: 200, body: scaleOf(await registry.get(r, name, namespace), v) };
      if (req.method === 'PUT') {
        const { manager } = req.writeManager('UpdateOptions');
        const body = req.object(SCALE);
        return {
          code: 200,
          body: await setScale(req, v, (s) => ({ next: { ...s, spec: body.spec } }), body.metadata?.resourceVersion, manager),
        };
      }
      if (req.method === 'PATCH') {
        const type = req.patchType();
        const { manager, force } = req.writeManager('PatchOptions', type === 'apply');
        const patch = req.body();
        if (type === 'apply') {
          const config = req.object(SCALE);
          return { code: 200, body: await setScale(req, v, () => ({ config, force }), config.metadata?.resourceVersion, manager) };
        }
        return {
          code: 200,
          body: await setScale(req, v, (s) => ({ next: applyPatch(type, s, patch) }), (patch as Obj)?.metadata?.resourceVersion, manager),
        };
      }
      throw methodNotAllowed(req.method);
    },
  };
}
