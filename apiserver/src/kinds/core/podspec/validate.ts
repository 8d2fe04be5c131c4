// ValidatePodSpec: the rules that keep a pod's spec safe for the scheduler, the controllers and the kubelet
// (whose Docker calls, mounts and files come from it), every wrong field reported at once as upstream.
import { fe } from '../../../registry/fielderrors';
import { bool, dnsLabel, dnsSubdomain, int32, int64, labels, list, obj, objects, oneOf, qualifiedName, str, type Errs } from '../../../registry/validation';
import { isObj, type Obj } from '../../helpers';
import { containers, resources, seccompProfile, unixID, type PodContext } from './containers';
import { affinity, dnsConfig, hostAliases, tolerations, topologySpread } from './scheduling';
import { volumes } from './volumes';

const SYSCTL_RE = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;

/** validatePodSpecSecurityContext. */
function podSecurityContext(errs: Errs, specPath: string, spec: Obj): void {
  const path = `${specPath}.securityContext`;
  const sc = obj(errs, path, spec.securityContext);
  if (!sc) return;
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) unixID(errs, `${path}.${f}`, sc[f]);
  list(errs, `${path}.supplementalGroups`, sc.supplementalGroups).forEach((g, i) => unixID(errs, `${path}.supplementalGroups[${i}]`, g));
  bool(errs, `${path}.runAsNonRoot`, sc.runAsNonRoot);
  const share = bool(errs, `${specPath}.shareProcessNamespace`, spec.shareProcessNamespace);
  if (share && spec.hostPID === true) errs.push(fe.invalid(`${specPath}.shareProcessNamespace`, true, 'ShareProcessNamespace and HostPID cannot both be enabled'));
  const seen = new Set<string>();
  for (const [s, p] of objects(errs, `${path}.sysctls`, sc.sysctls)) {
    const name = str(errs, `${p}.name`, s.name, true);
    if (name && (name.length > 253 || !SYSCTL_RE.test(name)))
      errs.push(fe.invalid(`${p}.name`, name, `must have at most 253 characters and match regex ${SYSCTL_RE.source}`));
    if (name && seen.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    if (name) seen.add(name);
    str(errs, `${p}.value`, s.value);
  }
  oneOf(errs, `${path}.fsGroupChangePolicy`, sc.fsGroupChangePolicy, ['OnRootMismatch', 'Always'] as const);
  seccompProfile(errs, `${path}.seccompProfile`, sc.seccompProfile);
}

/**
 * ValidatePodSpec at `path` (a pod's "spec", a template's "spec.template.spec"). `claimVolumes`: the names
 * of a StatefulSet's claim templates, volumes its pods will have (the controller adds them) that mounts
 * may name.
 */
export function validatePodSpec(path: string, spec: unknown, errs: Errs, claimVolumes: readonly string[] = []): void {
  if (!isObj(spec)) {
    errs.push(spec === undefined || spec === null ? fe.required(path) : fe.type(path, spec, 'object'));
    return;
  }
  const hostNetwork = bool(errs, `${path}.hostNetwork`, spec.hostNetwork) ?? false;
  bool(errs, `${path}.hostPID`, spec.hostPID);
  bool(errs, `${path}.hostIPC`, spec.hostIPC);
  const grace = int64(errs, `${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds);
  if (grace !== undefined && grace < 0) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, grace, 'must be greater than or equal to 0'));
  const restartPolicy = str(errs, `${path}.restartPolicy`, spec.restartPolicy, true);
  if (restartPolicy && !['Always', 'OnFailure', 'Never'].includes(restartPolicy)) errs.push(fe.notSupported(`${path}.restartPolicy`, restartPolicy, ['Always', 'OnFailure', 'Never']));
  const vols = volumes(errs, `${path}.volumes`, spec.volumes);
  for (const name of claimVolumes) if (!vols.has(name)) vols.set(name, { name, persistentVolumeClaim: { claimName: name } });
  const ctx: PodContext = { volumes: vols, gracePeriod: grace ?? 30, hostNetwork, restartPolicy };
  const names = new Set<string>();
  const hostPorts = new Set<string>();
  if (spec.containers === undefined || spec.containers === null || (Array.isArray(spec.containers) && !spec.containers.length)) errs.push(fe.required(`${path}.containers`));
  containers(errs, `${path}.containers`, spec.containers, 'containers', ctx, names, hostPorts);
  containers(errs, `${path}.initContainers`, spec.initContainers, 'initContainers', ctx, names, hostPorts);
  containers(errs, `${path}.ephemeralContainers`, spec.ephemeralContainers, 'ephemeralContainers', ctx, names, hostPorts);
  const dnsPolicy = str(errs, `${path}.dnsPolicy`, spec.dnsPolicy, true);
  const DNS = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (dnsPolicy && !DNS.includes(dnsPolicy)) errs.push(fe.notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS));
  labels(errs, `${path}.nodeSelector`, spec.nodeSelector);
  podSecurityContext(errs, path, spec);
  for (const [ref, p] of objects(errs, `${path}.imagePullSecrets`, spec.imagePullSecrets)) str(errs, `${p}.name`, ref.name);
  affinity(errs, `${path}.affinity`, spec.affinity);
  dnsConfig(errs, `${path}.dnsConfig`, spec.dnsConfig, dnsPolicy);
  for (const [g, p] of objects(errs, `${path}.readinessGates`, spec.readinessGates)) qualifiedName(errs, `${p}.conditionType`, str(errs, `${p}.conditionType`, g.conditionType) ?? '');
  const gates = new Set<string>();
  for (const [g, p] of objects(errs, `${path}.schedulingGates`, spec.schedulingGates)) {
    const name = str(errs, `${p}.name`, g.name) ?? '';
    qualifiedName(errs, `${p}.name`, name);
    if (gates.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
    gates.add(name);
  }
  topologySpread(errs, `${path}.topologySpreadConstraints`, spec.topologySpreadConstraints);
  for (const f of ['serviceAccountName', 'serviceAccount', 'nodeName', 'priorityClassName', 'runtimeClassName', 'schedulerName']) {
    const v = str(errs, `${path}.${f}`, spec[f]);
    if (v && f !== 'schedulerName') dnsSubdomain(errs, `${path}.${f}`, v);
  }
  const deadline = int64(errs, `${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds);
  if (deadline !== undefined && (deadline < 1 || deadline > 2 ** 31 - 1)) errs.push(fe.invalid(`${path}.activeDeadlineSeconds`, deadline, `must be between 1 and ${2 ** 31 - 1}, inclusive`));
  for (const f of ['hostname', 'subdomain']) {
    const v = str(errs, `${path}.${f}`, spec[f]);
    if (v) dnsLabel(errs, `${path}.${f}`, v);
  }
  tolerations(errs, `${path}.tolerations`, spec.tolerations);
  hostAliases(errs, `${path}.hostAliases`, spec.hostAliases);
  oneOf(errs, `${path}.preemptionPolicy`, spec.preemptionPolicy, ['Never', 'PreemptLowerPriority'] as const);
  int32(errs, `${path}.priority`, spec.priority);
  for (const f of ['automountServiceAccountToken', 'enableServiceLinks', 'setHostnameAsFQDN', 'hostUsers']) bool(errs, `${path}.${f}`, spec[f]);
  if (spec.overhead !== undefined && spec.overhead !== null) resources(errs, `${path}.overhead`, { limits: spec.overhead });
  const os = obj(errs, `${path}.os`, spec.os);
  if (os) oneOf(errs, `${path}.os.name`, os.name, ['linux', 'windows'] as const, true);
}
