import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@minik8s/shared';
import { humanDuration, tableVersionRequested, toTable } from '../src/tables';
import { defaultPrinter } from '../src/tables/columns';
import { podCells } from '../src/kinds/core/pod/table';
import type { ServedResource } from '../src/registry/kinds';
import { kind, kinds } from './kinds';

const R = {
  configmaps: kind('configmaps'),
  controllerrevisions: kind('controllerrevisions', 'apps'),
  cronjobs: kind('cronjobs', 'batch'),
  daemonsets: kind('daemonsets', 'apps'),
  deployments: kind('deployments', 'apps'),
  endpoints: kind('endpoints'),
  endpointslices: kind('endpointslices', 'discovery.k8s.io'),
  events: kind('events'),
  horizontalpodautoscalers: kind('horizontalpodautoscalers', 'autoscaling'),
  jobs: kind('jobs', 'batch'),
  leases: kind('leases', 'coordination.k8s.io'),
  namespaces: kind('namespaces'),
  nodes: kind('nodes'),
  pods: kind('pods'),
  replicasets: kind('replicasets', 'apps'),
  replicationcontrollers: kind('replicationcontrollers'),
  secrets: kind('secrets'),
  serviceaccounts: kind('serviceaccounts'),
  services: kind('services'),
  statefulsets: kind('statefulsets', 'apps'),
};

const NOW = Date.parse('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

describe('humanDuration (duration.HumanDuration)', () => {
  it.each([
    [-5_000, '<invalid>'],
    [-1_500, '0s'],
    [0, '0s'],
    [59_000, '59s'],
    [119_000, '119s'],
    [120_000, '2m'],
    [150_000, '2m30s'],
    [600_000, '10m'],
    [179 * 60_000, '179m'],
    [3 * 3600_000, '3h'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [8 * 3600_000, '8h'],
    [47 * 3600_000, '47h'],
    [48 * 3600_000, '2d'],
    [50 * 3600_000, '2d2h'],
    [8 * 86400_000, '8d'],
    [400 * 86400_000, '400d'],
    [731 * 86400_000, '2y1d'],
    [365 * 2 * 86400_000, '2y'],
    [365 * 9 * 86400_000, '9y'],
  ])('%i ms → %s', (ms, s) => expect(humanDuration(ms)).toBe(s));
});

const container = (name: string) => ({ name, image: 'busybox' });
function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): any {
  return { metadata: { name: 'p', creationTimestamp: ago(300), ...meta }, spec: { containers: [container('a')], ...spec }, status };
}

describe('pod STATUS / READY / RESTARTS (printPod)', () => {
  const running = { state: { running: { startedAt: ago(100) } }, ready: true, restartCount: 0, name: 'a' };
  const cases: Array<[string, any, Partial<ReturnType<typeof podCells>>]> = [
    ['no status → Pending', pod({ phase: 'Pending' }), { status: 'Pending', ready: '0/1', restarts: '0' }],
    ['waiting ContainerCreating', pod({ phase: 'Pending', containerStatuses: [{ name: 'a', state: { waiting: { reason: 'ContainerCreating' } }, ready: false, restartCount: 0 }] }), { status: 'ContainerCreating', ready: '0/1' }],
    ['running and ready', pod({ phase: 'Running', containerStatuses: [running] }), { status: 'Running', ready: '1/1' }],
    [
      'CrashLoopBackOff with restarts (ago)',
      pod({
        phase: 'Running',
        containerStatuses: [{ name: 'a', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(65) } }, ready: false, restartCount: 4 }],
      }),
      { status: 'CrashLoopBackOff', ready: '0/1', restarts: '4 (65s ago)' },
    ],
    ['Completed', pod({ phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } }, ready: false, restartCount: 0 }] }), { status: 'Completed', ready: '0/1' }],
    ['Error', pod({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 2, reason: 'Error' } }, ready: false }] }), { status: 'Error' }],
    ['terminated without reason → ExitCode:N', pod({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 3 } } }] }), { status: 'ExitCode:3' }],
    ['terminated by signal', pod({ phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 137, signal: 9 } } }] }), { status: 'Signal:9' }],
    [
      'Init:0/1 while the init container runs',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { running: {} }, ready: false, restartCount: 0 }] }, { initContainers: [container('i')] }),
      { status: 'Init:0/1', ready: '0/1' },
    ],
    [
      'Init:CrashLoopBackOff',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { waiting: { reason: 'CrashLoopBackOff' } }, restartCount: 2 }] }, { initContainers: [container('i')] }),
      { status: 'Init:CrashLoopBackOff', restarts: '2' },
    ],
    [
      'Init:Error',
      pod({ phase: 'Pending', initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }, { initContainers: [container('i')] }),
      { status: 'Init:Error' },
    ],
    [
      'done init containers do not count',
      pod({ phase: 'Running', initContainerStatuses: [{ name: 'i', state: { terminated: { exitCode: 0, reason: 'Completed' } } }], containerStatuses: [running] }, { initContainers: [container('i')] }),
      { status: 'Running', ready: '1/1' },
    ],
    ['Terminating', pod({ phase: 'Running', containerStatuses: [running] }, {}, { deletionTimestamp: ago(1) }), { status: 'Terminating' }],
    ['a finished pod being deleted keeps its status', pod({ phase: 'Succeeded', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, {}, { deletionTimestamp: ago(1) }), { status: 'Completed' }],
    ['status.reason wins over phase (Evicted)', pod({ phase: 'Failed', reason: 'Evicted' }), { status: 'Evicted' }],
    ['SchedulingGated', pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), { status: 'SchedulingGated' }],
    [
      'wide cells',
      pod({ phase: 'Running', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'G', status: 'True' }] }, { nodeName: 'node1', readinessGates: [{ conditionType: 'G' }, { conditionType: 'H' }] }),
      { ip: '10.244.0.5', node: 'node1', nominatedNode: '<none>', readinessGates: '1/2' },
    ],
    ['wide cells when unscheduled', pod({ phase: 'Pending' }), { ip: '<none>', node: '<none>', readinessGates: '<none>' }],
  ];
  it.each(cases)('%s', (_name, p, expected) => {
    expect(podCells(p, NOW)).toMatchObject(expected);
  });
});

describe('toTable', () => {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '12', creationTimestamp: ago(300), labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] },
      template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'side', image: 'busybox' }] } },
    },
    status: { readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1 },
  };

  it('builds a deployment list with the upstream columns, wide cells and PartialObjectMetadata rows', () => {
    const t = toTable(R.deployments, { apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '99' }, items: [deploy] }, { now: NOW });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata.resourceVersion).toBe('99');
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1],
    ]);
    expect(t.rows[0].cells).toEqual(['web', '1/2', 2, 1, '5m', 'nginx,side', 'nginx:1.25,busybox', 'app=web,tier in (a,b)']);
    expect(t.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: deploy.metadata });
  });

  it('includeObject=Object embeds the full object, None omits it', () => {
    expect(toTable(R.deployments, deploy as KubeObject, { includeObject: 'Object', now: NOW }).rows[0].object).toEqual(deploy);
    expect(toTable(R.deployments, deploy as KubeObject, { includeObject: 'None', now: NOW }).rows[0].object).toBeUndefined();
  });

  it('a single object (or watch event) is a one-row Table carrying its resourceVersion', () => {
    const t = toTable(R.deployments, deploy as KubeObject, { now: NOW, version: 'v1beta1' });
    expect(t.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.rows).toHaveLength(1);
    expect(t.metadata.resourceVersion).toBe('12');
  });

  it('marks finished pods with the Completed row condition', () => {
    const t = toTable(R.pods, pod({ phase: 'Succeeded' }), { now: NOW });
    expect(t.rows[0].conditions?.[0]).toMatchObject({ type: 'Completed', status: 'True' });
    expect(t.rows[0].cells.slice(0, 5)).toEqual(['p', '0/1', 'Succeeded', '0', '5m']);
  });

  const rowCases: Array<[string, ServedResource, object, unknown[]]> = [
    [
      'service (ClusterIP, selector)',
      R.services,
      { metadata: { name: 's', creationTimestamp: ago(30) }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }, { port: 80, protocol: 'TCP' }], selector: { k: 'v', app: 'dns' } } },
      ['s', 'ClusterIP', '10.96.0.10', '<none>', '53/UDP,80/TCP', '30s', 'app=dns,k=v'],
    ],
    [
      'service (NodePort)',
      R.services,
      { metadata: { name: 'n', creationTimestamp: ago(30) }, spec: { type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } },
      ['n', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP', '30s', '<none>'],
    ],
    [
      'service (LoadBalancer pending)',
      R.services,
      { metadata: { name: 'l', creationTimestamp: ago(30) }, spec: { type: 'LoadBalancer', clusterIP: '10.96.0.12', ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] } },
      ['l', 'LoadBalancer', '10.96.0.12', '<pending>', '80:31000/TCP', '30s', '<none>'],
    ],
    [
      'node (ready, role, cordoned)',
      R.nodes,
      {
        metadata: { name: 'n1', creationTimestamp: ago(7200), labels: { 'node-role.kubernetes.io/control-plane': '' } },
        spec: { unschedulable: true },
        status: {
          conditions: [{ type: 'Ready', status: 'True' }],
          addresses: [{ type: 'InternalIP', address: '172.18.0.2' }],
          nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'docker://20.10' },
        },
      },
      ['n1', 'Ready,SchedulingDisabled', 'control-plane', '120m', 'v1.32.0', '172.18.0.2', '<none>', 'Debian', '6.1', 'docker://20.10'],
    ],
    ['namespace', R.namespaces, { metadata: { name: 'default', creationTimestamp: ago(60) }, status: { phase: 'Active' } }, ['default', 'Active', '60s']],
    ['configmap', R.configmaps, { metadata: { name: 'c', creationTimestamp: ago(60) }, data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }, ['c', 3, '60s']],
    ['secret', R.secrets, { metadata: { name: 's', creationTimestamp: ago(60) }, type: 'Opaque', data: { a: 'MQ==' } }, ['s', 'Opaque', 1, '60s']],
    [
      'replicaset',
      R.replicasets,
      { metadata: { name: 'rs', creationTimestamp: ago(60) }, spec: { replicas: 3, selector: { matchLabels: { app: 'w' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 3, readyReplicas: 2 } },
      ['rs', 3, 3, 2, '60s', 'c', 'i', 'app=w'],
    ],
    [
      'replicationcontroller',
      R.replicationcontrollers,
      { metadata: { name: 'rc', creationTimestamp: ago(60) }, spec: { replicas: 1, selector: { app: 'w' }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 1 } },
      ['rc', 1, 1, 0, '60s', 'c', 'i', 'app=w'],
    ],
    [
      'statefulset',
      R.statefulsets,
      { metadata: { name: 'db', creationTimestamp: ago(60) }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { readyReplicas: 1 } },
      ['db', '1/3', '60s', 'c', 'i'],
    ],
    [
      'daemonset',
      R.daemonsets,
      {
        metadata: { name: 'ds', creationTimestamp: ago(60) },
        spec: { selector: { matchLabels: { app: 'd' } }, template: { spec: { nodeSelector: { os: 'linux' }, containers: [{ name: 'c', image: 'i' }] } } },
        status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
      },
      ['ds', 2, 2, 1, 2, 1, 'os=linux', '60s', 'c', 'i', 'app=d'],
    ],
    [
      'job (complete)',
      R.jobs,
      {
        metadata: { name: 'j', creationTimestamp: ago(600) },
        spec: { completions: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'x' } }, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
        status: { succeeded: 1, startTime: ago(600), completionTime: ago(590), conditions: [{ type: 'Complete', status: 'True' }] },
      },
      ['j', 'Complete', '1/1', '10s', '10m', 'c', 'i', 'batch.kubernetes.io/controller-uid=x'],
    ],
    [
      'job (running, parallel)',
      R.jobs,
      { metadata: { name: 'j', creationTimestamp: ago(30) }, spec: { parallelism: 3, template: { spec: { containers: [] } } }, status: { startTime: ago(30) } },
      ['j', 'Running', '0/1 of 3', '30s', '30s', '', '', '<none>'],
    ],
    [
      'cronjob',
      R.cronjobs,
      { metadata: { name: 'cj', creationTimestamp: ago(60) }, spec: { schedule: '*/1 * * * *', suspend: false, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } } }, status: { active: [{}], lastScheduleTime: ago(20) } },
      ['cj', '*/1 * * * *', '<none>', 'False', 1, '20s', '60s', 'c', 'i', '<none>'],
    ],
    [
      'event',
      R.events,
      {
        metadata: { name: 'p.123', creationTimestamp: ago(60) },
        involvedObject: { kind: 'Pod', name: 'p', fieldPath: 'spec.containers{a}' },
        type: 'Normal',
        reason: 'Pulled',
        message: ' Pulled image \n',
        source: { component: 'kubelet', host: 'n1' },
        firstTimestamp: ago(60),
        lastTimestamp: ago(10),
        count: 3,
      },
      ['10s', 'Normal', 'Pulled', 'pod/p', 'spec.containers{a}', 'kubelet, n1', 'Pulled image', '60s', 3, 'p.123'],
    ],
    [
      'endpoints',
      R.endpoints,
      { metadata: { name: 'e', creationTimestamp: ago(60) }, subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }] }] },
      ['e', '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...', '60s'],
    ],
    ['endpoints (none)', R.endpoints, { metadata: { name: 'e', creationTimestamp: ago(60) } }, ['e', '<none>', '60s']],
    [
      'endpoints (headless without ports, IPv6 with ports)',
      R.endpoints,
      { metadata: { name: 'e', creationTimestamp: ago(60) }, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }, { addresses: [{ ip: 'fd00::1' }], ports: [{ port: 53 }] }] },
      ['e', '10.0.0.1,[fd00::1]:53', '60s'],
    ],
    [
      'endpointslice (named port, more than three endpoints)',
      R.endpointslices,
      { metadata: { name: 'es', creationTimestamp: ago(60) }, addressType: 'IPv4', ports: [{ name: 'http' }], endpoints: [{ addresses: ['a', 'b'] }, { addresses: ['c', 'd', 'e'] }] },
      ['es', 'IPv4', 'http', 'a,b,c + 2 more...', '60s'],
    ],
    [
      'node (not ready, no role, no info)',
      R.nodes,
      { metadata: { name: 'n2', creationTimestamp: ago(60) }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ['n2', 'NotReady', '<none>', '60s', '', '<none>', '<none>', '<unknown>', '<unknown>', '<unknown>'],
    ],
    [
      'service (LoadBalancer with ingress and externalIPs, clusterIPs)',
      R.services,
      {
        metadata: { name: 'lb', creationTimestamp: ago(30) },
        spec: { type: 'LoadBalancer', clusterIPs: ['10.96.0.20'], externalIPs: ['1.2.3.4'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
        status: { loadBalancer: { ingress: [{ ip: '9.9.9.9' }, { hostname: 'a.example' }, { ip: '9.9.9.9' }] } },
      },
      ['lb', 'LoadBalancer', '10.96.0.20', '9.9.9.9,a.example,1.2.3.4', '80:31000/TCP', '30s', '<none>'],
    ],
    [
      'cronjob (suspend unset, selector)',
      R.cronjobs,
      { metadata: { name: 'cj', creationTimestamp: ago(60) }, spec: { schedule: '@daily', timeZone: 'Etc/UTC', jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: { spec: { containers: [] } } } } } },
      ['cj', '@daily', 'Etc/UTC', '<unset>', 0, '<none>', '60s', '', '', 'a=b'],
    ],
    [
      'hpa (several metric types, at most two shown)',
      R.horizontalpodautoscalers,
      {
        metadata: { name: 'h', creationTimestamp: ago(60) },
        spec: {
          scaleTargetRef: { kind: 'Deployment', name: 'web' },
          maxReplicas: 3,
          metrics: [
            { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
            { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          ],
        },
        status: { currentReplicas: 1, currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } }] },
      },
      ['h', 'Deployment/web', 'memory: 50Mi/100Mi, <unknown>/10 + 1 more...', '<unset>', 3, 1, '60s'],
    ],
    [
      'job (suspended; the first condition of a type decides)',
      R.jobs,
      { metadata: { name: 'j', creationTimestamp: ago(30) }, spec: { template: { spec: { containers: [] } } }, status: { conditions: [{ type: 'Suspended', status: 'True' }, { type: 'Complete', status: 'False' }] } },
      ['j', 'Suspended', '0/1', '', '30s', '', '', '<none>'],
    ],
    [
      'endpointslice',
      R.endpointslices,
      { metadata: { name: 'es', creationTimestamp: ago(60) }, addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.0.0.1'] }] },
      ['es', 'IPv4', '80', '10.0.0.1', '60s'],
    ],
    ['serviceaccount', R.serviceaccounts, { metadata: { name: 'default', creationTimestamp: ago(60) } }, ['default', 0, '60s']],
    ['lease', R.leases, { metadata: { name: 'kube-scheduler', creationTimestamp: ago(60) }, spec: { holderIdentity: 'a_b' } }, ['kube-scheduler', 'a_b', '60s']],
    [
      'hpa',
      R.horizontalpodautoscalers,
      {
        metadata: { name: 'h', creationTimestamp: ago(60) },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
        status: { currentReplicas: 2 },
      },
      ['h', 'Deployment/web', 'cpu: <unknown>/50%', '1', 5, 2, '60s'],
    ],
    [
      'controllerrevision (default-like columns)',
      R.controllerrevisions,
      { metadata: { name: 'cr', creationTimestamp: ago(60), ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', controller: true }] }, revision: 2 },
      ['cr', 'daemonset.apps/ds', 2, '60s'],
    ],
  ];
  it.each(rowCases)('%s', (_name, r, obj, cells) => {
    const t = toTable(r, obj as KubeObject, { now: NOW });
    expect(t.rows[0].cells).toEqual(cells);
    expect(t.columnDefinitions).toHaveLength(cells.length);
  });

  it('every served resource has a printer whose cells match its columns', () => {
    for (const r of kinds.served()) {
      const p = r.strategy.table ?? defaultPrinter;
      const cells = p.cells({ metadata: { name: 'x', creationTimestamp: ago(1) } }, NOW);
      expect(cells.length, r.resource).toBe(p.columns.length);
    }
  });
});

describe('tableVersionRequested', () => {
  it.each([
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json', 'v1'],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json', 'v1beta1'],
    ['application/json', undefined],
    ['application/json, */*', undefined],
    ['application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json', undefined],
    [undefined, undefined],
  ])('%s → %s', (accept, v) => expect(tableVersionRequested(accept)).toBe(v));
});

describe('toTable robustness', () => {
  it('falls back to Name/Created At when a printer cannot handle a malformed object', () => {
    const bad = { metadata: { name: 'x', creationTimestamp: ago(5) }, spec: { containers: [], initContainers: 7 } } as unknown as KubeObject;
    const t = toTable(R.pods, bad, { now: NOW });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(t.rows[0].cells).toEqual(['x', ago(5)]);
  });
});
