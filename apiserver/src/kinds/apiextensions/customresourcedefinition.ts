// CustomResourceDefinitions (upstream apiextensions-apiserver pkg/registry/customresourcedefinition): a
// cluster-scoped kind with a status subresource. A new one starts with its storage version stored and
// no accepted names (the CRD controller, controller.ts, accepts them and serves the kind); a spec change
// bumps generation and records a new storage version; a DELETE marks it Terminating with the
// customresourcecleanup.apiextensions.k8s.io finalizer, which the controller removes once every instance
// is gone.
import type { ResourceStrategy } from '../../registry/strategy';
import { clone, isObj, rfc3339, type Obj } from '../../registry/objects';
import { withCondition } from './conditions';
import { validateCrd, validateCrdCosts, validateCrdStatus, validateCrdUpdate, versionsOf } from './validation';

export const GROUP = 'apiextensions.k8s.io';
export const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const storageVersion = (crd: Obj): string | undefined => versionsOf(crd).find((v) => v.storage === true)?.name;

/** status.storedVersions with the current storage version added (upstream PrepareForCreate/Update). */
function storedVersions(crd: Obj, status: Obj | undefined): Obj {
  const stored: string[] = Array.isArray(status?.storedVersions) ? status.storedVersions : [];
  const v = storageVersion(crd);
  return { ...(status ?? {}), storedVersions: v && !stored.includes(v) ? [...stored, v] : stored };
}

/** The first DELETE: Terminating, with the cleanup finalizer (upstream's REST Delete); later ones wait for it. */
function mark(cur: Obj, _options: unknown, now: Date): Obj | undefined {
  const finalizers: string[] = cur.metadata.finalizers ?? [];
  if (cur.metadata.deletionTimestamp) return finalizers.length ? clone(cur) : undefined;
  const next = clone(cur);
  next.metadata.deletionTimestamp = rfc3339(now);
  if (!finalizers.includes(CLEANUP_FINALIZER)) next.metadata.finalizers = [...finalizers, CLEANUP_FINALIZER];
  next.status = withCondition(
    next.status,
    {
      type: 'Terminating',
      status: 'True',
      reason: 'InstanceDeletionPending',
      message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon',
    },
    now,
  );
  return next;
}

export const customResourceDefinitions: ResourceStrategy = {
  group: GROUP,
  kind: 'CustomResourceDefinition',
  resource: 'customresourcedefinitions',
  namespaced: false,
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  versions: [{ name: 'v1' }],
  storageKey: 'apiextensions.k8s.io/customresourcedefinitions',
  status: {
    initial: (o) => storedVersions(o, { acceptedNames: { plural: '', kind: '' } }),
    validate: validateCrdStatus,
  },
  defaults(o) {
    const spec = isObj(o.spec) ? o.spec : undefined;
    if (!spec) return;
    const names = isObj(spec.names) ? spec.names : undefined;
    if (names) {
      if (!names.singular && typeof names.kind === 'string') names.singular = names.kind.toLowerCase();
      if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
    }
    spec.conversion ??= { strategy: 'None' };
    const svc = spec.conversion?.webhook?.clientConfig?.service;
    if (isObj(svc)) svc.port ??= 443;
    // a new storage version is recorded as stored (upstream PrepareForCreate / PrepareForUpdate)
    o.status = storedVersions(o, o.status);
  },
  validate: validateCrd,
  validateCreate: (crd) => validateCrdCosts(crd),
  validateUpdate: validateCrdUpdate,
  deletion: { mark },
};
