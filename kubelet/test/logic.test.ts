// Pure kubelet logic: pod actions, phase/status, crash back-off, env building, resource flags.
import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import { computePodActions, containerHash, shouldRestart } from '../src/pod/actions';
import { Backoff } from '../src/pod/backoff';
import { buildEnv, EnvError, expand, serviceEnv } from '../src/pod/env';
import { computePodStatus, podPhase } from '../src/pod/status';
import type { PodRuntime, RuntimeContainer } from '../src/runtime/types';
import { allocatable, parseResourceList } from '../src/node';
import { parseFlags } from '../src/flags';
import { resolvConf } from '../src/pod/volumes';
import { containerConfig, pullPolicy, resourceOptions, sandboxConfig, securityOptions } from '../src/pod/config';
import { exitStatus } from '../src/server/streams';
import { fakeIP } from '../src/runtime/fake';
import { NETWORK_NOT_READY, networkError, readyCondition } from '../src/network';

const app = (name: string, extra: Partial<core.Container> = {}): core.Container => ({ name, image: 'minik8s/busybox:1.36', ...extra });

function pod(spec: Partial<core.PodSpec>, status?: core.PodStatus): core.Pod {
  return { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [app('a')], ...spec } as core.PodSpec, status };
}

let n = 0;
function ctr(name: string, o: Partial<RuntimeContainer> = {}, spec?: core.Container): RuntimeContainer {
  return {
    id: `id${n++}`, name, podUid: 'u1', podNamespace: 'default', podName: 'p', sandbox: false, role: 'app', attempt: 0,
    hash: spec ? containerHash(spec) : '', image: 'minik8s/busybox:1.36', imageId: 'sha256:x', state: 'running',
    startedAt: '2026-01-01T00:00:00Z', ...o,
  };
}
const sandbox = (state: RuntimeContainer['state'] = 'running'): RuntimeContainer => ctr('POD', { sandbox: true, role: 'sandbox', state, ip: '172.17.0.9' });
const rt = (sandboxes: RuntimeContainer[], containers: RuntimeContainer[]): PodRuntime => ({ uid: 'u1', namespace: 'default', name: 'p', sandboxes, containers });

describe('computePodActions', () => {
  const a = app('a');
  const cases: Array<{ name: string; pod: core.Pod; rt?: PodRuntime; failed?: Map<string, string>; want: Partial<ReturnType<typeof computePodActions>> }> = [
    { name: 'new pod → sandbox', pod: pod({}), rt: undefined, want: { createSandbox: true, start: [] } },
    { name: 'sandbox up, no containers → start all', pod: pod({ containers: [a, app('b')] }), rt: rt([sandbox()], []), want: { createSandbox: false, start: ['a', 'b'] } },
    { name: 'running container → nothing', pod: pod({}), rt: rt([sandbox()], [ctr('a', {}, a)]), want: { start: [], kill: [] } },
    { name: 'exited, Always → restart', pod: pod({}), rt: rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 0 }, a)]), want: { start: ['a'] } },
    { name: 'exited 1, OnFailure → restart', pod: pod({ restartPolicy: 'OnFailure' }), rt: rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 1 }, a)]), want: { start: ['a'] } },
    { name: 'exited 0, OnFailure → done, stop sandbox', pod: pod({ restartPolicy: 'OnFailure' }), rt: rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 0 }, a)]), want: { start: [], stopSandbox: true } },
    { name: 'exited 3, Never → done', pod: pod({ restartPolicy: 'Never' }), rt: rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 3 }, a)]), want: { start: [], stopSandbox: true } },
    { name: 'init containers run first, in order', pod: pod({ initContainers: [app('i1'), app('i2')] }), rt: rt([sandbox()], [ctr('i1', { role: 'init', state: 'exited', exitCode: 0 })]), want: { startInit: 'i2', start: [] } },
    { name: 'running init → wait', pod: pod({ initContainers: [app('i1')] }), rt: rt([sandbox()], [ctr('i1', { role: 'init' })]), want: { start: [], kill: [] } },
    { name: 'failed init, Never → pod failed', pod: pod({ restartPolicy: 'Never', initContainers: [app('i1')] }), rt: rt([sandbox()], [ctr('i1', { role: 'init', state: 'exited', exitCode: 1 })]), want: { initFailed: true, stopSandbox: true } },
    { name: 'failed init, Never, sandbox already stopped → no new sandbox', pod: pod({ restartPolicy: 'Never', initContainers: [app('i1')] }), rt: rt([sandbox('exited')], [ctr('i1', { role: 'init', state: 'exited', exitCode: 1 })]), want: { initFailed: true, createSandbox: false, stopSandbox: false } },
    { name: 'failed init, Always → retry it', pod: pod({ initContainers: [app('i1')] }), rt: rt([sandbox()], [ctr('i1', { role: 'init', state: 'exited', exitCode: 1 })]), want: { startInit: 'i1', start: [] } },
    { name: 'dead sandbox → new sandbox, kill running', pod: pod({}), rt: rt([sandbox('exited')], [ctr('a', { id: 'run1' }, a)]), want: { createSandbox: true, kill: [{ id: 'run1', name: 'a', reason: 'pod sandbox changed' }] } },
    { name: 'terminal phase → nothing starts', pod: pod({ restartPolicy: 'Never' }, { phase: 'Failed' }), rt: rt([sandbox('exited')], []), want: { createSandbox: false, start: [] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = computePodActions(c.pod, c.rt, { failed: c.failed ?? new Map() });
      expect(got).toMatchObject(c.want);
    });
  }
  it('liveness failure → kill', () => {
    const live = ctr('a', { id: 'L1' }, a);
    const got = computePodActions(pod({}), rt([sandbox()], [live]), { failed: new Map([['L1', 'Container a failed liveness probe, will be restarted']]) });
    expect(got.kill).toEqual([{ id: 'L1', name: 'a', reason: 'Container a failed liveness probe, will be restarted' }]);
  });
  it('changed spec → kill and restart', () => {
    const old = ctr('a', { id: 'O1' }, app('a', { image: 'old' }));
    const got = computePodActions(pod({}), rt([sandbox()], [old]));
    expect(got.kill.map((k) => k.id)).toEqual(['O1']);
    expect(got.start).toEqual(['a']);
  });
  it('shouldRestart per policy', () => {
    expect([shouldRestart('Always', 0), shouldRestart('OnFailure', 0), shouldRestart('OnFailure', 2), shouldRestart('Never', 1)]).toEqual([true, false, true, false]);
  });
});

describe('status', () => {
  const inputs = (waiting = new Map()) => ({
    now: '2026-01-01T00:00:10Z', runtime: 'docker', hostIP: '10.0.0.1', podIP: '172.17.0.9', waiting,
    ready: () => true, started: () => true,
  });
  it('running pod: Running, Ready, container state and ids', () => {
    const s = computePodStatus(pod({}), rt([sandbox()], [ctr('a', { id: 'abc', attempt: 2 })]), inputs());
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('172.17.0.9');
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(s.containerStatuses?.[0]).toMatchObject({ name: 'a', ready: true, restartCount: 2, containerID: 'docker://abc', state: { running: {} } });
  });
  it('crash loop: waiting CrashLoopBackOff with lastState terminated', () => {
    const w = new Map([['app/a', { reason: 'CrashLoopBackOff', message: 'back-off 10s' }]]);
    const s = computePodStatus(pod({}), rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 2, finishedAt: '2026-01-01T00:00:05Z', attempt: 1 })]), inputs(w));
    expect(s.containerStatuses?.[0].state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(s.containerStatuses?.[0].lastState?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(s.phase).toBe('Running');
    expect(s.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });
  it('OOMKilled and StartError reasons', () => {
    const s1 = computePodStatus(pod({ restartPolicy: 'Never' }), rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 137, oomKilled: true })]), inputs());
    expect(s1.containerStatuses?.[0].state?.terminated?.reason).toBe('OOMKilled');
    expect(s1.phase).toBe('Failed');
    const s2 = computePodStatus(pod({ restartPolicy: 'Never' }), rt([sandbox()], [ctr('a', { state: 'exited', exitCode: 127, error: 'exec: "nope": not found' })]), inputs());
    expect(s2.containerStatuses?.[0].state?.terminated).toMatchObject({ reason: 'StartError', message: 'exec: "nope": not found' });
  });
  it('keeps lastTransitionTime while a condition holds', () => {
    const old = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-01-01T00:00:00Z' }] };
    const s = computePodStatus(pod({}, old), rt([sandbox()], [ctr('a')]), inputs());
    expect(s.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
  });
  it('ErrImagePull keeps the pod Pending', () => {
    const s = computePodStatus(pod({}), rt([sandbox()], []), inputs(new Map([['app/a', { reason: 'ErrImagePull', message: 'x' }]])));
    expect(s.phase).toBe('Pending');
    expect(s.containerStatuses?.[0].state?.waiting?.reason).toBe('ErrImagePull');
  });
  const st = (state: core.ContainerState, last: core.ContainerState = {}): core.ContainerStatus => ({ name: 'x', image: '', imageID: '', ready: false, restartCount: 0, state, lastState: last });
  const phases: Array<[string, string | undefined, core.ContainerStatus[], core.ContainerStatus[], string]> = [
    ['waiting → Pending', 'Always', [], [st({ waiting: { reason: 'ContainerCreating' } })], 'Pending'],
    ['running → Running', 'Always', [], [st({ running: {} })], 'Running'],
    ['all succeeded, Never → Succeeded', 'Never', [], [st({ terminated: { exitCode: 0 } })], 'Succeeded'],
    ['one failed, Never → Failed', 'Never', [], [st({ terminated: { exitCode: 0 } }), st({ terminated: { exitCode: 1 } })], 'Failed'],
    ['failed, OnFailure → Running', 'OnFailure', [], [st({ terminated: { exitCode: 1 } })], 'Running'],
    ['init pending → Pending', 'Always', [st({ running: {} })], [st({ waiting: { reason: 'PodInitializing' } })], 'Pending'],
  ];
  for (const [name, policy, init, apps, want] of phases) it(`phase: ${name}`, () => expect(podPhase({ containers: [], restartPolicy: policy }, init, apps, false)).toBe(want));
});

describe('Backoff', () => {
  it('first restart immediate, then 10s doubling to 5m', () => {
    let now = 0;
    const b = new Backoff({ now: () => now });
    expect(b.remaining('k', 0)).toBe(0);
    expect(b.next('k', 0)).toBe(10_000);
    now = 1000;
    expect(b.remaining('k', 500)).toBe(9_500);
    const delays = [1, 2, 3, 4, 5, 6].map((i) => b.next('k', i * 1000));
    expect(delays).toEqual([20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    now = 2_000_000;
    expect(b.remaining('k', 1_999_000)).toBe(0);
    expect(b.next('k', 2_000_000)).toBe(10_000);
  });
});

describe('env', () => {
  const svc = (name: string, ip: string, ports: core.ServicePort[]): core.Service => ({ metadata: { name, namespace: 'default' }, spec: { clusterIP: ip, ports } });
  it('Service env vars as upstream', () => {
    const env = new Map(serviceEnv([svc('my-svc', '10.96.0.5', [{ name: 'http', port: 80, protocol: 'TCP' }])]));
    expect(Object.fromEntries(env)).toEqual({
      MY_SVC_SERVICE_HOST: '10.96.0.5', MY_SVC_SERVICE_PORT: '80', MY_SVC_SERVICE_PORT_HTTP: '80', MY_SVC_PORT: 'tcp://10.96.0.5:80',
      MY_SVC_PORT_80_TCP: 'tcp://10.96.0.5:80', MY_SVC_PORT_80_TCP_PROTO: 'tcp', MY_SVC_PORT_80_TCP_PORT: '80', MY_SVC_PORT_80_TCP_ADDR: '10.96.0.5',
    });
    expect(serviceEnv([svc('headless', 'None', [{ port: 80 }])])).toEqual([]);
  });
  const src = { configMaps: new Map([['cm', { A: '1', B: '2' }]]), secrets: new Map([['s', { PASS: 'pw' }]]), services: [], podIP: '172.17.0.3', hostIP: '10.0.0.1', nodeName: 'n1' };
  it('value, refs, fieldRef, envFrom, expansion, precedence', () => {
    const c = app('a', {
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'X', value: 'x' }, { name: 'Y', value: '$(X)-y $$(X)' },
        { name: 'CM_A', value: 'override' },
        { name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'B' } } },
        { name: 'P', valueFrom: { secretKeyRef: { name: 's', key: 'PASS' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    });
    const env = Object.fromEntries(buildEnv(pod({}), c, src).map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
    expect(env).toMatchObject({ X: 'x', Y: 'x-y $(X)', CM_A: 'override', CM_B: '2', K: '2', P: 'pw', IP: '172.17.0.3', NODE: 'n1', NAME: 'p' });
  });
  it('missing refs: clear errors, optional skipped', () => {
    expect(() => buildEnv(pod({}), app('a', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }] }), src)).toThrow(new EnvError('configmap "nope" not found'));
    expect(() => buildEnv(pod({}), app('a', { env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 's', key: 'nokey' } } }] }), src)).toThrow(/couldn't find key nokey in Secret default\/s/);
    expect(buildEnv(pod({}), app('a', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k', optional: true } } }] }), src)).toEqual([]);
  });
  it('expand', () => {
    const v = new Map([['A', '1']]);
    expect([expand('$(A)', v), expand('$(B)', v), expand('$$', v), expand('a$b', v)]).toEqual(['1', '$(B)', '$', 'a$b']);
  });
});

describe('node, flags, files', () => {
  it('allocatable = capacity - reserved', () => {
    expect(allocatable({ cpu: '2', memory: '1Gi', pods: '110' }, parseResourceList('cpu=100m,memory=512Mi'))).toEqual({ cpu: '1900m', memory: String(512 * 1024 * 1024), pods: '110' });
    expect(() => parseResourceList('cpu')).toThrow(/name=quantity/);
  });
  it('flags', () => {
    const f = parseFlags(['--hostname-override=n1', '--port', '1234', '--hollow', '--cluster-dns', '10.96.0.10']);
    expect(f).toMatchObject({ hostnameOverride: 'n1', port: 1234, hollow: true, clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', address: '0.0.0.0' });
    expect(() => parseFlags(['--bogus', 'x'])).toThrow(/unknown flag/);
    expect(() => parseFlags(['--port'])).toThrow(/needs a value/);
    expect(parseFlags([]).requirePodCIDR).toBe(false);
    expect(parseFlags(['--require-pod-cidr']).requirePodCIDR).toBe(true);
  });
  it.each([
    { require: false, cidr: undefined, runtimeUp: true, net: undefined, ready: ['True', 'KubeletReady', 'kubelet is posting ready status'] },
    { require: true, cidr: '10.244.1.0/24', runtimeUp: true, net: undefined, ready: ['True', 'KubeletReady', 'kubelet is posting ready status'] },
    { require: true, cidr: undefined, runtimeUp: true, net: NETWORK_NOT_READY, ready: ['False', 'KubeletNotReady', NETWORK_NOT_READY] },
    { require: false, cidr: undefined, runtimeUp: false, net: undefined, ready: ['False', 'KubeletNotReady', 'container runtime is down'] },
    { require: true, cidr: undefined, runtimeUp: false, net: NETWORK_NOT_READY, ready: ['False', 'KubeletNotReady', `[container runtime is down, ${NETWORK_NOT_READY}]`] },
  ])('network readiness: require=$require cidr=$cidr runtimeUp=$runtimeUp', ({ require, cidr, runtimeUp, net, ready }) => {
    expect(networkError(require, cidr)).toBe(net);
    const c = readyCondition(runtimeUp, networkError(require, cidr));
    expect([c.status, c.reason, c.message]).toEqual(ready);
  });
  it('resolv.conf for ClusterFirst', () => {
    expect(resolvConf('ns1', ['10.96.0.10'], 'cluster.local')).toBe('nameserver 10.96.0.10\nsearch ns1.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  });
  it('exec exit Status as kubectl expects', () => {
    expect(exitStatus(0, ['true'])).toEqual({ metadata: {}, status: 'Success' });
    expect(exitStatus(3, ['sh', '-c', 'exit 3'])).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  });
  it.each([
    { image: 'busybox', policy: undefined, want: 'Always' },
    { image: 'busybox:latest', policy: undefined, want: 'Always' },
    { image: 'busybox:1.36', policy: undefined, want: 'IfNotPresent' },
    { image: 'registry:5000/busybox', policy: undefined, want: 'Always' },
    { image: 'registry:5000/busybox:1.36', policy: undefined, want: 'IfNotPresent' },
    { image: 'busybox:1.36', policy: 'Never', want: 'Never' },
  ])('imagePullPolicy of $image ($policy) → $want', ({ image, policy, want }) => {
    expect(pullPolicy({ name: 'c', image, imagePullPolicy: policy })).toBe(want);
  });
  it.each([
    { resources: undefined, want: { memoryLimitBytes: undefined, nanoCpus: undefined, cpuShares: undefined } },
    { resources: { limits: { memory: '64Mi', cpu: '200m' } }, want: { memoryLimitBytes: 67108864, nanoCpus: 200_000_000, cpuShares: undefined } },
    { resources: { requests: { cpu: '1' } }, want: { memoryLimitBytes: undefined, nanoCpus: undefined, cpuShares: 1024 } },
    { resources: { requests: { cpu: '1m' } }, want: { memoryLimitBytes: undefined, nanoCpus: undefined, cpuShares: 2 } },
  ])('resources $resources → runtime limits', ({ resources, want }) => {
    expect(resourceOptions({ name: 'c', resources })).toEqual(want);
  });
  it('container and sandbox configs from the pod spec', () => {
    const p = { ...pod({ terminationGracePeriodSeconds: 5, hostname: 'h' }), metadata: { name: 'p', namespace: 'default', uid: 'u1' } } as Parameters<typeof containerConfig>[0];
    const c = containerConfig(p, { name: 'a', image: 'img', command: ['sh', '-c'], args: ['echo $(X)'] }, 'app', 2, ['X=1'], []);
    expect(c).toMatchObject({ pod: { uid: 'u1', namespace: 'default', name: 'p' }, name: 'a', attempt: 2, role: 'app', terminationGracePeriodSeconds: 5, command: ['sh', '-c'], args: ['echo 1'], env: ['X=1'] });
    expect(c.hash).toBe(containerHash({ name: 'a', image: 'img', command: ['sh', '-c'], args: ['echo $(X)'] }));
    expect(containerConfig(p, { name: 'a', image: 'img' }, 'init', 0, [], []).command).toBeUndefined();
    expect(sandboxConfig(p, 1, '10.244.1.0/24')).toEqual({ pod: { uid: 'u1', namespace: 'default', name: 'p' }, attempt: 1, hostname: 'h', hostNetwork: false, podCIDR: '10.244.1.0/24', portMappings: [] });
    expect(sandboxConfig({ ...p, spec: { ...p.spec!, hostNetwork: true } }, 0, undefined).hostname).toBeUndefined();
  });
  it('securityContext → runtime user, capabilities, read-only rootfs', () => {
    expect(securityOptions({ runAsUser: 1000, runAsGroup: 3000 }, { capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true })).toEqual({ user: '1000:3000', capAdd: undefined, capDrop: ['ALL'], readonlyRootfs: true, privileged: undefined });
    expect(securityOptions({ runAsUser: 1000 }, { runAsUser: 65534 }).user).toBe('65534');
    expect(securityOptions(undefined, undefined).user).toBeUndefined();
  });
  it('hollow fake IPs stay in the podCIDR', () => {
    expect(fakeIP('10.244.3.0/24', 0)).toBe('10.244.3.2');
    expect(new Set([0, 1, 2].map((i) => fakeIP(undefined, i))).size).toBe(3);
  });
});
