// Ending pods: graceful deletion (preStop hooks, SIGTERM, the grace period, SIGKILL, removal, then
// the final DELETE) and the removal of what is left of pods that no longer exist.
import type { Pod } from '../kinds';
import type { PodRuntime, RuntimeContainer } from '../runtime/types';
import type { PodContext } from './context';
import { removePodDir } from './volumes';

/** Stop every container of the pod (app containers with `grace` seconds, then the sandbox), optionally removing them. */
export async function killAll(ctx: PodContext, rt: PodRuntime, grace: number, remove: boolean): Promise<void> {
  const { runtime } = ctx.o;
  await Promise.all(rt.containers.filter((c) => c.state === 'running').map((c) => runtime.stopContainer(c.id, grace)));
  await Promise.all(rt.sandboxes.filter((c) => c.state === 'running').map((c) => runtime.stopContainer(c.id, 0)));
  if (remove) await Promise.all([...rt.containers, ...rt.sandboxes].map((c) => runtime.removeContainer(c.id)));
}

/** Containers, files and memory of a pod that is gone from the API. */
export async function removePod(ctx: PodContext, rt: PodRuntime): Promise<void> {
  await killAll(ctx, rt, 2, true);
  ctx.probes.forget(rt.containers.map((c) => c.id));
  removePodDir(ctx.o.rootDir, rt.uid);
  forget(ctx, rt.uid);
}

/** What the kubelet remembers of a pod that is gone: its memory and its cached tokens. */
function forget(ctx: PodContext, uid: string): void {
  ctx.mem.forget(uid);
  ctx.o.api.forgetPod(uid);
}

async function preStop(ctx: PodContext, pod: Pod, c: RuntimeContainer, timeoutMs: number): Promise<void> {
  const spec = pod.spec?.containers.find((x) => x.name === c.name);
  const hook = spec?.lifecycle?.preStop;
  if (!spec || !hook || timeoutMs <= 0) return;
  const probe = hook.exec
    ? { exec: hook.exec, timeoutSeconds: timeoutMs / 1000 }
    : hook.httpGet
      ? { httpGet: hook.httpGet, timeoutSeconds: timeoutMs / 1000 }
      : undefined;
  if (!probe) return;
  const podIP = ctx.mem.podIPs.get(pod.metadata.uid!) ?? pod.status?.podIP ?? '';
  const r = await ctx.o.probe(probe, { podKey: `${pod.metadata.namespace}/${pod.metadata.name}`, podIP, containerId: c.id, spec });
  if (!r.ok) ctx.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
}

/** Graceful deletion: preStop hooks and SIGTERM, the grace period, SIGKILL, removal, then the grace-0 DELETE. */
export async function terminate(ctx: PodContext, pod: Pod): Promise<void> {
  const { runtime } = ctx.o;
  const uid = pod.metadata.uid!;
  const rt = (await runtime.listPods(uid)).get(uid);
  const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  if (rt) {
    const running = rt.containers.filter((c) => c.state === 'running');
    for (const c of running) ctx.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
    // preStop hooks run first, within the grace period (as upstream).
    const started = Date.now();
    await Promise.all(running.map((c) => preStop(ctx, pod, c, grace * 1000)));
    const left = Math.max(0, grace - Math.floor((Date.now() - started) / 1000));
    await killAll(ctx, rt, left, true);
    ctx.probes.forget(rt.containers.map((c) => c.id));
  }
  removePodDir(ctx.o.rootDir, uid);
  forget(ctx, uid);
  await ctx.o.api.confirmDeletion(pod);
  ctx.o.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}` }, 'pod terminated and deleted');
}
