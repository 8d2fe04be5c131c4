// Defaults applied on create and update, as upstream's SetDefaults_* for the fields controllers read.
// Objects are plain JSON here; helpers mutate in place.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const setIfAbsent = (o: Obj, k: string, v: unknown) => {
  if (o[k] === undefined || o[k] === null) o[k] = v;
};

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
  for (const list of [spec.containers, spec.initContainers]) if (Array.isArray(list)) for (const c of list) if (c && typeof c === 'object') defaultContainer(c);
  if (Array.isArray(spec.volumes))
    for (const v of spec.volumes) {
      if (v?.configMap) setIfAbsent(v.configMap, 'defaultMode', 420);
      if (v?.secret) setIfAbsent(v.secret, 'defaultMode', 420);
    }
}

function defaultTemplate(spec: Obj): void {
  if (spec.template && typeof spec.template === 'object') defaultPodSpec(spec.template.spec);
}

export function applyDefaults(kind: string, obj: Obj): void {
  const spec = obj.spec && typeof obj.spec === 'object' ? obj.spec : undefined;
  switch (kind) {
    case 'Pod':
      defaultPodSpec(spec);
      break;
    case 'Deployment':
      if (!spec) break;
      setIfAbsent(spec, 'replicas', 1);
      setIfAbsent(spec, 'strategy', { type: 'RollingUpdate' });
      if (spec.strategy.type === undefined) spec.strategy.type = 'RollingUpdate';
      if (spec.strategy.type === 'RollingUpdate') {
        setIfAbsent(spec.strategy, 'rollingUpdate', {});
        setIfAbsent(spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
        setIfAbsent(spec.strategy.rollingUpdate, 'maxSurge', '25%');
      }
      setIfAbsent(spec, 'revisionHistoryLimit', 10);
      setIfAbsent(spec, 'progressDeadlineSeconds', 600);
      defaultTemplate(spec);
      break;
    case 'ReplicaSet':
      if (!spec) break;
      setIfAbsent(spec, 'replicas', 1);
      defaultTemplate(spec);
      break;
    case 'ReplicationController':
      if (!spec) break;
      setIfAbsent(spec, 'replicas', 1);
      if (!spec.selector && spec.template?.metadata?.labels) spec.selector = { ...spec.template.metadata.labels };
      defaultTemplate(spec);
      break;
    case 'StatefulSet':
      if (!spec) break;
      setIfAbsent(spec, 'replicas', 1);
      setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
      setIfAbsent(spec, 'updateStrategy', { type: 'RollingUpdate' });
      if (spec.updateStrategy.type === 'RollingUpdate') setIfAbsent(spec.updateStrategy, 'rollingUpdate', { partition: 0 });
      setIfAbsent(spec, 'revisionHistoryLimit', 10);
      setIfAbsent(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
      defaultTemplate(spec);
      break;
    case 'DaemonSet':
      if (!spec) break;
      setIfAbsent(spec, 'updateStrategy', { type: 'RollingUpdate' });
      if (spec.updateStrategy.type === 'RollingUpdate') {
        setIfAbsent(spec.updateStrategy, 'rollingUpdate', {});
        setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
        setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxSurge', 0);
      }
      setIfAbsent(spec, 'revisionHistoryLimit', 10);
      defaultTemplate(spec);
      break;
    case 'Job':
      if (!spec) break;
      if (spec.completions == null && spec.parallelism == null) {
        spec.completions = 1;
        spec.parallelism = 1;
      }
      setIfAbsent(spec, 'parallelism', 1);
      setIfAbsent(spec, 'backoffLimit', 6);
      setIfAbsent(spec, 'completionMode', 'NonIndexed');
      setIfAbsent(spec, 'suspend', false);
      defaultTemplate(spec);
      break;
    case 'CronJob':
      if (!spec) break;
      setIfAbsent(spec, 'concurrencyPolicy', 'Allow');
      setIfAbsent(spec, 'suspend', false);
      setIfAbsent(spec, 'successfulJobsHistoryLimit', 3);
      setIfAbsent(spec, 'failedJobsHistoryLimit', 1);
      if (spec.jobTemplate?.spec) applyDefaults('Job', { spec: spec.jobTemplate.spec });
      break;
    case 'Service':
      if (!spec) break;
      setIfAbsent(spec, 'type', 'ClusterIP');
      setIfAbsent(spec, 'sessionAffinity', 'None');
      if (spec.type !== 'ExternalName') {
        setIfAbsent(spec, 'ipFamilies', ['IPv4']);
        setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
        setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
      }
      if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
      if (Array.isArray(spec.ports))
        for (const p of spec.ports) {
          if (!p || typeof p !== 'object') continue;
          setIfAbsent(p, 'protocol', 'TCP');
          setIfAbsent(p, 'targetPort', p.port);
        }
      break;
    case 'Namespace':
      obj.spec = spec ?? {};
      setIfAbsent(obj.spec, 'finalizers', ['kubernetes']);
      break;
    case 'Secret':
      setIfAbsent(obj, 'type', 'Opaque');
      break;
    case 'HorizontalPodAutoscaler':
      if (spec) setIfAbsent(spec, 'minReplicas', 1);
      break;
    case 'PodDisruptionBudget': {
      // SetDefaults_PodDisruptionBudgetSpec: neither bound set means minAvailable 1.
      const s = (obj.spec = spec ?? {});
      if (s.minAvailable == null && s.maxUnavailable == null) s.minAvailable = 1;
      break;
    }
    case 'Endpoints':
      if (Array.isArray(obj.subsets))
        for (const s of obj.subsets) if (Array.isArray(s?.ports)) for (const p of s.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
      break;
    case 'EndpointSlice':
      if (Array.isArray(obj.ports)) for (const p of obj.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
      break;
  }
}
