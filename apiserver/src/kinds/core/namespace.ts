// Namespaces (upstream pkg/registry/core/namespace): start Active with the `kubernetes` finalizer and the
// kubernetes.io/metadata.name label; a DELETE makes them Terminating until PUT namespaces/NAME/finalize
// empties spec.finalizers (the namespace controller does, once their content is gone). The
// NamespaceLifecycle admission refuses creates in missing or terminating namespaces.
import { ApiError, statusFor } from '@minik8s/shared';
import { dns1123LabelErrors, fe, type Cause } from '../../registry/fielderrors';
import { obj, qualifiedName, strings } from '../../registry/validation';
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { CreateAdmission } from '../../registry/registry';
import { methodNotAllowed, type Handler, type ResourceStrategy } from '../../registry/strategy';
import { clone, rfc3339, type Obj } from '../../registry/objects';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent, str } from '../helpers';

const NAME_LABEL = 'kubernetes.io/metadata.name';
const MAX_RETRIES = 20;

/** PUT namespaces/NAME/finalize: only spec.finalizers changes; an emptied Terminating namespace goes away. */
const finalize: Handler = async (req) => {
  if (req.method !== 'PUT') throw methodNotAllowed(req.method);
  const { registry, r, name } = req;
  const body = req.object(r);
  const key = registry.key(r, name);
  for (let i = 0; i < MAX_RETRIES; i++) {
    const cur = await registry.store.get(key);
    if (!cur) throw new ApiError(statusFor.notFound(r, name));
    const next = clone(cur.obj) as Obj;
    next.spec = { ...(next.spec ?? {}), finalizers: body?.spec?.finalizers ?? [] };
    if (req.dryRun) return { code: 200, object: next as typeof cur.obj };
    if (next.metadata.deletionTimestamp && !next.spec.finalizers.length && !(next.metadata.finalizers ?? []).length) {
      const del = await registry.store.delete(key, cur.rev);
      if (del.ok) return { code: 200, object: next as typeof cur.obj };
      continue;
    }
    const res = await registry.store.update(key, cur.rev, next as typeof cur.obj);
    if (res.ok) return { code: 200, object: res.stored.obj };
  }
  throw new ApiError(statusFor.conflict(r, name, 'too many concurrent updates, please retry'));
};

/** A DELETE marks the namespace Terminating; it goes at once only without finalizers of either kind. */
function mark(cur: Obj, _options: unknown, now: Date): Obj | undefined {
  const next = clone(cur);
  next.metadata.deletionTimestamp ??= rfc3339(now);
  next.metadata.deletionGracePeriodSeconds ??= 0;
  next.status = { ...(next.status ?? {}), phase: 'Terminating' };
  if (!(next.spec?.finalizers ?? []).length && !(cur.metadata.finalizers ?? []).length) return undefined;
  return next;
}

const message = defineMessages(`
message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }
`);

export const namespaces: ResourceStrategy = {
  group: '',
  kind: 'Namespace',
  resource: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
  versions: [{ name: 'v1' }],
  nameRule: dns1123LabelErrors,
  status: { initial: () => ({ phase: 'Active' }) },
  subresources: { finalize: { verbs: ['update'], handler: finalize } },
  prepareForCreate(o) {
    if (isObj(o.metadata.labels) || o.metadata.labels == null) o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAME_LABEL]: o.metadata.name };
  },
  prepareForUpdate(next, old) {
    if (isObj(next.metadata.labels) || next.metadata.labels == null) next.metadata.labels = { ...(next.metadata.labels ?? {}), [NAME_LABEL]: old.metadata.name };
  },
  defaults(o) {
    o.spec = o.spec && typeof o.spec === 'object' ? o.spec : {};
    setIfAbsent(o.spec, 'finalizers', ['kubernetes']);
  },
  validate(o) {
    const errs: Cause[] = [];
    const spec = obj(errs, 'spec', o.spec);
    for (const [f] of strings(errs, 'spec.finalizers', spec?.finalizers)) {
      const before = errs.length;
      qualifiedName(errs, 'spec.finalizers', f);
      if (errs.length === before && !f.includes('/') && f !== 'kubernetes') errs.push(fe.invalid('spec.finalizers', f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
    return errs;
  },
  deletion: { mark, finalized: (o) => !(o.spec?.finalizers ?? []).length },
  table: {
    columns: [NAME, col('Status', { description: 'The status of the namespace' }), AGE],
    cells: (o, now) => [nameOf(o), o.status?.phase ?? '', ageOf(o, now)],
  },
  selectableFields: { 'metadata.name': METADATA_SELECTABLE['metadata.name'], 'status.phase': (o) => str(o.status?.phase) },
  protobuf: message('Namespace'),
};

/** Upstream's NamespaceLifecycle admission: namespaced creates need an existing namespace that is not terminating. */
export const namespaceLifecycle: CreateAdmission = async (registry, { r, namespace, name }) => {
  if (!r.namespaced) return;
  if (!namespace) throw new ApiError(statusFor.badRequest('the namespace of the object must be set'));
  const nsKind = registry.resource(namespaces);
  const ns = await registry.peek(nsKind, namespace);
  if (!ns) throw new ApiError(statusFor.notFound(nsKind, namespace));
  if (ns.metadata.deletionTimestamp || (ns.status as Obj | undefined)?.phase === 'Terminating')
    throw new ApiError({
      ...statusFor.forbidden(`${r.resource}${r.group ? '.' + r.group : ''} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`),
      details: { causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] },
    });
};
