// fieldValidation=Strict: unknown fields → 400 BadRequest, as upstream's strict decoder.
// Known fields are listed for the top level of every kind, metadata, and the specs users write most.
/* eslint-disable @typescript-eslint/no-explicit-any */

const COMMON = ['apiVersion', 'kind', 'metadata'];
const TOP: Record<string, string[]> = {
  Namespace: ['spec', 'status'],
  Pod: ['spec', 'status'],
  Service: ['spec', 'status'],
  Endpoints: ['subsets'],
  Node: ['spec', 'status'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  Secret: ['data', 'stringData', 'type', 'immutable'],
  Event: ['involvedObject', 'reason', 'message', 'source', 'firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime', 'series', 'action', 'related', 'reportingComponent', 'reportingInstance'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  ControllerRevision: ['data', 'revision'],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
};

const META = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields'];

const POD_SPEC = ['volumes', 'initContainers', 'containers', 'ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations', 'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'resources'];
const CONTAINER = ['name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty'];
const SPECS: Record<string, string[]> = {
  Deployment: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'],
  ReplicaSet: ['replicas', 'minReadySeconds', 'selector', 'template'],
  Service: ['ports', 'selector', 'clusterIP', 'clusterIPs', 'type', 'externalIPs', 'sessionAffinity', 'loadBalancerIP', 'loadBalancerSourceRanges', 'externalName', 'externalTrafficPolicy', 'healthCheckNodePort', 'publishNotReadyAddresses', 'sessionAffinityConfig', 'ipFamilies', 'ipFamilyPolicy', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'internalTrafficPolicy', 'trafficDistribution'],
};

function unknownKeys(obj: any, known: string[], path: string, out: string[]): void {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return;
  for (const k of Object.keys(obj)) if (!known.includes(k)) out.push(path ? `${path}.${k}` : k);
}

function checkPodSpec(spec: any, path: string, out: string[]): void {
  unknownKeys(spec, POD_SPEC, path, out);
  for (const f of ['containers', 'initContainers'])
    if (Array.isArray(spec?.[f])) spec[f].forEach((c: any, i: number) => unknownKeys(c, CONTAINER, `${path}.${f}[${i}]`, out));
}

/** Paths of unknown fields (empty when none). Kinds without a list here are checked at the top level only when listed. */
export function unknownFields(kind: string, obj: any): string[] {
  const out: string[] = [];
  const top = TOP[kind] ?? ['spec', 'status'];
  unknownKeys(obj, [...COMMON, ...top], '', out);
  unknownKeys(obj?.metadata, META, 'metadata', out);
  if (kind === 'Pod') checkPodSpec(obj?.spec, 'spec', out);
  if (SPECS[kind]) unknownKeys(obj?.spec, SPECS[kind], 'spec', out);
  if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController'].includes(kind) && obj?.spec?.template) {
    unknownKeys(obj.spec.template, ['metadata', 'spec'], 'spec.template', out);
    checkPodSpec(obj.spec.template.spec, 'spec.template.spec', out);
  }
  return out;
}
