// Fuzzing the real apiserver (its own etcd, the built process): valid objects of every kind with hostile
// values at random paths, sent as creates, updates and merge patches, plus malformed requests. Properties:
// no 5xx, the server stays up, and whatever it stored passes the kind's validation again. The seed corpus
// (the issue's examples) runs first. `npm test` runs a bounded number of cases; `npm run fuzz` more
// (FUZZ_RUNS); a failure prints fast-check's seed and the shrunk counterexample to replay.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserver, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { fuzzRuns, hostileValue, mutate, mutation, HOSTILE_STRINGS } from '../../testing/fuzz';
import { validateObject } from '../src/registry/prepare';
import { kind } from './kinds';
import { call } from './helpers';

let api: Apiserver;
let U: string;

beforeAll(async () => {
  api = await startApiserver();
  U = api.url;
  await waitFor('default namespace', async () => (await call(U, 'GET', '/api/v1/namespaces/default')).code === 200);
  // the pod bases use a hostPath volume: the fuzz is about validation, so Pod Security lets everything pass here
  const labelled = await call(
    U,
    'PATCH',
    '/api/v1/namespaces/default',
    { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
    'application/merge-patch+json',
  );
  expect(labelled.code).toBe(200);
});
afterAll(stopAll);

const ctr = {
  name: 'c',
  image: 'busybox:1.36',
  ports: [{ containerPort: 80, protocol: 'TCP' }],
  env: [{ name: 'A', value: 'b' }],
  resources: { limits: { cpu: '100m', memory: '64Mi' } },
  volumeMounts: [{ name: 'v', mountPath: '/data', subPath: 'sub' }],
  livenessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 10 },
};
const podSpec = {
  containers: [ctr],
  volumes: [
    { name: 'v', emptyDir: {} },
    { name: 'h', hostPath: { path: '/tmp/x', type: 'DirectoryOrCreate' } },
  ],
  hostAliases: [{ ip: '10.1.2.3', hostnames: ['a.b'] }],
  tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
  nodeSelector: { disk: 'ssd' },
  dnsConfig: { nameservers: ['10.0.0.10'], searches: ['svc.local'] },
};
const template = { metadata: { labels: { app: 'a' } }, spec: podSpec };
const selector = { matchLabels: { app: 'a' } };

interface Base {
  /** the collection URL (namespace "default" for namespaced kinds) */
  url: string;
  group: string;
  resource: string;
  obj: Record<string, any>;
}

const BASES: Base[] = [
  {
    url: '/api/v1/namespaces/default/pods',
    group: '',
    resource: 'pods',
    obj: { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { app: 'a' } }, spec: podSpec },
  },
  {
    url: '/api/v1/namespaces/default/services',
    group: '',
    resource: 'services',
    obj: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {},
      spec: {
        selector: { app: 'a' },
        ports: [{ name: 'http', port: 80, targetPort: 8080 }],
        externalIPs: ['10.20.30.40'],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } },
      },
    },
  },
  {
    url: '/api/v1/namespaces/default/services',
    group: '',
    resource: 'services',
    obj: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {},
      spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 0 }], loadBalancerSourceRanges: [] },
    },
  },
  {
    url: '/api/v1/namespaces/default/endpoints',
    group: '',
    resource: 'endpoints',
    obj: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {},
      subsets: [{ addresses: [{ ip: '10.244.1.5', nodeName: 'n1' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
    },
  },
  {
    url: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices',
    group: 'discovery.k8s.io',
    resource: 'endpointslices',
    obj: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { labels: { 'kubernetes.io/service-name': 's' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['10.244.1.5'], conditions: { ready: true }, nodeName: 'n1' }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    },
  },
  {
    url: '/api/v1/nodes',
    group: '',
    resource: 'nodes',
    obj: {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {},
      spec: { podCIDR: '10.244.7.0/24', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'InternalIP', address: '10.0.0.7' }], capacity: { cpu: '2', memory: '4Gi', pods: '110' } },
    },
  },
  {
    url: '/api/v1/namespaces/default/configmaps',
    group: '',
    resource: 'configmaps',
    obj: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {}, data: { 'key.name': 'v' }, binaryData: { bin: 'AAEC' } },
  },
  {
    url: '/api/v1/namespaces/default/secrets',
    group: '',
    resource: 'secrets',
    obj: { apiVersion: 'v1', kind: 'Secret', metadata: {}, type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'c' } },
  },
  {
    url: '/api/v1/namespaces/default/events',
    group: '',
    resource: 'events',
    obj: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {},
      involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'R',
      message: 'm',
      type: 'Normal',
      count: 1,
    },
  },
  {
    url: '/api/v1/namespaces',
    group: '',
    resource: 'namespaces',
    obj: { apiVersion: 'v1', kind: 'Namespace', metadata: {}, spec: { finalizers: ['kubernetes'] } },
  },
  {
    url: '/api/v1/namespaces/default/serviceaccounts',
    group: '',
    resource: 'serviceaccounts',
    obj: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: {}, secrets: [{ name: 's' }] },
  },
  {
    url: '/api/v1/namespaces/default/replicationcontrollers',
    group: '',
    resource: 'replicationcontrollers',
    obj: { apiVersion: 'v1', kind: 'ReplicationController', metadata: {}, spec: { replicas: 1, selector: { app: 'a' }, template } },
  },
  {
    url: '/apis/apps/v1/namespaces/default/deployments',
    group: 'apps',
    resource: 'deployments',
    obj: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {},
      spec: { replicas: 2, selector, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } },
    },
  },
  {
    url: '/apis/apps/v1/namespaces/default/replicasets',
    group: 'apps',
    resource: 'replicasets',
    obj: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {}, spec: { replicas: 1, selector, template } },
  },
  {
    url: '/apis/apps/v1/namespaces/default/daemonsets',
    group: 'apps',
    resource: 'daemonsets',
    obj: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: {}, spec: { selector, template } },
  },
  {
    url: '/apis/apps/v1/namespaces/default/statefulsets',
    group: 'apps',
    resource: 'statefulsets',
    obj: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: {}, spec: { serviceName: 's', replicas: 1, selector, template } },
  },
  {
    url: '/apis/apps/v1/namespaces/default/controllerrevisions',
    group: 'apps',
    resource: 'controllerrevisions',
    obj: { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: {}, data: { x: 1 }, revision: 1 },
  },
  {
    url: '/apis/batch/v1/namespaces/default/jobs',
    group: 'batch',
    resource: 'jobs',
    obj: {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {},
      spec: { backoffLimit: 2, template: { ...template, spec: { ...podSpec, restartPolicy: 'Never' } } },
    },
  },
  {
    url: '/apis/batch/v1/namespaces/default/cronjobs',
    group: 'batch',
    resource: 'cronjobs',
    obj: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: {},
      spec: {
        schedule: '*/5 * * * *',
        timeZone: 'Europe/Berlin',
        jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'OnFailure' } } } },
      },
    },
  },
  {
    url: '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers',
    group: 'autoscaling',
    resource: 'horizontalpodautoscalers',
    obj: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {},
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' },
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
    },
  },
  {
    url: '/apis/policy/v1/namespaces/default/poddisruptionbudgets',
    group: 'policy',
    resource: 'poddisruptionbudgets',
    obj: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: {}, spec: { minAvailable: 1, selector } },
  },
  {
    url: '/apis/coordination.k8s.io/v1/namespaces/default/leases',
    group: 'coordination.k8s.io',
    resource: 'leases',
    obj: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: {}, spec: { holderIdentity: 'h', leaseDurationSeconds: 15 } },
  },
  {
    url: '/api/v1/persistentvolumes',
    group: '',
    resource: 'persistentvolumes',
    obj: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: {},
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: '/tmp/pv', type: 'DirectoryOrCreate' },
        storageClassName: 'manual',
        mountOptions: ['ro'],
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }] },
        },
      },
    },
  },
  {
    url: '/api/v1/namespaces/default/persistentvolumeclaims',
    group: '',
    resource: 'persistentvolumeclaims',
    obj: {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {},
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'manual', selector },
    },
  },
  {
    url: '/apis/storage.k8s.io/v1/storageclasses',
    group: 'storage.k8s.io',
    resource: 'storageclasses',
    obj: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: {},
      provisioner: 'minik8s.io/local-path',
      parameters: { dir: '/var/lib/x' },
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'WaitForFirstConsumer',
      allowedTopologies: [{ matchLabelExpressions: [{ key: 'zone', values: ['a'] }] }],
    },
  },
];

const base = (resource: string) => BASES.find((b) => b.resource === resource)!;

let seq = 0;
const uniqueName = () => `fz-${Date.now().toString(36)}-${seq++}`;

/** Whatever the apiserver stored must pass validation again; an answer is never a 5xx. */
async function check(b: Base, res: { code: number; body: any }, what: string): Promise<void> {
  expect(res.code, `${what}: ${JSON.stringify(res.body)?.slice(0, 500)}`).toBeLessThan(500);
  if (res.code !== 200 && res.code !== 201) {
    expect(res.body?.kind, what).toBe('Status');
    return;
  }
  const name = res.body?.metadata?.name;
  const stored = await call(U, 'GET', `${b.url}/${encodeURIComponent(name)}`);
  if (stored.code === 404) return; // a namespace being deleted, an object deleted meanwhile
  expect(stored.code, what).toBe(200);
  const causes = validateObject(kind(b.resource, b.group), stored.body);
  expect(causes, `${what} stored an object validation rejects: ${JSON.stringify(stored.body).slice(0, 800)}`).toEqual([]);
}

const named = (b: Base, name: string) => ({ ...structuredClone(b.obj), metadata: { ...b.obj.metadata, name } });

describe('the seed corpus (the issue)', () => {
  const corpus: [string, Base, (o: Record<string, any>) => void][] = [
    ['an Endpoints address "1.2.3.4 x"', BASES[3], (o) => (o.subsets[0].addresses[0].ip = '1.2.3.4 x')],
    ['an Endpoints address with a newline', BASES[3], (o) => (o.subsets[0].addresses[0].ip = '10.0.0.1\n-A KUBE-SERVICES -j ACCEPT')],
    ['an EndpointSlice address with a newline', BASES[4], (o) => (o.endpoints[0].addresses[0] = '10.0.0.1\nCOMMIT')],
    ['an externalIP "1.2.3.4 x"', BASES[1], (o) => (o.spec.externalIPs = ['1.2.3.4 x'])],
    ['a session affinity timeout of -1', BASES[1], (o) => (o.spec.sessionAffinityConfig.clientIP.timeoutSeconds = -1)],
    ['a Node podCIDR "default"', BASES[5], (o) => (o.spec.podCIDR = 'default')],
    ['a quantity 1e30000000', BASES[0], (o) => (o.spec.containers[0].resources.limits.cpu = '1e30000000')],
    ['an invalid quantity', BASES[0], (o) => (o.spec.containers[0].resources.limits.memory = '64 MB')],
    ['a subPath to the node root', BASES[0], (o) => (o.spec.containers[0].volumeMounts[0].subPath = '../../../')],
    ['a hostPath with a bind option', BASES[0], (o) => (o.spec.volumes[1].hostPath.path = '/..:/host:rw')],
    ['an invalid Pod (no containers)', BASES[0], (o) => (o.spec.containers = [])],
    [
      'a PersistentVolume of the node root through a local path with ..',
      base('persistentvolumes'),
      (o) => (o.spec.hostPath.path = '/tmp/../'),
    ],
    [
      'a PersistentVolumeClaim asking for 1e30000000 bytes',
      base('persistentvolumeclaims'),
      (o) => (o.spec.resources.requests.storage = '1e30000000'),
    ],
    ['a StorageClass parameter that is not a string', base('storageclasses'), (o) => (o.parameters.dir = { $gt: '' })],
  ];
  it.each(corpus)('%s: refused with 422, nothing stored', async (_what, b, edit) => {
    const o = named(b, uniqueName());
    edit(o);
    const r = await call(U, 'POST', b.url, o);
    expect(r.code, JSON.stringify(r.body)).toBe(422);
    expect((await call(U, 'GET', `${b.url}/${o.metadata.name}`)).code).toBe(404);
  });

  it.each([
    [
      'deeply nested JSON',
      '/api/v1/namespaces/default/configmaps',
      `{"metadata":{"name":"d"},"data":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      400,
    ],
    ['a malformed field selector', '/api/v1/namespaces/default/pods?fieldSelector=metadata.name%20%3Dx', undefined, 400],
  ])('%s: %i', async (_w, path, body, code) => {
    expect((await call(U, body ? 'POST' : 'GET', path, body)).code).toBe(code);
  });
});

describe('fuzzing every kind', () => {
  it(
    'creates, updates and patches with hostile values: no 5xx, and nothing stored that validation rejects',
    { timeout: 600_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(BASES.length - 1),
          fc.array(mutation, { minLength: 1, maxLength: 4 }),
          fc.constantFrom('create', 'update', 'patch'),
          async (i, muts, op) => {
            const b = BASES[i];
            const name = uniqueName();
            const bad = mutate(named(b, name), muts);
            if (op === 'create') return check(b, await call(U, 'POST', b.url, bad), `create ${b.resource}`);
            const created = await call(U, 'POST', b.url, named(b, name));
            await check(b, created, `create ${b.resource} (valid base)`);
            if (created.code !== 201) return;
            if (op === 'update') {
              const cur = (await call(U, 'GET', `${b.url}/${name}`)).body;
              const next = mutate(cur, muts);
              return check(b, await call(U, 'PUT', `${b.url}/${name}`, next), `update ${b.resource}`);
            }
            return check(
              b,
              await call(
                U,
                'PATCH',
                `${b.url}/${name}`,
                mutate({ spec: b.obj.spec ?? {}, metadata: { labels: { a: 'b' } } }, muts),
                'application/merge-patch+json',
              ),
              `patch ${b.resource}`,
            );
          },
        ),
        { numRuns: fuzzRuns(250) },
      );
    },
  );

  it('answers malformed requests with 4xx: bodies, query parameters, content types', { timeout: 600_000 }, async () => {
    const paths = [...new Set(BASES.map((b) => b.url))];
    const param = fc.constantFrom(
      'labelSelector',
      'fieldSelector',
      'limit',
      'continue',
      'resourceVersion',
      'dryRun',
      'fieldValidation',
      'gracePeriodSeconds',
      'propagationPolicy',
    );
    const text = fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 30 }));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.array(fc.tuple(param, text), { maxLength: 3 }),
        fc.oneof(
          fc.constant(undefined),
          text,
          hostileValue.map((v) => JSON.stringify(v) ?? 'null'),
          fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
        ),
        fc.constantFrom(
          'application/json',
          'application/yaml',
          'application/merge-patch+json',
          'application/strategic-merge-patch+json',
          'application/json-patch+json',
          'text/plain',
          'application/vnd.kubernetes.protobuf',
        ),
        fc.boolean(),
        async (path, method, params, body, ct, withName) => {
          const q = new URLSearchParams(params).toString();
          const target = `${path}${withName && method !== 'POST' ? '/fz-x' : ''}${q ? `?${q}` : ''}`;
          const r = await call(U, method, target, method === 'GET' ? undefined : body, ct);
          expect(r.code, `${method} ${target} (${ct}) ${String(body).slice(0, 200)} → ${r.text.slice(0, 300)}`).toBeLessThan(500);
        },
      ),
      { numRuns: fuzzRuns(250) },
    );
    expect((await call(U, 'GET', '/healthz')).text).toBe('ok');
  });
});
