// Pod status from the runtime's truth, as upstream generateAPIPodStatus/getPhase. Pure: the clock,
// probe results and the kubelet's remembered waiting reasons are inputs.
import type { core } from '@minik8s/shared';
import type { ContainerRole, PodRuntime, RuntimeContainer } from '../runtime/types';
import { latest, previous } from './actions';

export interface Waiting {
  reason: string;
  message?: string;
}

export interface StatusInputs {
  now: string;
  /** The runtime's type: the scheme of container and image IDs (docker://…). */
  runtime: string;
  hostIP: string;
  podIP?: string;
  /** Why a container is not running yet (ErrImagePull, CrashLoopBackOff...), by "role/name". */
  waiting: Map<string, Waiting>;
  /** Readiness of a running container (by id); undefined → no readiness probe result yet. */
  ready(c: RuntimeContainer, spec: core.Container): boolean;
  /** Startup probe passed (or none). */
  started(c: RuntimeContainer, spec: core.Container): boolean;
  /** An init container failed with restartPolicy Never. */
  initFailed?: boolean;
}

function terminated(c: RuntimeContainer, runtime: string): core.ContainerStateTerminated {
  const reason = c.oomKilled ? 'OOMKilled' : c.error ? 'StartError' : c.exitCode === 0 ? 'Completed' : 'Error';
  const t: core.ContainerStateTerminated = {
    exitCode: c.exitCode ?? 0,
    reason,
    startedAt: c.startedAt ?? c.finishedAt,
    finishedAt: c.finishedAt,
    containerID: `${runtime}://${c.id}`,
  };
  if (c.error) t.message = c.error;
  return t;
}

export function containerStatus(spec: core.Container, role: ContainerRole, rt: PodRuntime | undefined, inp: StatusInputs, initializing: boolean): core.ContainerStatus {
  const l = latest(rt, spec.name, role);
  const prev = previous(rt, spec.name, role);
  const wait = inp.waiting.get(`${role}/${spec.name}`);
  const st: core.ContainerStatus = {
    name: spec.name,
    state: {},
    lastState: {},
    ready: false,
    restartCount: l?.attempt ?? 0,
    image: spec.image ?? '',
    imageID: l?.imageId ? `${inp.runtime}://${l.imageId}` : '',
  };
  if (l) st.containerID = `${inp.runtime}://${l.id}`;
  if (l?.state === 'running') {
    st.state = { running: { startedAt: l.startedAt } };
    st.started = inp.started(l, spec);
    st.ready = st.started && inp.ready(l, spec);
    if (prev?.state === 'exited') st.lastState = { terminated: terminated(prev, inp.runtime) };
  } else if (wait) {
    st.state = { waiting: { reason: wait.reason, ...(wait.message ? { message: wait.message } : {}) } };
    if (l?.state === 'exited') st.lastState = { terminated: terminated(l, inp.runtime) };
    st.started = false;
  } else if (l?.state === 'exited') {
    st.state = { terminated: terminated(l, inp.runtime) };
    if (prev?.state === 'exited') st.lastState = { terminated: terminated(prev, inp.runtime) };
    st.started = false;
  } else {
    st.state = { waiting: { reason: initializing ? 'PodInitializing' : 'ContainerCreating' } };
    st.started = false;
  }
  if (role === 'init') {
    st.ready = l?.state === 'exited' && l.exitCode === 0;
    delete st.started;
  }
  // never ready, never probed, never restarted
  if (role === 'ephemeral') {
    st.ready = false;
    delete st.started;
  }
  return st;
}

/** Upstream getPhase. */
export function podPhase(spec: core.PodSpec, init: core.ContainerStatus[], apps: core.ContainerStatus[], initFailed: boolean): string {
  if (initFailed) return 'Failed';
  const initDone = init.every((s) => s.state?.terminated?.exitCode === 0);
  if (!initDone) return 'Pending';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of apps) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, old: core.PodCondition[] | undefined, now: string, reason?: string, message?: string): core.PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old?.find((c) => c.type === type);
  const c: core.PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as undefined,
    lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now,
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

function qosClass(spec: core.PodSpec): string {
  const cs = [...(spec.initContainers ?? []), ...spec.containers];
  const any = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const l = c.resources?.limits ?? {};
    const r = c.resources?.requests ?? {};
    return ['cpu', 'memory'].every((k) => l[k] !== undefined && (r[k] === undefined || String(r[k]) === String(l[k])));
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The whole status the kubelet owns. Fields it does not own are left out (merge-patched). */
export function computePodStatus(pod: core.Pod, rt: PodRuntime | undefined, inp: StatusInputs): core.PodStatus {
  const spec = pod.spec!;
  const old = pod.status;
  const initStatuses = (spec.initContainers ?? []).map((c) => containerStatus(c, 'init', rt, inp, false));
  const initDone = initStatuses.every((s) => s.state?.terminated?.exitCode === 0);
  const appStatuses = spec.containers.map((c) => containerStatus(c, 'app', rt, inp, !initDone));
  let phase = podPhase(spec, initStatuses, appStatuses, !!inp.initFailed);
  // A terminal phase is final (upstream never moves a pod out of Succeeded/Failed).
  if (old?.phase === 'Succeeded' || old?.phase === 'Failed') phase = old.phase;
  const notReady = appStatuses.filter((s) => !s.ready).map((s) => s.name);
  const pendingInit = initStatuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = notReady.length === 0 && phase === 'Running';
  const notReadyMsg = `containers with unready status: [${notReady.join(' ')}]`;
  const conds: core.PodCondition[] = [
    condition('Initialized', initDone, old?.conditions, inp.now, 'ContainersNotInitialized', `containers with incomplete status: [${pendingInit.join(' ')}]`),
    condition('Ready', containersReady, old?.conditions, inp.now, phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady', phase === 'Succeeded' || phase === 'Failed' ? undefined : notReadyMsg),
    condition('ContainersReady', containersReady, old?.conditions, inp.now, phase === 'Succeeded' || phase === 'Failed' ? 'PodCompleted' : 'ContainersNotReady', phase === 'Succeeded' || phase === 'Failed' ? undefined : notReadyMsg),
    condition('PodScheduled', true, old?.conditions, inp.now),
  ];
  const podIP = inp.podIP ?? old?.podIP;
  const status: core.PodStatus = {
    phase,
    conditions: conds,
    hostIP: inp.hostIP,
    hostIPs: [{ ip: inp.hostIP }],
    startTime: old?.startTime ?? inp.now,
    containerStatuses: appStatuses,
    qosClass: qosClass(spec),
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  const ephemeral = spec.ephemeralContainers ?? [];
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeral.map((c) => containerStatus(c, 'ephemeral', rt, inp, false));
  return status;
}
