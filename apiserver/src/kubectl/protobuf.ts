// Decoding `application/vnd.kubernetes.protobuf` request bodies (kubectl-compat.md §4.7): the typed
// clientset behind `kubectl create namespace|deployment|configmap|secret|service|serviceaccount|job|cronjob|poddisruptionbudget`
// sends protobuf with no JSON fallback. The envelope is `k8s\0` + runtime.Unknown{typeMeta, raw}; raw is
// the object in k8s.io/api's generated.proto (`kubectl create token` and `auth whoami` send their
// authentication.k8s.io/v1 requests so too). Below are just the messages (and fields) those commands
// fill, with upstream field numbers (checked against bodies the real kubectl v1.32 sent). Unknown
// fields are skipped by the decoder. Responses stay JSON.
import protobuf from 'protobufjs';
import { apiVersionOf, type KubeObject, type ResourceType } from '@minik8s/shared';

const PROTO = `
syntax = "proto2";
package k8s;

message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }

message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message IntOrString { optional int64 type = 1; optional int32 intVal = 2; optional string strVal = 3; }
message Quantity { optional string string = 1; }

message OwnerReference {
  optional string kind = 1; optional string name = 3; optional string uid = 4; optional string apiVersion = 5;
  optional bool controller = 6; optional bool blockOwnerDeletion = 7;
}
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7; optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14;
}
message LabelSelectorRequirement { optional string key = 1; optional string operator = 2; repeated string values = 3; }
message LabelSelector { map<string, string> matchLabels = 1; repeated LabelSelectorRequirement matchExpressions = 2; }

message NamespaceSpec { repeated string finalizers = 1; }
message NamespaceStatus { optional string phase = 1; }
message Namespace { optional ObjectMeta metadata = 1; optional NamespaceSpec spec = 2; optional NamespaceStatus status = 3; }

message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }
message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }

message ObjectReference {
  optional string kind = 1; optional string namespace = 2; optional string name = 3; optional string uid = 4;
  optional string apiVersion = 5; optional string resourceVersion = 6; optional string fieldPath = 7;
}
message LocalObjectReference { optional string name = 1; }
message ServiceAccount {
  optional ObjectMeta metadata = 1; repeated ObjectReference secrets = 2; repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4;
}

message ServicePort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4; optional int32 nodePort = 5; optional string appProtocol = 6; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4;
  repeated string externalIPs = 5; optional string sessionAffinity = 7; optional string loadBalancerIP = 8; optional string externalName = 10;
  optional string externalTrafficPolicy = 11; optional int32 healthCheckNodePort = 12; optional bool publishNotReadyAddresses = 13;
  repeated string clusterIPs = 18;
}
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; }

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

message RollingUpdateDeployment { optional IntOrString maxUnavailable = 1; optional IntOrString maxSurge = 2; }
message DeploymentStrategy { optional string type = 1; optional RollingUpdateDeployment rollingUpdate = 2; }
message DeploymentSpec {
  optional int32 replicas = 1; optional LabelSelector selector = 2; optional PodTemplateSpec template = 3; optional DeploymentStrategy strategy = 4;
  optional int32 minReadySeconds = 5; optional int32 revisionHistoryLimit = 6; optional bool paused = 7; optional int32 progressDeadlineSeconds = 9;
}
message Deployment { optional ObjectMeta metadata = 1; optional DeploymentSpec spec = 2; }

message JobSpec {
  optional int32 parallelism = 1; optional int32 completions = 2; optional int64 activeDeadlineSeconds = 3; optional LabelSelector selector = 4;
  optional bool manualSelector = 5; optional PodTemplateSpec template = 6; optional int32 backoffLimit = 7; optional int32 ttlSecondsAfterFinished = 8;
  optional string completionMode = 9; optional bool suspend = 10;
}
message Job { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
message JobTemplateSpec { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
message CronJobSpec {
  optional string schedule = 1; optional int64 startingDeadlineSeconds = 2; optional string concurrencyPolicy = 3; optional bool suspend = 4;
  optional JobTemplateSpec jobTemplate = 5; optional int32 successfulJobsHistoryLimit = 6; optional int32 failedJobsHistoryLimit = 7; optional string timeZone = 8;
}
message CronJob { optional ObjectMeta metadata = 1; optional CronJobSpec spec = 2; }

message PodDisruptionBudgetSpec {
  optional IntOrString minAvailable = 1; optional LabelSelector selector = 2; optional IntOrString maxUnavailable = 3; optional string unhealthyPodEvictionPolicy = 4;
}
message PodDisruptionBudget { optional ObjectMeta metadata = 1; optional PodDisruptionBudgetSpec spec = 2; }

message BoundObjectReference { optional string kind = 1; optional string apiVersion = 2; optional string name = 3; optional string uid = 4; }
message TokenRequestSpec { repeated string audiences = 1; optional BoundObjectReference boundObjectRef = 3; optional int64 expirationSeconds = 4; }
message TokenRequest { optional ObjectMeta metadata = 1; optional TokenRequestSpec spec = 2; }
message TokenReviewSpec { optional string token = 1; repeated string audiences = 2; }
message TokenReview { optional ObjectMeta metadata = 1; optional TokenReviewSpec spec = 2; }
message SelfSubjectReview { optional ObjectMeta metadata = 1; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const type = (name: string) => root.lookupType(`k8s.${name}`);
const UNKNOWN = type('Unknown');

/** apiVersion/kind → message. Status objects are dropped: the server owns status. */
const MESSAGES: Record<string, protobuf.Type> = {
  'v1/Namespace': type('Namespace'),
  'v1/ConfigMap': type('ConfigMap'),
  'v1/Secret': type('Secret'),
  'v1/ServiceAccount': type('ServiceAccount'),
  'v1/Service': type('Service'),
  'apps/v1/Deployment': type('Deployment'),
  'batch/v1/Job': type('Job'),
  'batch/v1/CronJob': type('CronJob'),
  'policy/v1/PodDisruptionBudget': type('PodDisruptionBudget'),
  'authentication.k8s.io/v1/TokenRequest': type('TokenRequest'),
  'authentication.k8s.io/v1/TokenReview': type('TokenReview'),
  'authentication.k8s.io/v1/SelfSubjectReview': type('SelfSubjectReview'),
};

export const PROTOBUF_MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/**
 * Go pointer fields: present in protobuf only when set, so a zero value there is meaningful. Every
 * other zero/false/"" is a Go zero value that JSON (omitempty) would leave out.
 */
const POINTER_FIELDS = new Set([
  'replicas', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'revisionHistoryLimit', 'progressDeadlineSeconds',
  'parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished', 'suspend', 'manualSelector', 'automountServiceAccountToken',
  'immutable', 'deletionGracePeriodSeconds', 'enableServiceLinks', 'priority', 'startingDeadlineSeconds', 'successfulJobsHistoryLimit',
  'failedJobsHistoryLimit', 'timeZone', 'controller', 'blockOwnerDeletion', 'preemptionPolicy', 'completionMode', 'appProtocol',
  'expirationSeconds',
]);

/** Raised for bodies we cannot decode; the apiserver answers 400 (or 415 for kinds we do not decode). */
export class ProtobufDecodeError extends Error {
  constructor(message: string, readonly unsupportedKind = false) {
    super(message);
    this.name = 'ProtobufDecodeError';
  }
}

/** The plain-object form of a decoded message, as Go's JSON encoding of the same struct would give. */
function toJson(t: protobuf.Type, msg: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of t.fieldsArray) {
    const v = msg[field.name];
    if (v === undefined || v === null) continue;
    const sub = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const conv = (x: unknown) => (sub ? convertMessage(sub, x as Record<string, unknown>) : x);
    if (field.map) {
      const m = v as Record<string, unknown>;
      if (Object.keys(m).length) out[field.name] = Object.fromEntries(Object.entries(m).map(([k, x]) => [k, conv(x)]));
    } else if (field.repeated) {
      const arr = v as unknown[];
      if (arr.length) out[field.name] = arr.map(conv);
    } else if (sub) {
      const c = conv(v);
      if (c !== undefined) out[field.name] = c;
    } else if (POINTER_FIELDS.has(field.name) || (v !== '' && v !== 0 && v !== false)) {
      out[field.name] = v;
    }
  }
  return out;
}

function convertMessage(t: protobuf.Type, msg: Record<string, unknown>): unknown {
  switch (t.name) {
    case 'Time': {
      const s = Number(msg.seconds ?? 0);
      return s ? new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
    }
    case 'IntOrString':
      return Number(msg.type ?? 0) === 1 ? (msg.strVal ?? '') : (msg.intVal ?? 0);
    case 'Quantity':
      return msg.string ?? '';
    default:
      return toJson(t, msg);
  }
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, bytes: String, defaults: false, arrays: false, objects: false };

/**
 * Decode a protobuf request body (magic + runtime.Unknown) into the JSON object kubectl meant.
 * `r` is the resource of the URL; the body's own apiVersion/kind win when present.
 */
export function decodeProtobufBody(buf: Buffer, r: ResourceType): KubeObject {
  if (buf.length < 4 || !buf.subarray(0, 4).equals(PROTOBUF_MAGIC)) throw new ProtobufDecodeError('protobuf body does not start with the k8s\\0 magic');
  let envelope: Record<string, unknown>;
  try {
    envelope = UNKNOWN.toObject(UNKNOWN.decode(buf.subarray(4)), { ...TO_OBJECT, bytes: Buffer }) as Record<string, unknown>;
  } catch (e) {
    throw new ProtobufDecodeError(`malformed protobuf envelope: ${(e as Error).message}`);
  }
  const tm = (envelope.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  const apiVersion = tm.apiVersion || apiVersionOf(r);
  const kind = tm.kind || r.kind;
  if (envelope.contentEncoding) throw new ProtobufDecodeError(`unsupported protobuf content encoding ${String(envelope.contentEncoding)}`);
  const t = MESSAGES[`${apiVersion}/${kind}`];
  if (!t) throw new ProtobufDecodeError(`protobuf bodies are not supported for ${apiVersion}/${kind}; send JSON`, true);
  let obj: Record<string, unknown>;
  try {
    const raw = (envelope.raw as Buffer | undefined) ?? Buffer.alloc(0);
    obj = toJson(t, t.toObject(t.decode(raw), TO_OBJECT) as Record<string, unknown>);
  } catch (e) {
    throw new ProtobufDecodeError(`malformed protobuf ${kind}: ${(e as Error).message}`);
  }
  return { apiVersion, kind, ...obj, metadata: (obj.metadata as KubeObject['metadata']) ?? {} };
}
