// One pod's sync, as upstream SyncPod: read the runtime's truth, compute the actions (pure), apply
// them (a few rounds, so a new sandbox gets its containers in the same sync), then write the status
// computed from the runtime (pure) when it changed.
import { rfc3339, type core } from '@minik8s/shared';
import type { Pod } from '../kinds';
import { NETWORK_NOT_READY_EVENT } from '../network';
import type { PodRuntime } from '../runtime/types';
import { computePodActions, latest, type PodActions } from './actions';
import type { PodContext } from './context';
import { refreshVolumes, runSandbox, startContainer } from './start';
import { computePodStatus } from './status';

export async function syncPod(ctx: PodContext, pod: Pod): Promise<void> {
  const { runtime } = ctx.o;
  const uid = pod.metadata.uid!;
  let rt = (await runtime.listPods(uid)).get(uid);
  const netErr = pod.spec?.hostNetwork ? undefined : ctx.o.networkError();
  if (netErr) {
    // As upstream: report the status, then no sandbox until the network is ready (a new podCIDR
    // resyncs every pod; the periodic resync retries too).
    await writeStatus(ctx, pod, rt, false);
    ctx.event(pod, 'Warning', 'NetworkNotReady', `${NETWORK_NOT_READY_EVENT}: ${netErr}`);
    return;
  }
  let initFailed = false;
  try {
    for (let round = 0; round < 4; round++) {
      const actions = computePodActions(pod, rt, { failed: ctx.probes.failed });
      initFailed ||= actions.initFailed;
      if (!(await execute(ctx, pod, rt, actions))) break;
      rt = (await runtime.listPods(uid)).get(uid);
    }
  } catch (e) {
    // Still report what is there (ContainerCreating...), then let the queue retry with back-off.
    await writeStatus(ctx, pod, rt, initFailed).catch(() => undefined);
    throw e;
  }
  if (rt) await refreshVolumes(ctx, pod);
  ensureProbes(ctx, pod, rt);
  await writeStatus(ctx, pod, rt, initFailed);
}

/** Apply the actions; true when something changed in the runtime. */
async function execute(ctx: PodContext, pod: Pod, rt: PodRuntime | undefined, a: PodActions): Promise<boolean> {
  const { runtime } = ctx.o;
  const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
  let changed = false;
  await Promise.all(
    a.kill.map(async (k) => {
      ctx.event(pod, 'Normal', 'Killing', k.reason.startsWith('Container') ? k.reason : `Stopping container ${k.name}`);
      await runtime.stopContainer(k.id, grace);
      changed = true;
    }),
  );
  if (a.stopSandbox && rt?.sandboxes[0]?.state === 'running') {
    await runtime.stopContainer(rt.sandboxes[0].id, 0);
    changed = true;
  }
  if (a.createSandbox) {
    await runSandbox(ctx, pod, rt);
    return true;
  }
  const sandbox = rt?.sandboxes[0];
  if (!rt || !sandbox || sandbox.state !== 'running') return changed;
  if (a.startInit) changed = (await startContainer(ctx, pod, rt, sandbox, a.startInit, 'init')) || changed;
  const started = await Promise.all([
    ...a.start.map((n) => startContainer(ctx, pod, rt, sandbox, n, 'app')),
    ...a.startEphemeral.map((n) => startContainer(ctx, pod, rt, sandbox, n, 'ephemeral')),
  ]);
  return changed || started.some((x) => x);
}

function ensureProbes(ctx: PodContext, pod: Pod, rt: PodRuntime | undefined): void {
  const ip = ctx.mem.podIPs.get(pod.metadata.uid!) ?? rt?.sandboxes[0]?.ip ?? pod.status?.podIP ?? '';
  const podKey = `${pod.metadata.namespace}/${pod.metadata.name}`;
  for (const c of pod.spec?.containers ?? []) {
    const l = latest(rt, c.name, 'app');
    if (l?.state !== 'running') continue;
    ctx.probes.ensure({ podKey, podIP: ip, containerId: l.id, spec: c }, Date.parse(l.startedAt ?? '') || Date.now());
  }
}

async function writeStatus(ctx: PodContext, pod: Pod, rt: PodRuntime | undefined, initFailed: boolean): Promise<void> {
  const { mem } = ctx;
  const uid = pod.metadata.uid!;
  const sandboxIP = rt?.sandboxes[0]?.state === 'running' ? rt.sandboxes[0].ip : undefined;
  if (sandboxIP) mem.podIPs.set(uid, sandboxIP);
  if (pod.spec?.hostNetwork && rt?.sandboxes.length) mem.podIPs.set(uid, ctx.o.nodeIP);
  // A pod from the informer older than our last write (it has not caught up yet) is judged by
  // what we wrote: start time, transition times and phase carry on from there.
  const last = mem.lastStatus.get(uid);
  const stale = !!last && olderThan(pod.metadata.resourceVersion, last.resourceVersion);
  const base = stale ? { ...pod, status: last.status } : pod;
  const status = computePodStatus(base, rt, {
    now: rfc3339(),
    runtime: ctx.o.runtime.type,
    hostIP: ctx.o.nodeIP,
    podIP: mem.podIPs.get(uid),
    waiting: mem.waitingOf(uid),
    ready: (c, spec) => ctx.probes.isReady(c.id, spec),
    started: (c, spec) => ctx.probes.isStarted(c.id, spec),
    initFailed,
  });
  // Conditions other components own (readiness gates, DisruptionTarget...) are kept.
  const mine = new Set(status.conditions!.map((c) => c.type));
  status.conditions!.push(...(base.status?.conditions ?? []).filter((c) => !mine.has(c.type)));
  const text = JSON.stringify(status);
  // Skip the write when we wrote this status before and the pod we see still holds it or predates
  // our write; a newer pod without it was changed by another component (the node controller
  // marking it not ready): write again.
  if (last?.text === text && (stale || sameConditions(pod.status, status))) return;
  const seen = mem.firstSeen.get(uid);
  if (status.phase === 'Running' && seen !== undefined && seen > 0) {
    ctx.o.metrics?.podStart.observe((Date.now() - seen) / 1000);
    mem.firstSeen.set(uid, 0);
  }
  mem.lastStatus.set(uid, { status, text, resourceVersion: await ctx.o.api.patchStatus(pod, status) });
}

/** resourceVersions are etcd revisions here (our apiserver): a smaller one is an older copy. */
function olderThan(seen: string | undefined, written: string | undefined): boolean {
  if (!seen || !written || !/^\d+$/.test(seen) || !/^\d+$/.test(written)) return false;
  return BigInt(seen) < BigInt(written);
}

/** Whether the API's copy of a pod's status still has our phase and condition states. */
function sameConditions(api: core.PodStatus | undefined, mine: core.PodStatus): boolean {
  if (api?.phase !== mine.phase) return false;
  const states = new Map((api?.conditions ?? []).map((c) => [c.type, c.status]));
  return (mine.conditions ?? []).every((c) => states.get(c.type) === c.status);
}
