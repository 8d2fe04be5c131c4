// The core/v1 PodSpec, shared by pods and every kind with a pod template: its defaults
// (SetDefaults_PodSpec, _Container, _Probe), validation (ValidatePodSpec: the rules that protect the
// controllers and kubelet) and its protobuf messages.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { defineMessages } from '../../../protobuf/messages';
import { isObj, setIfAbsent, type Obj } from '../../helpers';

// --- defaults ---

function imageTag(image: string): string | undefined {
  if (image.includes('@')) return 'digest';
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? image.slice(colon + 1) : undefined;
}

const eachObj = (list: unknown, fn: (o: Obj) => void) => {
  if (Array.isArray(list)) for (const x of list) if (isObj(x)) fn(x);
};

/** SetDefaults_HTTPGetAction. */
function defaultHandler(h: unknown): void {
  if (!isObj(h) || !isObj(h.httpGet)) return;
  setIfAbsent(h.httpGet, 'path', '/');
  setIfAbsent(h.httpGet, 'scheme', 'HTTP');
}

/** SetDefaults_ObjectFieldSelector: a fieldRef without apiVersion means v1. */
function defaultFieldRef(ref: unknown): void {
  if (isObj(ref)) setIfAbsent(ref, 'apiVersion', 'v1');
}

export function defaultContainer(c: Obj): void {
  // upstream: an image without a tag (read as :latest) is pulled Always; an unparsable one IfNotPresent
  const tag = typeof c.image === 'string' && c.image ? imageTag(c.image) : 'none';
  setIfAbsent(c, 'imagePullPolicy', tag === undefined || tag === 'latest' ? 'Always' : 'IfNotPresent');
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  setIfAbsent(c, 'resources', {});
  eachObj(c.ports, (p) => setIfAbsent(p, 'protocol', 'TCP'));
  eachObj(c.env, (e) => defaultFieldRef(e.valueFrom?.fieldRef));
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!isObj(probe)) continue;
    setIfAbsent(probe, 'timeoutSeconds', 1);
    setIfAbsent(probe, 'periodSeconds', 10);
    setIfAbsent(probe, 'successThreshold', 1);
    setIfAbsent(probe, 'failureThreshold', 3);
    defaultHandler(probe);
  }
  if (isObj(c.lifecycle)) for (const h of [c.lifecycle.postStart, c.lifecycle.preStop]) defaultHandler(h);
  // SetDefaults_Pod: each limit without a request is also the request
  const r = c.resources;
  if (isObj(r) && isObj(r.limits) && (r.requests === undefined || r.requests === null || isObj(r.requests))) {
    const requests = { ...(r.requests ?? {}) };
    for (const [k, v] of Object.entries(r.limits)) if (requests[k] === undefined) requests[k] = v;
    if (Object.keys(requests).length) r.requests = requests;
  }
}

export function defaultPodSpec(spec: Obj | undefined): void {
  if (!isObj(spec)) return;
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  setIfAbsent(spec, 'securityContext', {});
  for (const list of [spec.containers, spec.initContainers, spec.ephemeralContainers]) eachObj(list, defaultContainer);
  eachObj(spec.volumes, (v) => {
    for (const k of ['configMap', 'secret', 'downwardAPI', 'projected']) if (isObj(v[k])) setIfAbsent(v[k], 'defaultMode', 420);
    if (isObj(v.hostPath)) setIfAbsent(v.hostPath, 'type', '');
    if (isObj(v.downwardAPI)) eachObj(v.downwardAPI.items, (i) => defaultFieldRef(i.fieldRef));
    if (isObj(v.projected)) eachObj(v.projected.sources, (src) => isObj(src.downwardAPI) && eachObj(src.downwardAPI.items, (i) => defaultFieldRef(i.fieldRef)));
  });
}

/** The defaults of `spec.template.spec`, for kinds with a pod template. */
export function defaultTemplate(spec: Obj): void {
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

export { validatePodSpec } from './validate';

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
