// Container rules of ValidatePodSpec (validateContainers, validateInitContainers, validateEphemeralContainers
// and what they call): names, image, ports, env, envFrom, volume mounts, resources, probes, lifecycle and the
// container securityContext, worded as upstream.
import { fe } from '../../../registry/fielderrors';
import {
  bool, configMapKeyErrors, dnsLabel, dnsSubdomain, each, envVarNameErrors, httpHeaderNameErrors, int32, int64, ip, nonNegative, nonNegativeQuantity,
  obj, objects, oneOf, portNameErrors, portNum, portNumOrName, protocol, qualifiedName, str, strings, type Errs,
} from '../../../registry/validation';
import type { Obj } from '../../helpers';
import { hostFilePath, localDescendingPath } from './paths';
import { fieldSelector, resourceFieldSelector } from './downward';

/** What the containers are checked against: the pod's volumes and a few pod-level settings. */
export interface PodContext {
  volumes: Map<string, Obj>;
  gracePeriod: number;
  hostNetwork: boolean;
  restartPolicy?: string;
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);
const NATIVE_PREFIX = 'kubernetes.io/';

function containerPorts(errs: Errs, path: string, ports: unknown, hostNetwork: boolean, hostPorts: Set<string>): void {
  const names = new Set<string>();
  for (const [p, pp] of objects(errs, path, ports)) {
    const name = str(errs, `${pp}.name`, p.name);
    if (name) {
      const msgs = portNameErrors(name);
      if (msgs.length) each(errs, `${pp}.name`, name, msgs);
      else if (names.has(name)) errs.push(fe.duplicate(`${pp}.name`, name));
      else names.add(name);
    }
    const cp = portNum(errs, `${pp}.containerPort`, p.containerPort, 'required');
    const hp = portNum(errs, `${pp}.hostPort`, p.hostPort, 'optional');
    protocol(errs, `${pp}.protocol`, p.protocol);
    const hostIP = str(errs, `${pp}.hostIP`, p.hostIP);
    if (hostIP) ip(errs, `${pp}.hostIP`, hostIP);
    if (hostNetwork && hp !== undefined && cp !== undefined && hp !== cp) errs.push(fe.invalid(`${pp}.hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
    if (hp !== undefined) {
      const key = `${hostIP ?? ''}/${p.protocol ?? 'TCP'}/${hp}`;
      if (hostPorts.has(key)) errs.push(fe.duplicate(`${pp}.hostPort`, key));
      hostPorts.add(key);
    }
  }
}

function keySelector(errs: Errs, path: string, sel: Obj): void {
  const name = str(errs, `${path}.name`, sel.name, true);
  if (name) dnsSubdomain(errs, `${path}.name`, name);
  const key = str(errs, `${path}.key`, sel.key, true);
  if (key) each(errs, `${path}.key`, key, configMapKeyErrors(key));
  bool(errs, `${path}.optional`, sel.optional);
}

const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];

function env(errs: Errs, path: string, vars: unknown): void {
  for (const [e, p] of objects(errs, path, vars)) {
    const name = str(errs, `${p}.name`, e.name, true);
    if (name) each(errs, `${p}.name`, name, envVarNameErrors(name));
    const value = str(errs, `${p}.value`, e.value);
    const from = obj(errs, `${p}.valueFrom`, e.valueFrom);
    if (!from) continue;
    const vp = `${p}.valueFrom`;
    let sources = 0;
    const fieldRef = obj(errs, `${vp}.fieldRef`, from.fieldRef);
    if (fieldRef) sources++, fieldSelector(errs, `${vp}.fieldRef`, fieldRef, ENV_FIELD_PATHS);
    const resourceRef = obj(errs, `${vp}.resourceFieldRef`, from.resourceFieldRef);
    if (resourceRef) sources++, resourceFieldSelector(errs, `${vp}.resourceFieldRef`, resourceRef, false);
    for (const k of ['configMapKeyRef', 'secretKeyRef']) {
      const ref = obj(errs, `${vp}.${k}`, from[k]);
      if (ref) sources++, keySelector(errs, `${vp}.${k}`, ref);
    }
    if (sources === 0) errs.push(fe.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (value) errs.push(fe.invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(fe.invalid(vp, '', 'may not have more than one field specified at a time'));
  }
}

function envFrom(errs: Errs, path: string, list: unknown): void {
  for (const [e, p] of objects(errs, path, list)) {
    const prefix = str(errs, `${p}.prefix`, e.prefix);
    if (prefix) each(errs, `${p}.prefix`, prefix, envVarNameErrors(prefix));
    let sources = 0;
    for (const k of ['configMapRef', 'secretRef']) {
      const ref = obj(errs, `${p}.${k}`, e[k]);
      if (!ref) continue;
      sources++;
      const name = str(errs, `${p}.${k}.name`, ref.name, true);
      if (name) dnsSubdomain(errs, `${p}.${k}.name`, name);
    }
    if (sources === 0) errs.push(fe.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(fe.invalid(p, '', 'may not have more than one field specified at a time'));
  }
}

function volumeMounts(errs: Errs, path: string, mounts: unknown, ctx: PodContext, privileged: boolean): void {
  const mountPoints = new Set<string>();
  for (const [m, p] of objects(errs, path, mounts)) {
    const name = str(errs, `${p}.name`, m.name, true) ?? '';
    if (!ctx.volumes.has(name)) errs.push(fe.notFound(`${p}.name`, name));
    const mountPath = str(errs, `${p}.mountPath`, m.mountPath, true);
    if (mountPath !== undefined && mountPath !== '') {
      hostFilePath(errs, `${p}.mountPath`, mountPath);
      if (mountPoints.has(mountPath)) errs.push(fe.invalid(`${p}.mountPath`, mountPath, 'must be unique'));
      mountPoints.add(mountPath);
    }
    bool(errs, `${p}.readOnly`, m.readOnly);
    // upstream reports subPath and subPathExpr at the list's path, not the item's
    const subPath = str(errs, `${path}.subPath`, m.subPath);
    if (subPath) localDescendingPath(errs, `${path}.subPath`, subPath);
    const subPathExpr = str(errs, `${path}.subPathExpr`, m.subPathExpr);
    if (subPathExpr) {
      if (subPath) errs.push(fe.invalid(`${p}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      localDescendingPath(errs, `${path}.subPathExpr`, subPathExpr);
    }
    const propagation = oneOf(errs, `${path}.mountPropagation`, m.mountPropagation, ['None', 'HostToContainer', 'Bidirectional'] as const);
    if (propagation === 'Bidirectional' && !privileged) errs.push(fe.forbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers'));
    const rro = oneOf(errs, `${path}.recursiveReadOnly`, m.recursiveReadOnly, ['Disabled', 'IfPossible', 'Enabled'] as const);
    if (rro && rro !== 'Disabled' && m.readOnly !== true) errs.push(fe.forbidden(`${path}.recursiveReadOnly`, 'may only be specified when readOnly is true'));
  }
}

function resourceName(errs: Errs, path: string, name: string): void {
  const before = errs.length;
  qualifiedName(errs, path, name);
  if (errs.length > before) return;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) errs.push(fe.invalid(path, name, 'must be a standard resource for containers'));
  } else if (!name.startsWith(NATIVE_PREFIX) && (name.startsWith('requests.') || name.includes(NATIVE_PREFIX))) {
    errs.push(fe.invalid(path, name, "doesn't follow extended resource name standard"));
  }
}

/** Extended resources (anything with a domain that is not kubernetes.io) and hugepages are not overcommitted. */
const overcommitAllowed = (name: string) => !name.startsWith('hugepages-') && (!name.includes('/') || name.startsWith(NATIVE_PREFIX));
const integerResource = (name: string) => name.includes('/') && !name.startsWith(NATIVE_PREFIX);

/** ValidateResourceRequirements. */
export function resources(errs: Errs, path: string, v: unknown): void {
  const r = obj(errs, path, v);
  if (!r) return;
  const limits = new Map<string, bigint>();
  for (const [which, list] of [['limits', r.limits], ['requests', r.requests]] as const) {
    const m = obj(errs, `${path}.${which}`, list) ?? {};
    for (const [name, q] of Object.entries(m)) {
      const p = `${path}.${which}[${name}]`;
      resourceName(errs, p, name);
      const parsed = nonNegativeQuantity(errs, p, q);
      if (!parsed) continue;
      if (integerResource(name) && parsed.nano % 1_000_000_000n !== 0n) errs.push(fe.invalid(p, q, 'must be an integer'));
      if (which === 'limits') limits.set(name, parsed.nano);
      else {
        const limit = limits.get(name);
        const limitText = String((r.limits ?? {})[name]);
        if (limit !== undefined) {
          if (parsed.nano !== limit && !overcommitAllowed(name)) errs.push(fe.invalid(`${path}.requests`, q, `must be equal to ${name} limit of ${limitText}`));
          else if (parsed.nano > limit) errs.push(fe.invalid(`${path}.requests`, q, `must be less than or equal to ${name} limit of ${limitText}`));
        } else if (!overcommitAllowed(name)) errs.push(fe.required(`${path}.limits`, 'Limit must be set for non overcommitable resources'));
      }
    }
  }
  for (const [c, p] of objects(errs, `${path}.claims`, r.claims)) {
    const name = str(errs, `${p}.name`, c.name, true);
    if (name) dnsLabel(errs, `${p}.name`, name);
  }
}

/** validateHandler: exactly one of exec, httpGet, tcpSocket, grpc (and sleep for lifecycle hooks). */
function handler(errs: Errs, path: string, h: Obj, kinds: readonly string[], gracePeriod: number): void {
  const present = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (present.length === 0) errs.push(fe.required(path, 'must specify a handler type'));
  for (const k of present.slice(1)) errs.push(fe.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
  const exec = obj(errs, `${path}.exec`, h.exec);
  if (exec && !strings(errs, `${path}.exec.command`, exec.command).length) errs.push(fe.required(`${path}.exec.command`));
  const http = obj(errs, `${path}.httpGet`, h.httpGet);
  if (http) {
    const hp = `${path}.httpGet`;
    str(errs, `${hp}.path`, http.path, true);
    portNumOrName(errs, `${hp}.port`, http.port);
    oneOf(errs, `${hp}.scheme`, http.scheme, ['HTTP', 'HTTPS'] as const, true);
    str(errs, `${hp}.host`, http.host);
    for (const [hdr] of objects(errs, `${hp}.httpHeaders`, http.httpHeaders)) {
      const n = str(errs, `${hp}.httpHeaders`, hdr.name) ?? '';
      each(errs, `${hp}.httpHeaders`, n, httpHeaderNameErrors(n));
      str(errs, `${hp}.httpHeaders`, hdr.value);
    }
  }
  const tcp = obj(errs, `${path}.tcpSocket`, h.tcpSocket);
  if (tcp) {
    portNumOrName(errs, `${path}.tcpSocket.port`, tcp.port);
    str(errs, `${path}.tcpSocket.host`, tcp.host);
  }
  const grpc = obj(errs, `${path}.grpc`, h.grpc);
  if (grpc) {
    portNum(errs, `${path}.grpc.port`, grpc.port);
    str(errs, `${path}.grpc.service`, grpc.service);
  }
  const sleep = obj(errs, `${path}.sleep`, h.sleep);
  if (sleep) {
    const s = int64(errs, `${path}.sleep.seconds`, sleep.seconds) ?? 0;
    if (s <= 0 || s > gracePeriod) errs.push(fe.invalid(`${path}.sleep.seconds`, s, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`));
  }
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'] as const;

function probe(errs: Errs, path: string, v: unknown, gracePeriod: number, successMustBeOne: boolean): void {
  const p = obj(errs, path, v);
  if (!p) return;
  handler(errs, path, p, PROBE_HANDLERS, gracePeriod);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) nonNegative(errs, `${path}.${f}`, int32(errs, `${path}.${f}`, p[f]));
  const tg = int64(errs, `${path}.terminationGracePeriodSeconds`, p.terminationGracePeriodSeconds);
  if (tg !== undefined && tg <= 0) errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, tg, 'must be greater than 0'));
  if (successMustBeOne && p.successThreshold !== undefined && p.successThreshold !== 1) errs.push(fe.invalid(`${path}.successThreshold`, p.successThreshold, 'must be 1'));
}

function lifecycle(errs: Errs, path: string, v: unknown, gracePeriod: number): void {
  const l = obj(errs, path, v);
  if (!l) return;
  for (const hook of ['postStart', 'preStop']) {
    const h = obj(errs, `${path}.${hook}`, l[hook]);
    if (h) handler(errs, `${path}.${hook}`, h, [...PROBE_HANDLERS.filter((k) => k !== 'grpc'), 'sleep'], gracePeriod);
  }
}

const MAX_ID = 2 ** 31 - 1;

/** A Unix UID/GID (IsValidUserID / IsValidGroupID). */
export function unixID(errs: Errs, path: string, v: unknown): void {
  const n = int64(errs, path, v);
  if (n !== undefined && (n < 0 || n > MAX_ID)) errs.push(fe.invalid(path, n, `must be between 0 and ${MAX_ID}, inclusive`));
}

/** ValidateSecurityContext (the container's). */
function securityContext(errs: Errs, path: string, v: unknown): void {
  const sc = obj(errs, path, v);
  if (!sc) return;
  const privileged = bool(errs, `${path}.privileged`, sc.privileged);
  unixID(errs, `${path}.runAsUser`, sc.runAsUser);
  unixID(errs, `${path}.runAsGroup`, sc.runAsGroup);
  bool(errs, `${path}.runAsNonRoot`, sc.runAsNonRoot);
  bool(errs, `${path}.readOnlyRootFilesystem`, sc.readOnlyRootFilesystem);
  const escalation = bool(errs, `${path}.allowPrivilegeEscalation`, sc.allowPrivilegeEscalation);
  oneOf(errs, `${path}.procMount`, sc.procMount, ['Default', 'Unmasked'] as const);
  const caps = obj(errs, `${path}.capabilities`, sc.capabilities);
  const add = strings(errs, `${path}.capabilities.add`, caps?.add).map(([c]) => c);
  strings(errs, `${path}.capabilities.drop`, caps?.drop);
  if (escalation === false && privileged) errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  if (escalation === false && add.includes('CAP_SYS_ADMIN')) errs.push(fe.invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN'));
  seccompProfile(errs, `${path}.seccompProfile`, sc.seccompProfile);
}

export function seccompProfile(errs: Errs, path: string, v: unknown): void {
  const s = obj(errs, path, v);
  if (!s) return;
  const type = oneOf(errs, `${path}.type`, s.type, ['Localhost', 'RuntimeDefault', 'Unconfined'] as const, true);
  const profile = str(errs, `${path}.localhostProfile`, s.localhostProfile);
  if (type === 'Localhost') {
    if (!profile) errs.push(fe.required(`${path}.localhostProfile`, 'must be set when seccomp type is Localhost'));
    else localDescendingPath(errs, `${path}.localhostProfile`, profile);
  } else if (profile) errs.push(fe.invalid(`${path}.localhostProfile`, profile, 'can only be set when seccomp type is Localhost'));
}

export type ContainerKind = 'containers' | 'initContainers' | 'ephemeralContainers';

/** validateContainerCommon and the rules of each container list; `names` spans all three lists. */
export function containers(errs: Errs, path: string, list: unknown, kind: ContainerKind, ctx: PodContext, names: Set<string>, hostPorts: Set<string>): void {
  for (const [c, p] of objects(errs, path, list)) {
    const name = str(errs, `${p}.name`, c.name, true);
    if (name) {
      dnsLabel(errs, `${p}.name`, name);
      if (names.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
      names.add(name);
    }
    const image = str(errs, `${p}.image`, c.image, true);
    if (image && image.trim() !== image) errs.push(fe.invalid(`${p}.image`, image, 'must not have leading or trailing whitespace'));
    strings(errs, `${p}.command`, c.command);
    strings(errs, `${p}.args`, c.args);
    str(errs, `${p}.workingDir`, c.workingDir);
    oneOf(errs, `${p}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES, true);
    oneOf(errs, `${p}.terminationMessagePolicy`, c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, true);
    str(errs, `${p}.terminationMessagePath`, c.terminationMessagePath);
    for (const f of ['stdin', 'stdinOnce', 'tty']) bool(errs, `${p}.${f}`, c[f]);
    // an ephemeral container's workload fields (ports, probes, ...) are refused by ../pod/ephemeral.ts
    if (kind !== 'ephemeralContainers') containerPorts(errs, `${p}.ports`, c.ports, ctx.hostNetwork, hostPorts);
    env(errs, `${p}.env`, c.env);
    envFrom(errs, `${p}.envFrom`, c.envFrom);
    volumeMounts(errs, `${p}.volumeMounts`, c.volumeMounts, ctx, c.securityContext?.privileged === true);
    resources(errs, `${p}.resources`, c.resources);
    securityContext(errs, `${p}.securityContext`, c.securityContext);
    const restartPolicy = oneOf(errs, `${p}.restartPolicy`, c.restartPolicy, ['Always'] as const);
    if (restartPolicy && kind !== 'initContainers') errs.push(fe.forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
    const sidecar = restartPolicy === 'Always';
    if (kind === 'containers' || sidecar) {
      probe(errs, `${p}.livenessProbe`, c.livenessProbe, ctx.gracePeriod, true);
      probe(errs, `${p}.readinessProbe`, c.readinessProbe, ctx.gracePeriod, false);
      probe(errs, `${p}.startupProbe`, c.startupProbe, ctx.gracePeriod, true);
      lifecycle(errs, `${p}.lifecycle`, c.lifecycle, ctx.gracePeriod);
    } else if (kind === 'initContainers') {
      for (const f of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'])
        if (c[f] !== undefined && c[f] !== null) errs.push(fe.forbidden(`${p}.${f}`, `may not be set for init containers without restartPolicy=Always`));
    }
  }
}
