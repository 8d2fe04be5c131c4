// Patch metadata for strategic merge patch: the `patchStrategy`/`patchMergeKey` struct tags of
// k8s.io/api v0.32 for the types minik8s serves, as a small tree. A field absent from the tree has no
// strategy: maps merge recursively, lists are replaced atomically (the upstream default).

export interface FieldMeta {
  /** Lists: merge by this key (lists of objects). */
  mergeKey?: string;
  /** Lists of primitives merged as a set (patchStrategy:"merge" without a key). */
  setMerge?: boolean;
  /** patchStrategy includes "retainKeys" (on the object, or on each list item). */
  retainKeys?: boolean;
  /** Schema of the value (object) or of each list item. */
  type?: TypeMeta;
}

export interface TypeMeta {
  fields: Record<string, FieldMeta>;
}

const t = (fields: Record<string, FieldMeta>): TypeMeta => ({ fields });
const byKey = (mergeKey: string, type?: TypeMeta, retainKeys = false): FieldMeta => ({ mergeKey, type, retainKeys: retainKeys || undefined });
const obj = (type: TypeMeta, retainKeys = false): FieldMeta => ({ type, retainKeys: retainKeys || undefined });
const conditions = byKey('type');

export const objectMeta = t({
  ownerReferences: byKey('uid'),
  finalizers: { setMerge: true },
});

const container = t({
  ports: byKey('containerPort'),
  env: byKey('name'),
  volumeMounts: byKey('mountPath'),
  volumeDevices: byKey('devicePath'),
});

export const podSpec = t({
  volumes: byKey('name', undefined, true),
  initContainers: byKey('name', container),
  containers: byKey('name', container),
  ephemeralContainers: byKey('name', container),
  imagePullSecrets: byKey('name'),
  hostAliases: byKey('ip'),
  topologySpreadConstraints: byKey('topologyKey'),
  schedulingGates: byKey('name'),
  resourceClaims: byKey('name', undefined, true),
});

const podStatus = t({ conditions, podIPs: byKey('ip'), hostIPs: byKey('ip') });
const podTemplateSpec = t({ metadata: obj(objectMeta), spec: obj(podSpec) });
const workloadStatus = t({ conditions });

const top = (spec?: TypeMeta, status?: TypeMeta, extra: Record<string, FieldMeta> = {}): TypeMeta =>
  t({ metadata: obj(objectMeta), ...(spec ? { spec: obj(spec) } : {}), ...(status ? { status: obj(status) } : {}), ...extra });

const jobSpec = t({ template: obj(podTemplateSpec) });
const jobTemplate = t({ metadata: obj(objectMeta), spec: obj(jobSpec) });

/** apiVersion/kind → schema of the whole object. */
export const SCHEMAS: Record<string, TypeMeta> = {
  'v1/Pod': top(podSpec, podStatus),
  'v1/PodTemplate': top(undefined, undefined, { template: obj(podTemplateSpec) }),
  'v1/Namespace': top(t({ finalizers: {} }), t({ conditions })),
  'v1/Service': top(t({ ports: byKey('port') }), t({ conditions })),
  'v1/Node': top(t({ podCIDRs: { setMerge: true } }), t({ conditions, addresses: byKey('type') })),
  'v1/ServiceAccount': top(undefined, undefined, { secrets: byKey('name'), imagePullSecrets: byKey('name') }),
  'v1/ReplicationController': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'v1/ConfigMap': top(),
  'v1/Secret': top(),
  'v1/Endpoints': top(),
  'v1/Event': top(),
  'apps/v1/Deployment': top(t({ template: obj(podTemplateSpec), strategy: obj(t({}), true) }), workloadStatus),
  'apps/v1/ReplicaSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/DaemonSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/StatefulSet': top(t({ template: obj(podTemplateSpec) }), workloadStatus),
  'apps/v1/ControllerRevision': top(),
  'batch/v1/Job': top(jobSpec, t({ conditions })),
  'batch/v1/CronJob': top(t({ jobTemplate: obj(jobTemplate) })),
  'autoscaling/v2/HorizontalPodAutoscaler': top(undefined, t({ conditions })),
  'autoscaling/v1/Scale': top(),
  'coordination.k8s.io/v1/Lease': top(),
  'discovery.k8s.io/v1/EndpointSlice': top(),
};

/** The schema for an object of this apiVersion and kind, or undefined for kinds we do not know (CRDs). */
export function schemaFor(apiVersion: string | undefined, kind: string | undefined): TypeMeta | undefined {
  return SCHEMAS[`${apiVersion}/${kind}`];
}
