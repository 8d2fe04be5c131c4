// The pod workers (kubelet/src/pod) over the in-memory runtime, on a virtual clock: restart back-off,
// init containers in order, termination order with preStop, probes driving readiness and restarts,
// image pull back-off, start errors. The apiserver side is an in-memory pod list whose status
// patches and deletions come back as informer events, as the real informer delivers them.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TIMING, createLogger, type Claim, type core, type Volume } from '@minik8s/shared';
import type { Pod } from '../src/kinds';
import type { PodApi } from '../src/pod/api';
import type { PodSource } from '../src/pod/context';
import { PodManager } from '../src/pod/manager';
import type { ProbeResult } from '../src/pod/probes';
import { FakeRuntime } from '../src/runtime/fake';

const IMAGE = 'minik8s/busybox:1.36';
type Handler = Parameters<PodSource['addEventHandler']>[0];

/** The node's pods as an informer would hold them; writes come back as events. */
class TestPods implements PodSource {
  readonly map = new Map<string, Pod>();
  private handlers: Handler[] = [];
  private rv = 1;
  readonly store = { get: (k: string) => this.map.get(k), list: () => [...this.map.values()], keys: () => [...this.map.keys()] };

  addEventHandler(h: Handler): void {
    this.handlers.push(h);
  }

  put(p: Pod): string {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    const old = this.map.get(key);
    const cur = { ...p, metadata: { ...p.metadata, resourceVersion: String(++this.rv) } };
    this.map.set(key, cur);
    for (const h of this.handlers) old ? h.onUpdate?.(old, cur) : h.onAdd?.(cur);
    return cur.metadata.resourceVersion;
  }

  remove(key: string): void {
    const old = this.map.get(key);
    if (!old) return;
    this.map.delete(key);
    for (const h of this.handlers) h.onDelete?.(old);
  }
}

let pods: TestPods;
let runtime: FakeRuntime;
let events: string[];
/** The annotations on each Event, by reason (the last one). */
let annotations: Map<string, Record<string, string> | undefined>;
let probeAnswers: Map<string, boolean>;
let mgr: PodManager;
let dir: string;
let written: core.PodStatus[];
/** Hooks run: container name and how many runtime calls had been made by then. */
let hooks: Array<{ name: string; at: number }>;
let n = 0;
/** The claims and volumes the in-memory apiserver answers with. */
const claims = new Map<string, Claim>();
const volumes = new Map<string, Volume>();

const api: PodApi = {
  async patchStatus(pod, status) {
    const cur = pods.map.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    if (!cur || cur.metadata.uid !== pod.metadata.uid) return undefined;
    written.push(status);
    return pods.put({ ...cur, status: { ...cur.status, ...status } });
  },
  async confirmDeletion(pod) {
    pods.remove(`${pod.metadata.namespace}/${pod.metadata.name}`);
  },
  configMap: async () => undefined,
  secret: async () => undefined,
  services: () => [],
  claim: async (ns, name) => claims.get(`${ns}/${name}`),
  persistentVolume: async (name) => volumes.get(name),
  node: async () => ({ metadata: { name: 'n1', labels: { 'kubernetes.io/hostname': 'n1' } } }),
};

beforeEach(async () => {
  vi.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
  dir = mkdtempSync(join(tmpdir(), 'minik8s-pod-manager-'));
  pods = new TestPods();
  runtime = new FakeRuntime({ images: [IMAGE], record: true });
  events = [];
  annotations = new Map();
  written = [];
  hooks = [];
  probeAnswers = new Map();
  mgr = new PodManager({
    pods,
    api,
    runtime,
    recorder: {
      event: async (_o, type, reason, message, extras) => {
        events.push(`${type} ${reason}: ${message}`);
        annotations.set(reason, extras?.annotations);
      },
    },
    log: createLogger('test', { level: 'silent' }),
    nodeName: 'n1',
    nodeIP: '10.0.0.1',
    rootDir: join(dir, 'kubelet'),
    hostRoot: join(dir, 'host'),
    clusterDNS: [],
    clusterDomain: 'cluster.local',
    podCIDR: () => '10.244.1.0/24',
    networkError: () => undefined,
    preferLocalImages: false,
    syncFrequencyMs: 60_000,
    workers: 2,
    // Probes answer what the test says, by "container/kind".
    probe: async (p, t): Promise<ProbeResult> => {
      const kind = p === t.spec.readinessProbe ? 'readiness' : p === t.spec.livenessProbe ? 'liveness' : 'hook';
      if (kind === 'hook') hooks.push({ name: t.spec.name, at: runtime.calls.length });
      const ok = probeAnswers.get(`${t.spec.name}/${kind}`) ?? true;
      return { ok, message: ok ? '' : `${kind} says no` };
    },
  });
  await mgr.start();
});

afterEach(() => {
  mgr.stop();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

function newPod(name: string, spec: Partial<core.PodSpec>): Pod {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${++n}` }, spec: { containers: [{ name: 'c', image: IMAGE }], ...spec } };
  pods.put(pod);
  return pod;
}

const get = (name: string) => pods.map.get(`default/${name}`);
const status = (name: string, c: string) => get(name)?.status?.containerStatuses?.find((s) => s.name === c);
const initStatus = (name: string, c: string) => get(name)?.status?.initContainerStatuses?.find((s) => s.name === c);
const cond = (name: string, type: string) => get(name)?.status?.conditions?.find((c) => c.type === type)?.status;

/** Let the virtual clock run (in steps, so timers and promises interleave) until `pred` holds. */
async function until(what: string, pred: () => unknown, maxMs = 30_000): Promise<void> {
  for (let t = 0; t <= maxMs; t += 50) {
    if (pred()) return;
    await vi.advanceTimersByTimeAsync(50);
  }
  throw new Error(`not within ${maxMs} ms (virtual): ${what}`);
}

const running = (name: string, c: string) => () => !!status(name, c)?.state?.running;

describe('pod workers over the in-memory runtime', () => {
  it('ephemeral containers: started once in the target\'s process namespace, reported apart, never restarted, stopped with the pod', async () => {
    newPod('dbg', { restartPolicy: 'Never' });
    await until('running', running('dbg', 'c'));
    const target = runtime.find('dbg', 'c')!.id;
    const p = get('dbg')!;
    const debug = { name: 'debugger', image: IMAGE, stdin: true, tty: true, targetContainerName: 'c' };
    pods.put({ ...p, spec: { ...p.spec!, ephemeralContainers: [debug, { name: 'plain', image: IMAGE }] } });
    const eph = (c: string) => get('dbg')?.status?.ephemeralContainerStatuses?.find((s) => s.name === c);
    await until('both running', () => eph('debugger')?.state?.running && eph('plain')?.state?.running);
    const creates = runtime.calls.filter((c) => c.op === 'createContainer');
    expect(creates.find((c) => c.name === 'debugger')?.pidTarget).toBe(target);
    expect(creates.find((c) => c.name === 'plain')?.pidTarget).toBeUndefined();
    expect(eph('debugger')).toMatchObject({ ready: false, restartCount: 0, image: IMAGE, lastState: {}, containerID: `fake://${runtime.find('dbg', 'debugger')!.id}` });
    expect(eph('debugger')).not.toHaveProperty('started');
    expect(get('dbg')?.status?.containerStatuses?.map((s) => s.name)).toEqual(['c']);
    expect(cond('dbg', 'Ready')).toBe('True');

    runtime.exit(runtime.find('dbg', 'debugger')!.id, 0);
    await until('terminated', () => eph('debugger')?.state?.terminated?.reason === 'Completed');
    await vi.advanceTimersByTimeAsync(15_000);
    expect(runtime.calls.filter((c) => c.op === 'createContainer' && c.name === 'debugger')).toHaveLength(1);
    expect(get('dbg')?.status?.phase).toBe('Running');

    runtime.exit(target, 0);
    await until('Succeeded', () => get('dbg')?.status?.phase === 'Succeeded');
    await until('the still running ephemeral container stopped', () => runtime.find('dbg', 'plain')?.state === 'exited');
  });

  it('an ephemeral container whose target is not running waits (CreateContainerConfigError)', async () => {
    newPod('notarget', { initContainers: [{ name: 'i', image: IMAGE }] });
    await until('init running', () => initStatus('notarget', 'i')?.state?.running);
    const p = get('notarget')!;
    pods.put({ ...p, spec: { ...p.spec!, ephemeralContainers: [{ name: 'd', image: IMAGE, targetContainerName: 'c' }] } });
    await until('waiting', () => get('notarget')?.status?.ephemeralContainerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(get('notarget')?.status?.ephemeralContainerStatuses?.[0]?.state?.waiting?.message).toBe('unable to find running target container c');
    runtime.exit(runtime.find('notarget', 'i')!.id, 0);
    await until('started once its target runs', () => get('notarget')?.status?.ephemeralContainerStatuses?.[0]?.state?.running);
  });

  it('restarts a crashing container at once, then with CrashLoopBackOff: 10 s, then 20 s', async () => {
    newPod('crash', {});
    await until('running', running('crash', 'c'));
    expect(get('crash')?.status).toMatchObject({ phase: 'Running', podIP: '10.244.1.2', hostIP: '10.0.0.1' });
    expect(status('crash', 'c')?.containerID).toMatch(/^fake:\/\/[0-9a-f]{64}$/);
    // For `mkctl trace`: when the kubelet first saw the pod and when its sandbox was up.
    expect(annotations.get('Started')).toEqual({ [TIMING.podSeenAt]: '2026-01-01T00:00:00.000000Z', [TIMING.sandboxReadyAt]: '2026-01-01T00:00:00.000000Z' });

    runtime.exit(runtime.find('crash', 'c')!.id, 1);
    await until('restarted once', () => status('crash', 'c')?.restartCount === 1 && status('crash', 'c')?.state?.running);
    expect(status('crash', 'c')?.lastState?.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });

    runtime.exit(runtime.find('crash', 'c')!.id, 1);
    await until('CrashLoopBackOff', () => status('crash', 'c')?.state?.waiting?.reason === 'CrashLoopBackOff');
    expect(status('crash', 'c')?.state?.waiting?.message).toBe(`back-off 10s restarting failed container=c pod=crash_default(${get('crash')!.metadata.uid})`);
    expect(events).toContain(`Warning BackOff: Back-off restarting failed container c in pod crash_default(${get('crash')!.metadata.uid})`);
    const created = runtime.calls.filter((c) => c.op === 'createContainer').length;
    await vi.advanceTimersByTimeAsync(8_000);
    expect(runtime.calls.filter((c) => c.op === 'createContainer').length).toBe(created);
    await until('restarted after the back-off', () => status('crash', 'c')?.restartCount === 2 && status('crash', 'c')?.state?.running, 4_000);

    runtime.exit(runtime.find('crash', 'c')!.id, 1);
    await until('back-off doubled', () => status('crash', 'c')?.state?.waiting?.message?.startsWith('back-off 20s'));
    expect(get('crash')?.status?.phase).toBe('Running');
  });

  it('runs init containers one at a time, to completion, before the app; a failed one is retried', async () => {
    newPod('init', { initContainers: [{ name: 'i1', image: IMAGE }, { name: 'i2', image: IMAGE }] });
    await until('i1 running', () => initStatus('init', 'i1')?.state?.running);
    expect(get('init')?.status?.phase).toBe('Pending');
    expect(cond('init', 'Initialized')).toBe('False');
    expect(status('init', 'c')?.state?.waiting?.reason).toBe('PodInitializing');

    runtime.exit(runtime.find('init', 'i1')!.id, 0);
    await until('i2 running', () => initStatus('init', 'i2')?.state?.running);
    expect(initStatus('init', 'i1')?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    runtime.exit(runtime.find('init', 'i2')!.id, 3);
    await until('i2 again', () => initStatus('init', 'i2')?.restartCount === 1 && initStatus('init', 'i2')?.state?.running);
    expect(runtime.find('init', 'c')).toBeUndefined();
    runtime.exit(runtime.find('init', 'i2')!.id, 0);
    await until('app running', running('init', 'c'));
    expect(cond('init', 'Initialized')).toBe('True');
    expect(runtime.calls.filter((c) => c.op === 'createContainer').map((c) => c.name)).toEqual(['i1', 'i2', 'i2', 'c']);
  });

  it('an init container failing under restartPolicy Never fails the pod; the app never starts', async () => {
    newPod('initfail', { restartPolicy: 'Never', initContainers: [{ name: 'i1', image: IMAGE }] });
    await until('i1 running', () => initStatus('initfail', 'i1')?.state?.running);
    runtime.exit(runtime.find('initfail', 'i1')!.id, 2);
    await until('Failed', () => get('initfail')?.status?.phase === 'Failed');
    expect(runtime.find('initfail', 'c')).toBeUndefined();
    expect(runtime.find('initfail', 'POD')?.state).toBe('exited');
  });

  it('deletion: preStop first, then the app containers with the grace period, the sandbox last, then the final DELETE', async () => {
    newPod('del', {
      terminationGracePeriodSeconds: 30,
      containers: [
        { name: 'a', image: IMAGE, lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } } },
        { name: 'b', image: IMAGE },
      ],
    });
    await until('running', () => running('del', 'a')() && running('del', 'b')());
    const from = runtime.calls.length;
    const p = get('del')!;
    pods.put({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 20 } });
    await until('deleted', () => !get('del'));
    const calls = runtime.calls.slice(from).map((c) => `${c.op} ${c.name}${c.grace !== undefined ? ` ${c.grace}` : ''}`);
    expect(hooks.map((h) => h.name)).toEqual(['a']);
    expect(runtime.calls.slice(from, hooks[0].at).filter((c) => c.op === 'stopContainer')).toEqual([]);
    const stops = calls.filter((c) => c.startsWith('stopContainer'));
    expect(stops.slice(0, 2).sort()).toEqual(['stopContainer a 20', 'stopContainer b 20']);
    expect(stops[2]).toBe('stopContainer POD 0');
    expect(calls.filter((c) => c.startsWith('removeContainer')).sort()).toEqual(['removeContainer POD', 'removeContainer a', 'removeContainer b']);
    expect(events).toEqual(expect.arrayContaining(['Normal Killing: Stopping container a', 'Normal Killing: Stopping container b']));
    expect((await runtime.listPods()).size).toBe(0);
  });

  it('a preStop hook that fails is reported; the container is still stopped', async () => {
    probeAnswers.set('a/hook', false);
    newPod('hookfail', { containers: [{ name: 'a', image: IMAGE, lifecycle: { preStop: { httpGet: { port: 80 } } } }] });
    await until('running', running('hookfail', 'a'));
    const p = get('hookfail')!;
    pods.put({ ...p, metadata: { ...p.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 5 } });
    await until('deleted', () => !get('hookfail'));
    expect(events).toContain('Warning FailedPreStopHook: PreStopHook failed: hook says no');
  });

  it('probes: readiness drives Ready and ContainersReady; a failing liveness probe restarts the container', async () => {
    probeAnswers.set('web/readiness', false);
    newPod('probed', {
      containers: [{
        name: 'web',
        image: IMAGE,
        readinessProbe: { httpGet: { port: 80 }, periodSeconds: 1 },
        livenessProbe: { exec: { command: ['true'] }, periodSeconds: 1, failureThreshold: 2 },
      }],
    });
    await until('running', running('probed', 'web'));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(cond('probed', 'Ready')).toBe('False');
    expect(get('probed')?.status?.conditions?.find((c) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
    expect(events).toContain('Warning Unhealthy: Readiness probe failed: readiness says no');

    probeAnswers.set('web/readiness', true);
    await until('ready', () => cond('probed', 'Ready') === 'True' && status('probed', 'web')?.ready);
    expect(cond('probed', 'ContainersReady')).toBe('True');

    probeAnswers.set('web/liveness', false);
    await until('restarted', () => status('probed', 'web')?.restartCount === 1 && status('probed', 'web')?.state?.running);
    expect(events).toEqual(expect.arrayContaining(['Warning Unhealthy: Liveness probe failed: liveness says no', 'Normal Killing: Container web failed liveness probe, will be restarted']));
    expect(status('probed', 'web')?.lastState?.terminated?.exitCode).toBe(143);
  });

  it('image pulls: ErrImagePull, then ImagePullBackOff until the back-off ends; Never with no image: ErrImageNeverPull', async () => {
    runtime.pullErrors.set('registry.local/app:1', 'manifest unknown');
    newPod('pull', { containers: [{ name: 'c', image: 'registry.local/app:1' }] });
    await until('ImagePullBackOff', () => status('pull', 'c')?.state?.waiting?.reason === 'ImagePullBackOff');
    // The sandbox's start event syncs the pod again at once: ErrImagePull was written, then replaced.
    expect(written.map((s) => s.containerStatuses?.[0]?.state?.waiting)).toContainEqual({ reason: 'ErrImagePull', message: 'Failed to pull image "registry.local/app:1": manifest unknown' });
    expect(events).toContain('Normal BackOff: Back-off pulling image "registry.local/app:1"');
    runtime.pullErrors.clear();
    await until('pulled after the back-off', running('pull', 'c'), 15_000);
    expect(events.some((e) => e.startsWith('Normal Pulled: Successfully pulled image "registry.local/app:1"'))).toBe(true);

    newPod('never', { containers: [{ name: 'c', image: 'registry.local/other:1', imagePullPolicy: 'Never' }] });
    await until('ErrImageNeverPull', () => status('never', 'c')?.state?.waiting?.reason === 'ErrImageNeverPull');
    expect(runtime.calls.some((c) => c.op === 'pullImage' && c.name === 'registry.local/other:1')).toBe(false);
  });

  it('a container that cannot start: StartError with the runtime\'s message; restartPolicy Never fails the pod', async () => {
    runtime.startErrors.set('c', 'exec: "nope": executable file not found in $PATH');
    newPod('bad', { restartPolicy: 'Never' });
    await until('Failed', () => get('bad')?.status?.phase === 'Failed');
    expect(status('bad', 'c')?.state?.terminated).toMatchObject({ reason: 'StartError', exitCode: 128, message: 'exec: "nope": executable file not found in $PATH' });
    expect(events).toContain('Warning Failed: Error: exec: "nope": executable file not found in $PATH');
  });

  it('containers of a pod that is gone from the API are removed', async () => {
    newPod('orphan', {});
    await until('running', running('orphan', 'c'));
    pods.remove('default/orphan');
    await until('removed', () => runtime.find('orphan', 'c') === undefined);
    expect(runtime.find('orphan', 'POD')).toBeUndefined();
  });

  it('a claim volume waits, with FailedMount, until its claim is bound; then the bound volume is mounted (readOnly honoured)', async () => {
    claims.clear();
    volumes.clear();
    newPod('db', {
      containers: [{ name: 'c', image: IMAGE, volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'ro', mountPath: '/ro' }] }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }, { name: 'ro', persistentVolumeClaim: { claimName: 'data', readOnly: true } }],
    });
    await until('FailedMount for the missing claim', () => events.some((e) => e.startsWith('Warning FailedMount')));
    expect(events).toContain(
      'Warning FailedMount: Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: error processing PVC default/data: failed to fetch PVC from API server: persistentvolumeclaims "data" not found',
    );
    expect(status('db', 'c')?.state?.waiting?.reason).toBe('ContainerCreating');
    claims.set('default/data', { metadata: { name: 'data', namespace: 'default', uid: 'c-1' }, spec: { volumeName: 'pv1' }, status: { phase: 'Pending' } });
    await until('not bound', () => events.some((e) => e.endsWith('error processing PVC default/data: PVC is not bound')));
    volumes.set('pv1', { metadata: { name: 'pv1' }, spec: { hostPath: { path: '/srv/pv1', type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: 'c-1' } } });
    claims.set('default/data', { ...claims.get('default/data')!, status: { phase: 'Bound' } });
    await until('running', running('db', 'c'));
    const created = runtime.calls.find((c) => c.op === 'createContainer' && c.name === 'c')!;
    expect(created.mounts).toEqual([
      { hostPath: join(dir, 'host', 'srv/pv1'), containerPath: '/data', readOnly: false },
      { hostPath: join(dir, 'host', 'srv/pv1'), containerPath: '/ro', readOnly: true },
    ]);
  });
});
