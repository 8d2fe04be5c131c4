// Pods (upstream pkg/registry/core/pod): start Pending, graceful deletion for pods bound to a node,
// a spec that updates may change only in images and a few fields, field selectors a kubelet and the
// scheduler use, watchers indexed by spec.nodeName (each kubelet watches its node's pods), and the
// binding, eviction and ephemeralcontainers subresources (log, exec, attach and portforward are served by
// ../../../podproxy).
import { fe, type Cause } from '../../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../../registry/kinds';
import { methodNotAllowed, success, type ResourceStrategy } from '../../../registry/strategy';
import { clone, deepEqual, type Obj } from '../../../registry/objects';
import { isObj, proxySubresource, str } from '../../helpers';
import { dnsSubdomain, ip, obj, objects, oneOf, str as strField } from '../../../registry/validation';
import { parseIPSloppy } from '@minik8s/shared';
import { defaultPodSpec, validatePodSpec } from '../podspec';
import { BINDING, bindPod, bindingSubresource } from './binding';
import { evictionSubresource } from './eviction';
import { ephemeralContainersSubresource } from './ephemeral';
import { podPrinter } from './table';

/** Pod spec fields an update may change (upstream ValidatePodUpdate). */
function maskMutablePodSpec(spec: Obj): Obj {
  const s = clone(spec ?? {});
  for (const list of [s.containers, s.initContainers]) if (Array.isArray(list)) for (const c of list) if (c) delete c.image;
  delete s.activeDeadlineSeconds;
  delete s.tolerations;
  delete s.terminationGracePeriodSeconds;
  return s;
}

function validateUpdate(next: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  if (os.nodeName && ns.nodeName !== os.nodeName) errs.push(fe.immutable('spec.nodeName', ns.nodeName));
  const a = maskMutablePodSpec(ns);
  const b = maskMutablePodSpec(os);
  if (!os.nodeName) {
    delete a.nodeName;
    delete b.nodeName;
  }
  if (!deepEqual(a, b))
    errs.push(
      fe.forbidden(
        'spec',
        'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
      ),
    );
  return errs;
}

/** The addresses in a pod's status (validatePodIPs, validateHostIPs) and its nominated node. */
function validatePodStatus(pod: Obj, old: Obj): Cause[] {
  const errs: Cause[] = [];
  const st = obj(errs, 'status', pod.status) ?? {};
  for (const [single, plural] of [['podIP', 'podIPs'], ['hostIP', 'hostIPs']]) {
    const one = strField(errs, `status.${single}`, st[single]);
    if (one) ip(errs, `status.${single}`, one);
    const all = objects(errs, `status.${plural}`, st[plural]).map(([a, p]) => strField(errs, `${p}.ip`, a.ip, true) ?? '');
    all.forEach((a, i) => a && ip(errs, `status.${plural}[${i}].ip`, a));
    const families = new Set(all.map((a) => parseIPSloppy(a)?.family));
    if (all.length > 1 && (families.size !== all.length || all.length > 2)) errs.push(fe.invalid(`status.${plural}`, st[plural], 'may specify no more than one IP for each IP family'));
  }
  const nominated = strField(errs, 'status.nominatedNodeName', st.nominatedNodeName);
  if (nominated && nominated !== old.status?.nominatedNodeName) dnsSubdomain(errs, 'status.nominatedNodeName', nominated);
  oneOf(errs, 'status.phase', st.phase, ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const);
  return errs;
}

/** Grace only for pods bound to a node and not terminated: the kubelet confirms with grace 0. */
function gracePeriod(pod: Obj, options: { gracePeriodSeconds?: number }): number {
  if (!pod.spec?.nodeName || ['Succeeded', 'Failed'].includes(pod.status?.phase)) return 0;
  return options.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

export const pods: ResourceStrategy = {
  group: '',
  kind: 'Pod',
  resource: 'pods',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  versions: [{ name: 'v1' }],
  status: { initial: () => ({ phase: 'Pending' }), validate: validatePodStatus },
  subresources: {
    binding: bindingSubresource,
    log: { responseKind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] },
    exec: { responseKind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] },
    attach: { responseKind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] },
    eviction: evictionSubresource,
    ephemeralcontainers: ephemeralContainersSubresource,
    portforward: { responseKind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] },
    proxy: proxySubresource('PodProxyOptions'),
  },
  defaults: (o) => defaultPodSpec(isObj(o.spec) ? o.spec : undefined),
  validate(o) {
    const errs: Cause[] = [];
    validatePodSpec('spec', o.spec, errs);
    return errs;
  },
  // ephemeral containers come through pods/ephemeralcontainers only
  validateCreate: (o) => (Array.isArray(o.spec?.ephemeralContainers) && o.spec.ephemeralContainers.length ? [fe.forbidden('spec.ephemeralContainers', 'cannot be set on create')] : []),
  validateUpdate,
  deletion: { gracePeriod },
  table: podPrinter,
  selectableFields: {
    ...METADATA_SELECTABLE,
    'spec.nodeName': (o) => str(o.spec?.nodeName),
    'spec.restartPolicy': (o) => str(o.spec?.restartPolicy),
    'spec.schedulerName': (o) => str(o.spec?.schedulerName),
    'spec.serviceAccountName': (o) => str(o.spec?.serviceAccountName),
    'spec.hostNetwork': (o) => String(o.spec?.hostNetwork === true),
    'status.phase': (o) => str(o.status?.phase),
    'status.podIP': (o) => str(o.status?.podIPs?.[0]?.ip ?? o.status?.podIP),
    'status.nominatedNodeName': (o) => str(o.status?.nominatedNodeName),
  },
  watchIndex: 'spec.nodeName',
};

/** POST namespaces/NS/bindings: the binding names its pod in metadata.name (kept out of discovery, as before). */
export const bindings: ResourceStrategy = {
  group: '',
  kind: 'Binding',
  resource: 'bindings',
  namespaced: true,
  verbs: ['create'],
  versions: [{ name: 'v1' }],
  hidden: true,
  async create(req) {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    const b = req.object(BINDING);
    await bindPod(req.registry, req.registry.resource(pods), req.namespace!, b.metadata?.name, b, req.dryRun);
    return success(201);
  },
};
