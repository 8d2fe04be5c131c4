// The PodSecurity admission plugin (upstream's k8s.io/pod-security-admission/admission), its checks and
// messages in shared/src/podsecurity: a namespace's pod-security.kubernetes.io labels, over the cluster
// defaults of the admission configuration, choose the levels a pod is held to —
// - enforce: a pod that violates it is refused (403 `pods "x" is forbidden: violates PodSecurity ...`);
// - warn: a `Warning: would violate PodSecurity ...` header (also on a refusal, as upstream);
// - audit: upstream records an audit annotation; there is no audit log here, so it changes nothing.
// Workloads (their pod templates) get the warn level's warnings only, never a refusal. A namespace's labels are checked when it is written,
// and a stricter enforce level is tried on its existing pods (warnings). Exempt namespaces, users and
// runtime classes pass untouched. Status writes are not admitted (pod specs do not change there).
import {
  evaluatePod,
  namespaceWarnings,
  policyFor,
  violatesMessage,
  wouldViolateMessage,
  statusFor,
  ApiError,
  type core,
  type PodSecurityConfig,
  type Policy,
} from '@minik8s/shared';
import { admissionForbidden, type AdmissionAttributes, type AdmissionPlugin } from '../../registry/admission';
import { fe } from '../../registry/fielderrors';
import { clone, deepEqual, type Obj } from '../../registry/objects';
import type { Registry } from '../../registry/registry';
import { namespaces } from './namespace';
import { pods } from './pod';

/** Where each workload kind keeps its pod template (upstream's PodSpecExtractor). */
const TEMPLATES: Record<string, (o: Obj) => Obj | undefined> = {
  podtemplates: (o) => o.template,
  replicationcontrollers: (o) => o.spec?.template,
  'apps/replicasets': (o) => o.spec?.template,
  'apps/deployments': (o) => o.spec?.template,
  'apps/statefulsets': (o) => o.spec?.template,
  'apps/daemonsets': (o) => o.spec?.template,
  'batch/jobs': (o) => o.spec?.template,
  'batch/cronjobs': (o) => o.spec?.jobTemplate?.spec?.template,
};

/** A pod update worth checking again: its spec changed in more than container images (upstream's isSignificantPodUpdate). */
function significantUpdate(pod: Obj, old: Obj): boolean {
  const strip = (o: Obj) => {
    const spec = clone(o.spec ?? {});
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) for (const c of spec[list] ?? []) delete c.image;
    return { spec, annotations: o.metadata?.annotations ?? {} };
  };
  return !deepEqual(strip(pod), strip(old));
}

async function namespacePolicy(registry: Registry, config: PodSecurityConfig, namespace: string): Promise<Policy> {
  const ns = await registry.peek(registry.resource(namespaces), namespace);
  return policyFor(ns?.metadata.labels, config.defaults).policy;
}

const same = (a: Policy['enforce'], b: Policy['enforce']) => a.level === b.level && a.version === b.version;

async function admitPod(registry: Registry, config: PodSecurityConfig, attrs: AdmissionAttributes): Promise<void> {
  const { obj, old } = attrs;
  if (attrs.operation === 'UPDATE' && old && !significantUpdate(obj, old)) return;
  if (obj.spec?.runtimeClassName && config.exemptions.runtimeClasses.includes(obj.spec.runtimeClassName)) return;
  const policy = await namespacePolicy(registry, config, attrs.namespace!);
  const meta = obj.metadata ?? {};
  const spec = (obj.spec ?? { containers: [] }) as core.PodSpec;
  const enforced = evaluatePod(policy.enforce, meta, spec);
  if (!same(policy.warn, policy.enforce) || !enforced.length) {
    const warned = evaluatePod(policy.warn, meta, spec);
    if (warned.length) attrs.warnings?.push(wouldViolateMessage(policy.warn, warned));
  }
  if (enforced.length) throw admissionForbidden(attrs, violatesMessage(policy.enforce, enforced));
}

async function admitTemplate(
  registry: Registry,
  config: PodSecurityConfig,
  attrs: AdmissionAttributes,
  template: (o: Obj) => Obj | undefined,
): Promise<void> {
  const tpl = template(attrs.obj);
  if (!tpl) return;
  if (attrs.operation === 'UPDATE' && attrs.old && deepEqual(tpl, template(attrs.old))) return;
  if (tpl.spec?.runtimeClassName && config.exemptions.runtimeClasses.includes(tpl.spec.runtimeClassName)) return;
  const { warn } = await namespacePolicy(registry, config, attrs.namespace!);
  const results = evaluatePod(warn, tpl.metadata ?? {}, (tpl.spec ?? { containers: [] }) as core.PodSpec);
  if (results.length) attrs.warnings?.push(wouldViolateMessage(warn, results));
}

async function admitNamespace(registry: Registry, config: PodSecurityConfig, attrs: AdmissionAttributes): Promise<void> {
  const { policy, errors } = policyFor(attrs.obj.metadata?.labels, config.defaults);
  if (errors.length)
    throw new ApiError(
      statusFor.invalid(
        'Namespace',
        '',
        attrs.name,
        errors.map((e) =>
          e.supported ? fe.notSupported(e.field, e.value, [...e.supported]) : fe.invalid(e.field, e.value, e.detail ?? ''),
        ),
      ),
    );
  if (attrs.operation !== 'UPDATE' || !attrs.old || config.exemptions.namespaces.includes(attrs.name)) return;
  const before = policyFor(attrs.old.metadata?.labels, config.defaults).policy;
  if (same(before.enforce, policy.enforce) || policy.enforce.level === 'privileged') return;
  const list = await registry.list(registry.resource(pods), { namespace: attrs.name, resourceVersion: '0' });
  const warnings = namespaceWarnings(
    attrs.name,
    policy.enforce,
    list.items.filter((p) => !config.exemptions.runtimeClasses.includes((p as Obj).spec?.runtimeClassName ?? '')),
  );
  attrs.warnings?.push(...warnings);
}

/** The plugin for a cluster's PodSecurity configuration (defaults and exemptions). */
export function podSecurityAdmission(config: PodSecurityConfig): AdmissionPlugin {
  return {
    name: 'PodSecurity',
    operations: ['CREATE', 'UPDATE'],
    validate: async (registry, attrs) => {
      const { r } = attrs;
      const resource = r.group ? `${r.group}/${r.resource}` : r.resource;
      if (resource === 'namespaces') return admitNamespace(registry, config, attrs);
      const template = TEMPLATES[resource];
      if (resource !== 'pods' && !template) return;
      if (!attrs.namespace || config.exemptions.namespaces.includes(attrs.namespace)) return;
      if (attrs.user && config.exemptions.usernames.includes(attrs.user.name)) return;
      if (resource === 'pods') return admitPod(registry, config, attrs);
      return admitTemplate(registry, config, attrs, template);
    },
  };
}
