// The core/v1 PodSpec, shared by pods and every kind with a pod template: its defaults
// (SetDefaults_PodSpec, _Container, _Probe), validation (ValidatePodSpec: the rules that protect the
// controllers and kubelet) and its protobuf messages.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause, dns1123LabelErrors, dns1123SubdomainErrors } from '../../registry/fielderrors';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent, validatePort, validateProtocol, type Obj } from '../helpers';

// --- defaults ---

function imageTag(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

export function defaultContainer(c: Obj): void {
  if (typeof c.image === 'string') {
    const tag = imageTag(c.image);
    setIfAbsent(c, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  }
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'resources', {});
  if (Array.isArray(c.ports)) for (const p of c.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe || typeof probe !== 'object') continue;
    setIfAbsent(probe, 'timeoutSeconds', 1);
    setIfAbsent(probe, 'periodSeconds', 10);
    setIfAbsent(probe, 'successThreshold', 1);
    setIfAbsent(probe, 'failureThreshold', 3);
    if (probe.httpGet && typeof probe.httpGet === 'object') {
      setIfAbsent(probe.httpGet, 'path', '/');
      setIfAbsent(probe.httpGet, 'scheme', 'HTTP');
    }
  }
  if (c.resources && typeof c.resources === 'object' && c.resources.limits && !c.resources.requests) {
    c.resources.requests = { ...c.resources.limits };
  }
}

export function defaultPodSpec(spec: Obj | undefined): void {
  if (!spec || typeof spec !== 'object') return;
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  setIfAbsent(spec, 'securityContext', {});
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) if (Array.isArray(list)) for (const c of list) if (c && typeof c === 'object') defaultContainer(c);
  if (Array.isArray(spec.volumes))
    for (const v of spec.volumes) {
      if (v?.configMap) setIfAbsent(v.configMap, 'defaultMode', 420);
      if (v?.secret) setIfAbsent(v.secret, 'defaultMode', 420);
    }
}

/** The defaults of `spec.template.spec`, for kinds with a pod template. */
export function defaultTemplate(spec: Obj): void {
  if (spec.template && typeof spec.template === 'object') defaultPodSpec(spec.template.spec);
}

// --- validation ---

function validateContainers(path: string, list: unknown, errs: Cause[], required: boolean, names: Set<string>): void {
  if (list === undefined || list === null || (Array.isArray(list) && list.length === 0)) {
    if (required) errs.push(fe.required(path));
    return;
  }
  if (!Array.isArray(list)) {
    errs.push(fe.invalid(path, list, 'must be a list'));
    return;
  }
  list.forEach((c, i) => {
    const p = `${path}[${i}]`;
    if (!isObj(c)) return errs.push(fe.invalid(p, c, 'must be an object'));
    if (!c.name) errs.push(fe.required(`${p}.name`));
    else if (typeof c.name !== 'string') errs.push(fe.invalid(`${p}.name`, c.name, 'must be a string'));
    else {
      for (const m of dns1123LabelErrors(c.name)) errs.push(fe.invalid(`${p}.name`, c.name, m));
      if (names.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image || typeof c.image !== 'string' || !c.image.trim()) errs.push(fe.required(`${p}.image`));
    if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy))
      errs.push(fe.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
    if (c.command !== undefined && !Array.isArray(c.command)) errs.push(fe.invalid(`${p}.command`, c.command, 'must be a list of strings'));
    if (c.args !== undefined && !Array.isArray(c.args)) errs.push(fe.invalid(`${p}.args`, c.args, 'must be a list of strings'));
    if (c.ports !== undefined) {
      if (!Array.isArray(c.ports)) errs.push(fe.invalid(`${p}.ports`, c.ports, 'must be a list'));
      else
        c.ports.forEach((port: any, j: number) => {
          const pp = `${p}.ports[${j}]`;
          if (!isObj(port)) return errs.push(fe.invalid(pp, port, 'must be an object'));
          validatePort(`${pp}.containerPort`, port.containerPort, errs);
          validatePort(`${pp}.hostPort`, port.hostPort, errs, false);
          validateProtocol(`${pp}.protocol`, port.protocol, errs);
        });
    }
    if (c.env !== undefined) {
      if (!Array.isArray(c.env)) errs.push(fe.invalid(`${p}.env`, c.env, 'must be a list'));
      else c.env.forEach((e: any, j: number) => { if (!isObj(e) || !e.name) errs.push(fe.required(`${p}.env[${j}].name`)); });
    }
  });
}

export function validatePodSpec(path: string, spec: any, errs: Cause[]): void {
  if (!isObj(spec)) {
    errs.push(fe.required(path));
    return;
  }
  const names = new Set<string>();
  validateContainers(`${path}.containers`, spec.containers, errs, true, names);
  validateContainers(`${path}.initContainers`, spec.initContainers, errs, false, names);
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy))
    errs.push(fe.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'Never', 'OnFailure']));
  if (spec.dnsPolicy !== undefined && !['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'].includes(spec.dnsPolicy))
    errs.push(fe.notSupported(`${path}.dnsPolicy`, spec.dnsPolicy, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']));
  if (spec.terminationGracePeriodSeconds !== undefined && (typeof spec.terminationGracePeriodSeconds !== 'number' || spec.terminationGracePeriodSeconds < 0))
    errs.push(fe.invalid(`${path}.terminationGracePeriodSeconds`, spec.terminationGracePeriodSeconds, 'must be greater than or equal to 0'));
  if (spec.volumes !== undefined) {
    if (!Array.isArray(spec.volumes)) errs.push(fe.invalid(`${path}.volumes`, spec.volumes, 'must be a list'));
    else {
      const vn = new Set<string>();
      spec.volumes.forEach((v: any, i: number) => {
        const p = `${path}.volumes[${i}].name`;
        if (!isObj(v) || !v.name) return errs.push(fe.required(p));
        for (const m of dns1123LabelErrors(String(v.name))) errs.push(fe.invalid(p, v.name, m));
        if (vn.has(v.name)) errs.push(fe.duplicate(p, v.name));
        vn.add(v.name);
      });
    }
  }
  if (spec.nodeName !== undefined && spec.nodeName !== '' && typeof spec.nodeName === 'string')
    for (const m of dns1123SubdomainErrors(spec.nodeName)) errs.push(fe.invalid(`${path}.nodeName`, spec.nodeName, m));
}

// --- protobuf ---

// The core/v1 messages other kinds' messages use (importing this module defines them).
defineMessages(
  `
message ObjectReference {
  optional string kind = 1; optional string namespace = 2; optional string name = 3; optional string uid = 4;
  optional string apiVersion = 5; optional string resourceVersion = 6; optional string fieldPath = 7;
}
message LocalObjectReference { optional string name = 1; }
message ContainerPort { optional string name = 1; optional int32 hostPort = 2; optional int32 containerPort = 3; optional string protocol = 4; optional string hostIP = 5; }
message EnvVar { optional string name = 1; optional string value = 2; }
message ResourceRequirements { map<string, Quantity> limits = 1; map<string, Quantity> requests = 2; }
message Container {
  optional string name = 1; optional string image = 2; repeated string command = 3; repeated string args = 4; optional string workingDir = 5;
  repeated ContainerPort ports = 6; repeated EnvVar env = 7; optional ResourceRequirements resources = 8;
  optional string terminationMessagePath = 13; optional string imagePullPolicy = 14;
  optional bool stdin = 16; optional bool stdinOnce = 17; optional bool tty = 18; optional string terminationMessagePolicy = 20; optional string restartPolicy = 24;
}
message PodSpec {
  repeated Container containers = 2; optional string restartPolicy = 3; optional int64 terminationGracePeriodSeconds = 4;
  optional int64 activeDeadlineSeconds = 5; optional string dnsPolicy = 6; map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8; optional string serviceAccount = 9; optional string nodeName = 10;
  optional bool hostNetwork = 11; optional bool hostPID = 12; optional bool hostIPC = 13;
  repeated LocalObjectReference imagePullSecrets = 15; optional string hostname = 16; optional string subdomain = 17;
  optional string schedulerName = 19; repeated Container initContainers = 20; optional bool automountServiceAccountToken = 21;
  optional string priorityClassName = 24; optional int32 priority = 25; optional bool enableServiceLinks = 30; optional string preemptionPolicy = 31;
}
message PodTemplateSpec { optional ObjectMeta metadata = 1; optional PodSpec spec = 2; }
`,
  ['terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'automountServiceAccountToken', 'enableServiceLinks', 'priority', 'preemptionPolicy'],
);
