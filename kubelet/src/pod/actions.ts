// Desired (pod spec) vs actual (runtime containers) → what to do, as upstream computePodActions.
// Pure: no I/O, no clock; back-off and probes are inputs.
import { createHash } from 'node:crypto';
import type { core } from '@minik8s/shared';
import type { ContainerRole, PodRuntime, RuntimeContainer } from '../runtime/types';

export interface ProbeVerdicts {
  /** Container ids whose liveness (or startup) probe failed: kill them. */
  failed: Map<string, string>;
}

export interface KillAction {
  id: string;
  name: string;
  reason: string;
}

export interface PodActions {
  /** Sandbox gone or dead: stop what still runs and create a new sandbox. */
  createSandbox: boolean;
  /** Next init container to (re)start. */
  startInit?: string;
  /** App containers to (re)start. */
  start: string[];
  /** Ephemeral containers to start: each once, never restarted (upstream's kubelet). */
  startEphemeral: string[];
  kill: KillAction[];
  /** The pod is finished (or an init container failed for good): stop its sandbox. */
  stopSandbox: boolean;
  /** An init container failed with restartPolicy Never: the pod has failed. */
  initFailed: boolean;
}

/** Stable hash of a container spec: a change (new image...) restarts the container. */
export function containerHash(c: core.Container): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 16);
}

export function shouldRestart(policy: string | undefined, exitCode: number | undefined): boolean {
  switch (policy ?? 'Always') {
    case 'Never':
      return false;
    case 'OnFailure':
      return exitCode !== 0;
    default:
      return true;
  }
}

/** Newest instance of the named container with the given role. */
export function latest(rt: PodRuntime | undefined, name: string, role: ContainerRole): RuntimeContainer | undefined {
  return rt?.containers.find((c) => c.name === name && c.role === role);
}

/** The pod's container of that name in the list of that role. */
export function containerSpec(pod: core.Pod, role: ContainerRole, name: string): core.Container | undefined {
  const list = role === 'init' ? pod.spec?.initContainers : role === 'ephemeral' ? pod.spec?.ephemeralContainers : pod.spec?.containers;
  return list?.find((c) => c.name === name);
}

/** The instance before the newest one (for lastState and logs --previous). */
export function previous(rt: PodRuntime | undefined, name: string, role: ContainerRole): RuntimeContainer | undefined {
  return rt?.containers.filter((c) => c.name === name && c.role === role)[1];
}

export function computePodActions(pod: core.Pod, rt: PodRuntime | undefined, verdicts: ProbeVerdicts = { failed: new Map() }): PodActions {
  const spec = pod.spec!;
  const policy = spec.restartPolicy ?? 'Always';
  const out: PodActions = { createSandbox: false, start: [], startEphemeral: [], kill: [], stopSandbox: false, initFailed: false };
  const terminalPhase = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const sandbox = rt?.sandboxes[0];
  const sandboxUp = sandbox?.state === 'running';
  const appsDone = (spec.containers ?? []).every((c) => {
    const l = latest(rt, c.name, 'app');
    return l?.state === 'exited' && !shouldRestart(policy, l.exitCode);
  });

  const initFailedForGood =
    policy === 'Never' &&
    (spec.initContainers ?? []).some((c) => {
      const l = latest(rt, c.name, 'init');
      return l?.state === 'exited' && l.exitCode !== 0;
    });
  if (initFailedForGood) {
    out.initFailed = true;
    out.stopSandbox = sandboxUp;
    return out;
  }

  if (terminalPhase || (sandbox && appsDone)) {
    out.stopSandbox = sandboxUp;
    for (const c of rt?.containers ?? []) if (c.state === 'running') out.kill.push({ id: c.id, name: c.name, reason: 'pod finished' });
    return out;
  }

  if (!sandboxUp) {
    // A first start, or the sandbox died: every container is restarted inside a new one.
    for (const c of rt?.containers ?? []) if (c.state === 'running') out.kill.push({ id: c.id, name: c.name, reason: 'pod sandbox changed' });
    out.createSandbox = true;
    return out;
  }

  // Containers that should not be running: unknown names, or instances superseded by a newer one.
  const names = new Set([
    ...(spec.initContainers ?? []).map((c) => `init/${c.name}`),
    ...spec.containers.map((c) => `app/${c.name}`),
    ...(spec.ephemeralContainers ?? []).map((c) => `ephemeral/${c.name}`),
  ]);
  const seen = new Set<string>();
  for (const c of rt!.containers) {
    const k = `${c.role}/${c.name}`;
    const stale = !names.has(k) || seen.has(k);
    seen.add(k);
    if (stale && c.state === 'running') out.kill.push({ id: c.id, name: c.name, reason: 'container is not in the pod spec' });
  }

  // Ephemeral containers run beside whatever the pod is doing, once each.
  for (const c of spec.ephemeralContainers ?? []) if (!latest(rt, c.name, 'ephemeral')) out.startEphemeral.push(c.name);

  for (const c of spec.initContainers ?? []) {
    const l = latest(rt, c.name, 'init');
    if (!l) {
      out.startInit = c.name;
      return out;
    }
    if (l.state === 'running' || l.state === 'created' || l.state === 'unknown') return out;
    if (l.exitCode === 0) continue;
    out.startInit = c.name;
    return out;
  }

  for (const c of spec.containers) {
    const l = latest(rt, c.name, 'app');
    if (!l) {
      out.start.push(c.name);
      continue;
    }
    if (l.state === 'running') {
      const failed = verdicts.failed.get(l.id);
      if (l.hash && l.hash !== containerHash(c)) {
        out.kill.push({ id: l.id, name: c.name, reason: `Container ${c.name} definition changed, will be restarted` });
        out.start.push(c.name);
      } else if (failed) {
        out.kill.push({ id: l.id, name: c.name, reason: failed });
      }
      continue;
    }
    if (l.state === 'exited' && shouldRestart(policy, l.exitCode)) out.start.push(c.name);
  }
  return out;
}
