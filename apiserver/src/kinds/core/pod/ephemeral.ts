// pods/ephemeralcontainers (upstream EphemeralContainersREST and podEphemeralContainersStrategy): GET
// answers the Pod; PUT and PATCH change spec.ephemeralContainers and nothing else (the rest of the body is
// dropped, as dropNonEphemeralContainerUpdates does); existing ephemeral containers may be neither removed
// nor changed, and each new one passes validateEphemeralContainers: a name unique among all the pod's
// containers, an image, a targetContainerName naming a container or init container, and none of the fields
// that would make it part of the workload (ports, probes, lifecycle, resources, subPath mounts...).
// What `kubectl debug` patches.
import { ApiError, statusFor } from '@minik8s/shared';
import { dns1123LabelErrors, fe, type Cause } from '../../../registry/fielderrors';
import { applyPatch } from '../../../registry/patch';
import { deepEqual } from '../../../registry/objects';
import { methodNotAllowed, type SubresourceDef } from '../../../registry/strategy';
import { isObj, type Obj } from '../../helpers';

const POD = { group: '', version: 'v1', kind: 'Pod' };

/** EphemeralContainerCommon fields that must stay unset (upstream's allowedEphemeralContainerFields, inverted). */
const FORBIDDEN_FIELDS = [
  'ports',
  'resources',
  'resizePolicy',
  'restartPolicy',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
];

const notFound = (field: string, value: unknown): Cause => ({
  field,
  reason: 'FieldValueNotFound',
  message: `Not found: ${JSON.stringify(value)}`,
});

/** Go's IsZero of the field: absent, null, an empty list or an empty object. */
const isZero = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && !v.length) || (isObj(v) && !Object.keys(v).length);

const names = (list: unknown): string[] => (Array.isArray(list) ? list.filter(isObj).map((c) => String(c.name ?? '')) : []);

/** validateEphemeralContainers: the list as a whole, against the pod's other containers. */
export function validateEphemeralContainers(spec: Obj): Cause[] {
  const list = spec.ephemeralContainers;
  if (isZero(list)) return [];
  const path = 'spec.ephemeralContainers';
  if (!Array.isArray(list)) return [fe.invalid(path, list, 'must be a list')];
  const others = new Set([...names(spec.containers), ...names(spec.initContainers)]);
  const all = new Set(others);
  const errs: Cause[] = [];
  list.forEach((c: unknown, i: number) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return errs.push(fe.invalid(p, c, 'must be an object'));
    if (typeof c.name !== 'string' || !c.name) errs.push(fe.required(`${p}.name`));
    else {
      for (const m of dns1123LabelErrors(c.name)) errs.push(fe.invalid(`${p}.name`, c.name, m));
      if (all.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
      all.add(c.name);
    }
    if (typeof c.image !== 'string' || !c.image.trim()) errs.push(fe.required(`${p}.image`));
    if (c.targetContainerName !== undefined && c.targetContainerName !== '' && !others.has(String(c.targetContainerName)))
      errs.push(notFound(`${p}.targetContainerName`, c.targetContainerName));
    for (const f of FORBIDDEN_FIELDS) if (!isZero(c[f])) errs.push(fe.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    if (Array.isArray(c.volumeMounts))
      c.volumeMounts.forEach((m: unknown, j: number) => {
        for (const f of ['subPath', 'subPathExpr'])
          if (isObj(m) && m[f]) errs.push(fe.forbidden(`${p}.volumeMounts[${j}].${f}`, 'cannot be set for an Ephemeral Container'));
      });
  });
  return errs;
}

/** ValidatePodEphemeralContainersUpdate's own part: no static pod, nothing existing removed or changed, then the list. */
export function validateEphemeralUpdate(next: Obj, old: Obj): Cause[] {
  if (old.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined)
    return [fe.forbidden('', 'static pods do not support ephemeral containers')];
  const errs: Cause[] = [];
  const path = 'spec.ephemeralContainers';
  const byName = new Map(
    (Array.isArray(next.spec?.ephemeralContainers) ? next.spec.ephemeralContainers : []).filter(isObj).map((c: Obj) => [c.name, c]),
  );
  for (const o of Array.isArray(old.spec?.ephemeralContainers) ? old.spec.ephemeralContainers : []) {
    const n = byName.get(o.name);
    if (!n) errs.push(fe.forbidden(path, `existing ephemeral containers ${JSON.stringify(o.name)} may not be removed\n`));
    else if (!deepEqual(n, o))
      errs.push(fe.forbidden(path, `existing ephemeral containers ${JSON.stringify(o.name)} may not be changed\n`));
  }
  return [...errs, ...validateEphemeralContainers(next.spec ?? {})];
}

/** The stored pod with only its ephemeral containers taken from `body`. */
function withEphemeral(cur: Obj, body: unknown): Obj {
  if (!isObj(body)) throw new ApiError(statusFor.badRequest('the body must be a Pod'));
  const list = body.spec?.ephemeralContainers;
  const spec: Obj = { ...cur.spec };
  if (list === undefined || list === null) delete spec.ephemeralContainers;
  else spec.ephemeralContainers = list;
  return { ...cur, spec };
}

export const ephemeralContainersSubresource: SubresourceDef = {
  responseKind: POD,
  verbs: ['get', 'patch', 'update'],
  async handler(req) {
    const { registry, r, name, namespace, dryRun } = req;
    if (req.method === 'GET') return { code: 200, object: await registry.get(r, name, namespace) };
    let edit: (cur: Obj) => Obj;
    let rv: unknown;
    if (req.method === 'PUT') {
      const body = req.object(POD);
      if (body.metadata?.name !== undefined && body.metadata.name !== name)
        throw new ApiError(
          statusFor.badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`),
        );
      rv = body.metadata?.resourceVersion;
      edit = (cur) => withEphemeral(cur, body);
    } else if (req.method === 'PATCH') {
      // server-side apply of ephemeral containers is not served (415 lists the patch types that are)
      const type = req.patchType(['json', 'merge', 'strategic']);
      const patch = req.body();
      rv = (patch as Obj | null)?.metadata?.resourceVersion;
      edit = (cur) => withEphemeral(cur, applyPatch(type, cur, patch));
    } else throw methodNotAllowed(req.method);
    const out = await registry.guaranteedUpdate(r, name, namespace, edit, {
      dryRun,
      precondition: typeof rv === 'string' && rv ? rv : undefined,
      validateUpdate: validateEphemeralUpdate,
    });
    return { code: 200, object: out };
  },
};
