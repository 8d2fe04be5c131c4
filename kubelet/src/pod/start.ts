// Starting a pod's sandbox and its containers: restart back-off, the image, env (configMaps, secrets,
// Service links), volumes and resolv.conf, the runtime config (resources, security options), then
// create, start and the postStart hook.
import { formatDuration, type core } from '@minik8s/shared';
import type { Pod } from '../kinds';
import type { ContainerRole, Mount, PodRuntime, RuntimeContainer } from '../runtime/types';
import { containerSpec, latest } from './actions';
import { containerConfig, sandboxConfig } from './config';
import type { PodContext } from './context';
import { buildEnv, EnvError, type EnvSources } from './env';
import { ensureImage } from './images';
import { mounts as volumeMounts, resolvConf, setUpVolumes, VolumeError, writePodFile, type VolumeSources } from './volumes';
import { ClaimError, claimSource } from './claims';

/** A new sandbox for the pod (the old ones removed); its IP is remembered for the status. */
export async function runSandbox(ctx: PodContext, pod: Pod, rt: PodRuntime | undefined): Promise<void> {
  const { runtime, log } = ctx.o;
  const uid = pod.metadata.uid!;
  const attempt = (rt?.sandboxes[0]?.attempt ?? -1) + 1;
  for (const s of rt?.sandboxes ?? []) await runtime.removeContainer(s.id);
  const config = sandboxConfig(pod, attempt, ctx.o.podCIDR());
  let sandbox: { id: string; ip?: string };
  try {
    sandbox = await runtime.runPodSandbox(config);
  } catch (e) {
    ctx.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
    throw e;
  }
  const ip = config.hostNetwork ? ctx.o.nodeIP : sandbox.ip;
  if (ip) ctx.mem.podIPs.set(uid, ip);
  const t = ctx.mem.timing.get(uid);
  if (t) t.sandboxAt = Date.now();
  log.info({ pod: `${config.pod.namespace}/${config.pod.name}`, sandbox: sandbox.id.slice(0, 12), ip }, 'pod sandbox started');
}

/**
 * An ephemeral container's targetContainerName → the running container whose process namespace it joins
 * (upstream: the target's ID in the runtime); an error message while there is none.
 */
export function pidTarget(spec: core.EphemeralContainer, rt: PodRuntime): { id?: string; error?: string } {
  const name = spec.targetContainerName;
  if (!name) return {};
  const target = latest(rt, name, 'app') ?? latest(rt, name, 'init');
  if (target?.state !== 'running') return { error: `unable to find running target container ${name}` };
  return { id: target.id };
}

/**
 * Start one container (init, app or ephemeral) in the sandbox; true when a container was created. When it
 * cannot be, its waiting reason is remembered for the status and the pod is synced again later.
 */
export async function startContainer(ctx: PodContext, pod: Pod, rt: PodRuntime, sandbox: RuntimeContainer, cname: string, role: ContainerRole): Promise<boolean> {
  const m = pod.metadata;
  const uid = m.uid!;
  const spec = containerSpec(pod, role, cname);
  if (!spec) return false;
  const { backoff } = ctx.mem;
  const waiting = ctx.mem.waitingOf(uid);
  const wkey = `${role}/${cname}`;
  const prev = latest(rt, cname, role);
  const bkey = `${uid}/${wkey}`;
  if (prev?.state === 'exited') {
    const finished = Date.parse(prev.finishedAt ?? '') || Date.now();
    const started = Date.parse(prev.startedAt ?? '') || finished;
    if (finished - started >= 10 * 60_000) backoff.reset(bkey);
    const wait = backoff.remaining(bkey, finished);
    if (wait > 0) {
      const message = `back-off ${formatDuration(backoff.delay(bkey))} restarting failed container=${cname} pod=${m.name}_${m.namespace}(${uid})`;
      if (waiting.get(wkey)?.reason !== 'CrashLoopBackOff') ctx.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${cname} in pod ${m.name}_${m.namespace}(${uid})`);
      waiting.set(wkey, { reason: 'CrashLoopBackOff', message });
      ctx.requeue(pod, wait + 50);
      return false;
    }
    backoff.next(bkey, finished);
  }
  const imageWait = await ensureImage(ctx, pod, spec);
  if (imageWait) {
    waiting.set(wkey, imageWait);
    return false;
  }
  const target = role === 'ephemeral' ? pidTarget(spec, rt) : {};
  if (target.error) {
    waiting.set(wkey, { reason: 'CreateContainerConfigError', message: target.error });
    ctx.requeue(pod, 2000);
    return false;
  }
  let env: string[];
  let mounts: Mount[];
  try {
    env = buildEnv(pod, spec, await envSources(ctx, pod));
    mounts = await podMounts(ctx, pod, spec);
  } catch (e) {
    if (!(e instanceof EnvError) && !(e instanceof VolumeError)) throw e;
    const reason = e instanceof EnvError ? 'CreateContainerConfigError' : 'ContainerCreating';
    ctx.event(pod, 'Warning', e instanceof EnvError ? 'Failed' : 'FailedMount', e instanceof VolumeError && e.event ? e.event : `Error: ${e.message}`);
    waiting.set(wkey, e instanceof EnvError ? { reason, message: e.message } : { reason });
    ctx.requeue(pod, 2000);
    return false;
  }
  const { runtime } = ctx.o;
  let id: string;
  try {
    id = await runtime.createContainer(sandbox.id, containerConfig(pod, spec, role, prev ? prev.attempt + 1 : 0, env, mounts, target.id));
  } catch (e) {
    const message = (e as Error).message;
    ctx.event(pod, 'Warning', 'Failed', `Error: ${message}`);
    waiting.set(wkey, { reason: 'CreateContainerError', message });
    ctx.requeue(pod, 5000);
    return false;
  }
  ctx.event(pod, 'Normal', 'Created', `Created container ${cname}`);
  waiting.delete(wkey);
  try {
    await runtime.startContainer(id);
    ctx.event(pod, 'Normal', 'Started', `Started container ${cname}`);
    await postStart(ctx, pod, spec, id);
  } catch (e) {
    // The container shows the failure itself (exited with the runtime's error: StartError).
    const message = (e as Error).message;
    ctx.event(pod, 'Warning', 'Failed', `Error: ${message}`);
    ctx.o.log.info({ pod: `${m.namespace}/${m.name}`, container: cname, err: message }, 'container failed to start');
  }
  return true;
}

/** The container's volume mounts and, with cluster DNS, the pod's resolv.conf. */
async function podMounts(ctx: PodContext, pod: Pod, spec: core.Container): Promise<Mount[]> {
  const { rootDir, clusterDNS, clusterDomain } = ctx.o;
  const paths = await setUpVolumes(rootDir, pod, volumeSources(ctx, pod), ctx.o.hostRoot);
  const out = volumeMounts(spec, pod, paths);
  if (clusterDNS.length && !pod.spec?.hostNetwork && (pod.spec?.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst') {
    const p = writePodFile(rootDir, pod.metadata.uid!, 'etc/resolv.conf', resolvConf(pod.metadata.namespace!, clusterDNS, clusterDomain, pod.spec?.dnsConfig));
    out.push({ hostPath: p, containerPath: '/etc/resolv.conf', readOnly: true });
  }
  return out;
}

/** Rewrite configMap/secret volume files so updates reach running pods. */
export async function refreshVolumes(ctx: PodContext, pod: Pod): Promise<void> {
  if (!(pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.projected)) return;
  try {
    await setUpVolumes(ctx.o.rootDir, pod, volumeSources(ctx, pod), ctx.o.hostRoot);
  } catch (e) {
    ctx.o.log.debug({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: (e as Error).message }, 'volume refresh failed');
  }
}

async function envSources(ctx: PodContext, pod: Pod): Promise<EnvSources> {
  const { api } = ctx.o;
  const ns = pod.metadata.namespace!;
  const cms = new Map<string, Record<string, string>>();
  const secrets = new Map<string, Record<string, string>>();
  const names = { cm: new Set<string>(), sec: new Set<string>() };
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) names.cm.add(e.valueFrom.configMapKeyRef.name);
      if (e.valueFrom?.secretKeyRef?.name) names.sec.add(e.valueFrom.secretKeyRef.name);
    }
    for (const ef of c.envFrom ?? []) {
      if (ef.configMapRef?.name) names.cm.add(ef.configMapRef.name);
      if (ef.secretRef?.name) names.sec.add(ef.secretRef.name);
    }
  }
  await Promise.all([
    ...[...names.cm].map(async (n) => {
      const cm = await api.configMap(ns, n);
      if (cm) cms.set(n, cm.data ?? {});
    }),
    ...[...names.sec].map(async (n) => {
      const s = await api.secret(ns, n);
      if (s) secrets.set(n, Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])));
    }),
  ]);
  return { configMaps: cms, secrets, services: api.services(ns), podIP: ctx.mem.podIPs.get(pod.metadata.uid!), hostIP: ctx.o.nodeIP, nodeName: ctx.o.nodeName };
}

function volumeSources(ctx: PodContext, pod: Pod): VolumeSources {
  const { api } = ctx.o;
  const ns = pod.metadata.namespace!;
  return {
    configMap: async (name) => {
      const cm = await api.configMap(ns, name);
      if (!cm) return undefined;
      const out: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v);
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
      return out;
    },
    claim: async (name) => {
      const [claim, node] = await Promise.all([api.claim(ns, name), api.node()]);
      const volume = claim?.spec?.volumeName ? await api.persistentVolume(claim.spec.volumeName) : undefined;
      try {
        return claimSource(ns, name, claim, volume, node ?? { metadata: { name: ctx.o.nodeName, labels: { 'kubernetes.io/hostname': ctx.o.nodeName } } });
      } catch (e) {
        if (!(e instanceof ClaimError)) throw e;
        // as upstream's volume manager reports a volume it cannot mount yet
        const vol = pod.spec?.volumes?.find((v) => v.persistentVolumeClaim?.claimName === name)?.name ?? name;
        throw new VolumeError(e.message, { event: `Unable to attach or mount volumes: unmounted volumes=[${vol}], unattached volumes=[${vol}]: ${e.message}`, cause: e });
      }
    },
    secret: async (name) => {
      const s = await api.secret(ns, name);
      if (!s) return undefined;
      const out: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64');
      for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(v);
      return out;
    },
  };
}

/** postStart hook: run right after the start; on failure the container is killed (then restarted per policy). */
async function postStart(ctx: PodContext, pod: Pod, spec: core.Container, id: string): Promise<void> {
  const hook = spec.lifecycle?.postStart;
  const probe = hook?.exec ? { exec: hook.exec, timeoutSeconds: 30 } : hook?.httpGet ? { httpGet: hook.httpGet, timeoutSeconds: 30 } : undefined;
  if (!probe) return;
  const r = await ctx.o.probe(probe, { podKey: `${pod.metadata.namespace}/${pod.metadata.name}`, podIP: ctx.mem.podIPs.get(pod.metadata.uid!) ?? '', containerId: id, spec });
  if (r.ok) return;
  ctx.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${r.message}`);
  await ctx.o.runtime.stopContainer(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
}
