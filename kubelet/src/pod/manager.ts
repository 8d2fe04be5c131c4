// The pod workers: pods bound to this node (informer on spec.nodeName) → Docker containers, and the
// containers' truth → pods/status. One work-queue key per pod ("ns/name"); a key is never synced twice
// at once. Triggers: informer events, Docker events, probe results, back-off expiry, periodic resync.
import {
  R,
  isNotFound,
  objectKey,
  runWorkers,
  splitKey,
  WorkQueue,
  type ApiClient,
  type core,
  type EventRecorder,
  type Informer,
  type InformerFactory,
  type Histogram,
  type Logger,
} from '@minik8s/shared';
import type { CreateSpec, DockerRuntime } from '../runtime/docker';
import { L, SANDBOX_NAME, dockerName } from '../runtime/labels';
import type { PodRuntime, RuntimeContainer } from '../runtime/types';
import { computePodActions, containerHash, latest, type PodActions } from './actions';
import { Backoff } from './backoff';
import { buildEnv, EnvError, expandCommand } from './env';
import { ProbeManager, runProbe } from './probes';
import { computePodStatus, type Waiting } from './status';
import { binds, removePodDir, resolvConf, setUpVolumes, VolumeError, writePodFile } from './volumes';
import { TokenManager } from './tokens';
import { parseQuantity } from '@minik8s/shared';
import { NETWORK_NOT_READY_EVENT } from '../network';

import type { Pod, Service, ConfigMap, Secret } from '../kinds';

export interface PodManagerOptions {
  client: ApiClient;
  factory: InformerFactory;
  runtime: DockerRuntime;
  recorder: EventRecorder;
  log: Logger;
  nodeName: string;
  nodeIP: string;
  rootDir: string;
  podInfraImage: string;
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's spec.podCIDR as last seen (a Docker network with that subnet is used). */
  podCIDR(): string | undefined;
  /** Why pod sandboxes cannot be made now (network not ready), or undefined. */
  networkError(): string | undefined;
  /** Docker network for pods when the node has no podCIDR. */
  defaultNetwork: string;
  /** imagePullPolicy Always uses a local image when the pull fails (no registry here). */
  preferLocalImages: boolean;
  syncFrequencyMs: number;
  workers: number;
  metrics?: {
    /** Pod first seen by this kubelet → Running (upstream kubelet_pod_start_duration_seconds). */
    podStart: Histogram;
    /** One pod sync (upstream kubelet_pod_worker_duration_seconds). */
    syncDuration: Histogram;
  };
}

export class PodManager {
  readonly informer: Informer<Pod>;
  private queue = new WorkQueue<string>({ name: 'kubelet-pods', baseDelayMs: 200, maxDelayMs: 10_000 });
  private backoff = new Backoff();
  private waiting = new Map<string, Map<string, Waiting>>();
  private lastStatus = new Map<string, string>();
  private podIPs = new Map<string, string>();
  readonly probes: ProbeManager;
  private stopEvents?: () => void;
  private terminating = new Map<string, Promise<void>>();
  /** uid → when this kubelet first saw the pod (0 once its start was measured). */
  private firstSeen = new Map<string, number>();
  private resyncTimer?: NodeJS.Timeout;
  private readonly tokens: TokenManager;

  constructor(private o: PodManagerOptions) {
    this.tokens = new TokenManager(o.client);
    this.informer = o.factory.informer<Pod>(R.pods, { fieldSelector: `spec.nodeName=${o.nodeName}` });
    this.informer.addEventHandler({
      onAdd: (p) => this.queue.add(objectKey(p)),
      onUpdate: (_old, p) => this.queue.add(objectKey(p)),
      onDelete: (p) => this.queue.add(objectKey(p)),
    });
    this.probes = new ProbeManager(
      (id, cmd, t) => o.runtime.execCollect(id, cmd, t),
      (podKey, kind, container, ok, message) => {
        const pod = this.informer.store.get(podKey);
        if (pod && !ok && kind !== 'readiness') this.event(pod, 'Warning', 'Unhealthy', `${cap(kind)} probe failed: ${message}`);
        if (pod && !ok && kind === 'readiness') this.event(pod, 'Warning', 'Unhealthy', `Readiness probe failed: ${message}`);
        o.log.info({ pod: podKey, container, kind, ok }, 'probe result changed');
        this.queue.add(podKey);
      },
      o.log,
    );
  }

  /** After the informer synced: adopt what runs, remove orphans, start workers and triggers. */
  async start(): Promise<void> {
    await this.housekeeping();
    this.stopEvents = this.o.runtime.watchEvents((_action, labels) => {
      const ns = labels[L.podNamespace];
      const name = labels[L.podName];
      if (!ns || !name) return;
      // Docker may emit "die" a moment before its container list shows the exit: look twice.
      this.queue.add(`${ns}/${name}`);
      this.queue.addAfter(`${ns}/${name}`, 300);
    });
    this.resyncAll();
    void runWorkers(this.queue, this.o.workers, (key) => this.sync(key), this.o.log);
    const resync = () => {
      this.resyncAll();
      this.housekeeping().catch((e) => this.o.log.warn({ err: (e as Error).message }, 'housekeeping failed'));
      this.resyncTimer = setTimeout(resync, this.o.syncFrequencyMs);
    };
    this.resyncTimer = setTimeout(resync, this.o.syncFrequencyMs);
  }

  stop(): void {
    clearTimeout(this.resyncTimer);
    this.stopEvents?.();
    this.probes.stopAll();
    this.queue.shutDown();
  }

  pods(): Pod[] {
    return this.informer.store.list();
  }

  /** Sync every pod now (the pod network just became ready). */
  resyncAll(): void {
    for (const k of this.informer.store.keys()) this.queue.add(k);
  }

  /** Containers of pods that no longer exist (deleted while we were down, or recreated under a new uid). */
  async housekeeping(): Promise<void> {
    const all = await this.o.runtime.listPods();
    const uids = new Set(this.informer.store.list().map((p) => p.metadata?.uid));
    const alive = new Set<string>();
    for (const rt of all.values()) {
      if (!rt.uid) continue; // not a pod container (no pod uid label): not ours to remove
      if (!uids.has(rt.uid)) {
        this.o.log.info({ pod: `${rt.namespace}/${rt.name}`, uid: rt.uid }, 'removing containers of a pod that no longer exists');
        await this.killAll(rt, 2, true);
        removePodDir(this.o.rootDir, rt.uid);
        this.forget(rt.uid);
        continue;
      }
      for (const c of rt.containers) if (c.state === 'running') alive.add(c.id);
      await this.gcOldInstances(rt);
    }
    this.probes.retain(alive);
  }

  private forget(uid: string): void {
    this.waiting.delete(uid);
    this.lastStatus.delete(uid);
    this.podIPs.delete(uid);
    this.firstSeen.delete(uid);
    this.backoff.resetPrefix(`${uid}/`);
    this.tokens.forget(uid);
    for (const k of this.pullFailures.keys()) if (k.startsWith(`${uid}/`)) this.pullFailures.delete(k);
  }

  /** Keep the newest two instances per container (current + previous, for lastState and --previous). */
  private async gcOldInstances(rt: PodRuntime): Promise<void> {
    const seen = new Map<string, number>();
    for (const c of rt.containers) {
      const k = `${c.role}/${c.name}`;
      const n = (seen.get(k) ?? 0) + 1;
      seen.set(k, n);
      if (n > 2 && c.state !== 'running') await this.o.runtime.remove(c.id);
    }
    for (const s of rt.sandboxes.slice(1)) if (s.state !== 'running') await this.o.runtime.remove(s.id);
  }

  private event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void {
    void this.o.recorder.event(pod as never, type, reason, message);
  }

  private waitingOf(uid: string): Map<string, Waiting> {
    let w = this.waiting.get(uid);
    if (!w) this.waiting.set(uid, (w = new Map()));
    return w;
  }

  async sync(key: string): Promise<void> {
    const end = this.o.metrics?.syncDuration.startTimer();
    try {
      await this.syncPod(key);
    } finally {
      end?.();
    }
  }

  private async syncPod(key: string): Promise<void> {
    const pod = this.informer.store.get(key);
    const { namespace, name } = splitKey(key);
    if (!pod) {
      const all = await this.o.runtime.listPods();
      for (const rt of all.values()) {
        if (rt.namespace !== namespace || rt.name !== name) continue;
        await this.killAll(rt, 2, true);
        removePodDir(this.o.rootDir, rt.uid);
        this.forget(rt.uid);
      }
      return;
    }
    const uid = pod.metadata!.uid!;
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, Date.now());
    if (pod.metadata?.deletionTimestamp) {
      // Grace periods can be long: terminate outside the worker so other pods keep moving.
      if (!this.terminating.has(uid)) {
        const t = this.terminate(pod)
          .catch((e) => {
            this.o.log.warn({ pod: key, err: (e as Error).message }, 'pod termination failed; retrying');
            this.queue.addAfter(key, 1000);
          })
          .finally(() => this.terminating.delete(uid));
        this.terminating.set(uid, t);
      }
      return;
    }

    let rt = (await this.o.runtime.listPods(uid)).get(uid);
    const netErr = pod.spec?.hostNetwork ? undefined : this.o.networkError();
    if (netErr) {
      // As upstream SyncPod: report the status, then no sandbox until the network is ready (a new
      // podCIDR resyncs every pod; the periodic resync retries too).
      await this.writeStatus(pod, rt, false);
      this.event(pod, 'Warning', 'NetworkNotReady', `${NETWORK_NOT_READY_EVENT}: ${netErr}`);
      return;
    }
    let initFailed = false;
    try {
      for (let round = 0; round < 4; round++) {
        const actions = computePodActions(pod, rt, { failed: this.probes.failed });
        initFailed ||= actions.initFailed;
        const changed = await this.execute(pod, rt, actions);
        if (!changed) break;
        rt = (await this.o.runtime.listPods(uid)).get(uid);
      }
    } catch (e) {
      // Still report what is there (ContainerCreating...), then let the queue retry with back-off.
      await this.writeStatus(pod, rt, initFailed).catch(() => undefined);
      throw e;
    }
    if (rt) await this.refreshVolumes(pod);
    this.ensureProbes(pod, rt);
    await this.writeStatus(pod, rt, initFailed);
  }

  /** Apply the actions; true when something changed in the runtime. */
  private async execute(pod: Pod, rt: PodRuntime | undefined, a: PodActions): Promise<boolean> {
    const grace = pod.spec?.terminationGracePeriodSeconds ?? 30;
    let changed = false;
    await Promise.all(
      a.kill.map(async (k) => {
        this.event(pod, 'Normal', 'Killing', k.reason.startsWith('Container') ? k.reason : `Stopping container ${k.name}`);
        await this.o.runtime.stop(k.id, grace);
        changed = true;
      }),
    );
    if (a.stopSandbox && rt?.sandboxes[0]?.state === 'running') {
      await this.o.runtime.stop(rt.sandboxes[0].id, 0);
      changed = true;
    }
    if (a.createSandbox) {
      try {
        await this.createSandbox(pod, rt);
      } catch (e) {
        this.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(e as Error).message}`);
        this.o.runtime.forgetNetworks();
        throw e;
      }
      return true;
    }
    const sandbox = rt?.sandboxes[0];
    if (!sandbox || sandbox.state !== 'running') return changed;
    if (a.startInit) changed = (await this.startContainer(pod, rt!, sandbox, a.startInit, 'init')) || changed;
    const started = await Promise.all(a.start.map((n) => this.startContainer(pod, rt!, sandbox, n, 'app')));
    return changed || started.some((x) => x);
  }

  private async createSandbox(pod: Pod, rt: PodRuntime | undefined): Promise<void> {
    const m = pod.metadata!;
    const uid = m.uid!;
    const attempt = (rt?.sandboxes[0]?.attempt ?? -1) + 1;
    for (const s of rt?.sandboxes ?? []) await this.o.runtime.remove(s.id);
    const hostNetwork = !!pod.spec?.hostNetwork;
    const network = hostNetwork ? 'host' : await this.o.runtime.ensureNetwork(this.o.podCIDR(), this.o.defaultNetwork);
    if (!(await this.o.runtime.imageId(this.o.podInfraImage))) throw new Error(`pod sandbox image "${this.o.podInfraImage}" is not present on this node`);
    const id = await this.o.runtime.create({
      name: dockerName(SANDBOX_NAME, m.name!, m.namespace!, uid, attempt),
      image: this.o.podInfraImage,
      labels: { ...this.o.runtime.labelsOf({ uid, namespace: m.namespace!, name: m.name! }, SANDBOX_NAME, attempt) },
      hostname: hostNetwork ? undefined : (pod.spec?.hostname ?? m.name!).slice(0, 63),
      networkMode: network,
      ipcMode: 'shareable',
    });
    await this.o.runtime.start(id);
    const info = await this.o.runtime.inspect(id);
    if (info?.ip) this.podIPs.set(uid, info.ip);
    if (hostNetwork) this.podIPs.set(uid, this.o.nodeIP);
    this.o.log.info({ pod: objectKey(pod), sandbox: id.slice(0, 12), ip: this.podIPs.get(uid), network }, 'pod sandbox started');
  }

  /** Pull (or not) per imagePullPolicy; a Waiting when the image cannot be had. */
  private async ensureImage(pod: Pod, c: core.Container): Promise<Waiting | undefined> {
    const image = c.image ?? '';
    const uid = pod.metadata!.uid!;
    const policy = c.imagePullPolicy ?? (/:[^/]+$/.test(image) && !image.endsWith(':latest') ? 'IfNotPresent' : 'Always');
    const present = await this.o.runtime.imageId(image);
    if (present && (policy !== 'Always' || this.o.preferLocalImages)) {
      this.event(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
      return undefined;
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.event(pod, 'Warning', 'ErrImageNeverPull', message);
      return { reason: 'ErrImageNeverPull', message };
    }
    const key = `${uid}/pull/${image}`;
    const wait = this.backoff.remaining(key, this.backoffTime(key));
    if (wait > 0) {
      const message = `Back-off pulling image "${image}"`;
      this.event(pod, 'Normal', 'BackOff', message);
      this.queue.addAfter(objectKey(pod), wait + 50);
      return { reason: 'ImagePullBackOff', message };
    }
    this.event(pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      await this.o.runtime.pull(image);
      this.backoff.reset(key);
      this.event(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${Date.now() - t0}ms`);
      return undefined;
    } catch (e) {
      if (present) {
        this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${(e as Error).message}; using the local image`);
        return undefined;
      }
      const now = Date.now();
      this.pullFailures.set(key, now);
      this.backoff.next(key, now);
      const message = `Failed to pull image "${image}": ${(e as Error).message}`;
      this.event(pod, 'Warning', 'Failed', message);
      this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      this.queue.addAfter(objectKey(pod), 1000);
      return { reason: 'ErrImagePull', message };
    }
  }

  private pullFailures = new Map<string, number>();
  private backoffTime(key: string): number {
    return this.pullFailures.get(key) ?? 0;
  }

  /** Start one container (init or app) in the sandbox; true when a container was created. */
  private async startContainer(pod: Pod, rt: PodRuntime, sandbox: RuntimeContainer, cname: string, role: 'init' | 'app'): Promise<boolean> {
    const m = pod.metadata!;
    const uid = m.uid!;
    const spec = (role === 'init' ? pod.spec?.initContainers : pod.spec?.containers)?.find((c) => c.name === cname);
    if (!spec) return false;
    const waiting = this.waitingOf(uid);
    const wkey = `${role}/${cname}`;
    const prev = latest(rt, cname, role);
    const bkey = `${uid}/${wkey}`;
    if (prev?.state === 'exited') {
      const finished = Date.parse(prev.finishedAt ?? '') || Date.now();
      const started = Date.parse(prev.startedAt ?? '') || finished;
      if (finished - started >= 10 * 60_000) this.backoff.reset(bkey);
      const wait = this.backoff.remaining(bkey, finished);
      if (wait > 0) {
        const delay = Math.round(this.backoff.delay(bkey) / 1000);
        const message = `back-off ${fmtDuration(delay)} restarting failed container=${cname} pod=${m.name}_${m.namespace}(${uid})`;
        if (waiting.get(wkey)?.reason !== 'CrashLoopBackOff') this.event(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${cname} in pod ${m.name}_${m.namespace}(${uid})`);
        waiting.set(wkey, { reason: 'CrashLoopBackOff', message });
        this.queue.addAfter(objectKey(pod), wait + 50);
        return false;
      }
      this.backoff.next(bkey, finished);
    }
    const imageWait = await this.ensureImage(pod, spec);
    if (imageWait) {
      waiting.set(wkey, imageWait);
      return false;
    }
    let env: string[];
    let mounts: string[];
    try {
      env = buildEnv(pod, spec, await this.envSources(pod));
      const paths = await setUpVolumes(this.o.rootDir, pod, this.volumeSources(pod));
      mounts = binds(spec, pod, paths);
      if (this.o.clusterDNS.length && !pod.spec?.hostNetwork && (pod.spec?.dnsPolicy ?? 'ClusterFirst') === 'ClusterFirst') {
        const p = writePodFile(this.o.rootDir, uid, 'etc/resolv.conf', resolvConf(m.namespace!, this.o.clusterDNS, this.o.clusterDomain, pod.spec?.dnsConfig));
        mounts.push(`${p}:/etc/resolv.conf:ro`);
      }
    } catch (e) {
      if (!(e instanceof EnvError) && !(e instanceof VolumeError)) throw e;
      const reason = e instanceof EnvError ? 'CreateContainerConfigError' : 'ContainerCreating';
      this.event(pod, 'Warning', e instanceof EnvError ? 'Failed' : 'FailedMount', `Error: ${e.message}`);
      waiting.set(wkey, e instanceof EnvError ? { reason, message: e.message } : { reason });
      this.queue.addAfter(objectKey(pod), 2000);
      return false;
    }
    const attempt = prev ? prev.attempt + 1 : 0;
    const limits = spec.resources?.limits ?? {};
    const requests = spec.resources?.requests ?? {};
    const memory = limits.memory !== undefined ? Math.round(parseQuantity(String(limits.memory))) : undefined;
    const cpuLimit = limits.cpu !== undefined ? parseQuantity(String(limits.cpu)) : undefined;
    const cpuRequest = requests.cpu !== undefined ? parseQuantity(String(requests.cpu)) : undefined;
    const name = dockerName(cname, m.name!, m.namespace!, uid, attempt);
    let id: string;
    try {
      id = await this.o.runtime.create({
        name,
        image: spec.image!,
        labels: {
          ...this.o.runtime.labelsOf({ uid, namespace: m.namespace!, name: m.name! }, cname, attempt),
          [L.role]: role,
          [L.hash]: containerHash(spec),
          [L.terminationGracePeriod]: String(pod.spec?.terminationGracePeriodSeconds ?? 30),
        },
        entrypoint: expandCommand(spec.command, env),
        cmd: expandCommand(spec.args, env) ?? (spec.command ? [] : undefined),
        env,
        workingDir: spec.workingDir,
        tty: spec.tty,
        stdin: spec.stdin,
        stdinOnce: spec.stdinOnce,
        binds: mounts,
        networkMode: `container:${sandbox.id}`,
        ipcMode: `container:${sandbox.id}`,
        memory,
        nanoCpus: cpuLimit !== undefined ? Math.round(cpuLimit * 1e9) : undefined,
        cpuShares: cpuRequest !== undefined ? Math.max(2, Math.round(cpuRequest * 1024)) : undefined,
        ...securityOptions(pod.spec?.securityContext, spec.securityContext),
      });
    } catch (e) {
      const message = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      waiting.set(wkey, { reason: 'CreateContainerError', message });
      this.queue.addAfter(objectKey(pod), 5000);
      return false;
    }
    this.event(pod, 'Normal', 'Created', `Created container ${cname}`);
    waiting.delete(wkey);
    try {
      await this.o.runtime.start(id);
      this.event(pod, 'Normal', 'Started', `Started container ${cname}`);
      await this.postStart(pod, spec, id);
    } catch (e) {
      const message = (e as { json?: { message?: string } }).json?.message ?? (e as Error).message;
      this.event(pod, 'Warning', 'Failed', `Error: ${message}`);
      this.o.log.info({ pod: objectKey(pod), container: cname, err: message }, 'container failed to start');
    }
    return true;
  }

  private async envSources(pod: Pod) {
    const ns = pod.metadata!.namespace!;
    const cms = new Map<string, Record<string, string>>();
    const secrets = new Map<string, Record<string, string>>();
    const names = { cm: new Set<string>(), sec: new Set<string>() };
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
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
        const cm = await this.getOrUndefined<ConfigMap>(R.configmaps, n, ns);
        if (cm) cms.set(n, cm.data ?? {});
      }),
      ...[...names.sec].map(async (n) => {
        const s = await this.getOrUndefined<Secret>(R.secrets, n, ns);
        if (s) secrets.set(n, Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])));
      }),
    ]);
    const services: core.Service[] = [];
    const svcs = this.o.client.resource<Service>(R.services);
    const [own, dflt] = await Promise.all([
      svcs.list({ namespace: ns }).catch(() => ({ items: [] as Service[] })),
      ns === 'default' ? Promise.resolve({ items: [] as Service[] }) : this.getOrUndefined<Service>(R.services, 'kubernetes', 'default').then((s) => ({ items: s ? [s] : [] })),
    ]);
    services.push(...own.items, ...dflt.items);
    return { configMaps: cms, secrets, services, podIP: this.podIPs.get(pod.metadata!.uid!), hostIP: this.o.nodeIP, nodeName: this.o.nodeName };
  }

  private async getOrUndefined<T extends { metadata?: unknown }>(r: typeof R.pods, name: string, ns: string): Promise<T | undefined> {
    try {
      return (await this.o.client.resource(r).get(name, ns)) as unknown as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  private volumeSources(pod: Pod) {
    const ns = pod.metadata!.namespace!;
    return {
      configMap: async (name: string) => {
        const cm = await this.getOrUndefined<ConfigMap>(R.configmaps, name, ns);
        if (!cm) return undefined;
        const out: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(cm.data ?? {})) out[k] = Buffer.from(v);
        for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = Buffer.from(v, 'base64');
        return out;
      },
      secret: async (name: string) => {
        const s = await this.getOrUndefined<Secret>(R.secrets, name, ns);
        if (!s) return undefined;
        const out: Record<string, Buffer> = {};
        for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64');
        for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = Buffer.from(v);
        return out;
      },
      serviceAccountToken: (audience: string | undefined, expirationSeconds: number) =>
        this.tokens.token({
          namespace: ns,
          serviceAccount: pod.spec?.serviceAccountName || 'default',
          pod: { name: pod.metadata!.name!, uid: pod.metadata!.uid! },
          audience,
          expirationSeconds,
        }),
    };
  }

  /** Rewrite configMap/secret volume files so updates reach running pods. */
  private async refreshVolumes(pod: Pod): Promise<void> {
    if (!(pod.spec?.volumes ?? []).some((v) => v.configMap || v.secret || v.projected)) return;
    try {
      await setUpVolumes(this.o.rootDir, pod, this.volumeSources(pod));
    } catch (e) {
      this.o.log.debug({ pod: objectKey(pod), err: (e as Error).message }, 'volume refresh failed');
    }
  }

  private ensureProbes(pod: Pod, rt: PodRuntime | undefined): void {
    const ip = this.podIPs.get(pod.metadata!.uid!) ?? rt?.sandboxes[0]?.ip ?? pod.status?.podIP ?? '';
    for (const c of pod.spec?.containers ?? []) {
      const l = latest(rt, c.name, 'app');
      if (l?.state !== 'running') continue;
      this.probes.ensure({ podKey: objectKey(pod), podIP: ip, containerId: l.id, spec: c }, Date.parse(l.startedAt ?? '') || Date.now());
    }
  }

  private async writeStatus(pod: Pod, rt: PodRuntime | undefined, initFailed: boolean): Promise<void> {
    const uid = pod.metadata!.uid!;
    const sandboxIP = rt?.sandboxes[0]?.state === 'running' ? rt.sandboxes[0].ip : undefined;
    if (sandboxIP) this.podIPs.set(uid, sandboxIP);
    if (pod.spec?.hostNetwork && rt?.sandboxes.length) this.podIPs.set(uid, this.o.nodeIP);
    const status = computePodStatus(pod, rt, {
      now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      hostIP: this.o.nodeIP,
      podIP: this.podIPs.get(uid),
      waiting: this.waitingOf(uid),
      ready: (c, spec) => this.probes.isReady(c.id, spec),
      started: (c, spec) => this.probes.isStarted(c.id, spec),
      initFailed,
    });
    // Conditions other components own (readiness gates, DisruptionTarget...) are kept.
    const mine = new Set(status.conditions!.map((c) => c.type));
    status.conditions!.push(...(pod.status?.conditions ?? []).filter((c) => !mine.has(c.type)));
    const text = JSON.stringify(status);
    // Skip the write only when we wrote this status before AND the API still holds it: another
    // component (the node controller marking pods not ready) may have changed it since.
    if (this.lastStatus.get(uid) === text && sameConditions(pod.status, status)) return;
    const seen = this.firstSeen.get(uid);
    if (status.phase === 'Running' && seen !== undefined && seen > 0) {
      this.o.metrics?.podStart.observe((Date.now() - seen) / 1000);
      this.firstSeen.set(uid, 0);
    }
    try {
      await this.o.client.resource<Pod>(R.pods).patch(pod.metadata!.name!, { status }, 'merge', { namespace: pod.metadata!.namespace, subresource: 'status' });
      this.lastStatus.set(uid, text);
    } catch (e) {
      if (isNotFound(e)) return;
      throw e;
    }
  }

  /** Stop every container of the pod (grace seconds), optionally removing them. */
  private async killAll(rt: PodRuntime, grace: number, remove: boolean): Promise<void> {
    await Promise.all(rt.containers.filter((c) => c.state === 'running').map((c) => this.o.runtime.stop(c.id, grace)));
    await Promise.all(rt.sandboxes.filter((c) => c.state === 'running').map((c) => this.o.runtime.stop(c.id, 0)));
    if (remove) await Promise.all([...rt.containers, ...rt.sandboxes].map((c) => this.o.runtime.remove(c.id)));
  }

  /** postStart hook: run right after the start; on failure the container is killed (then restarted per policy). */
  private async postStart(pod: Pod, spec: core.Container, id: string): Promise<void> {
    const hook = spec.lifecycle?.postStart;
    const probe = hook?.exec ? { exec: hook.exec, timeoutSeconds: 30 } : hook?.httpGet ? { httpGet: hook.httpGet, timeoutSeconds: 30 } : undefined;
    if (!probe) return;
    const r = await runProbe(probe, { podKey: objectKey(pod), podIP: this.podIPs.get(pod.metadata!.uid!) ?? '', containerId: id, spec }, (cid, cmd, t) => this.o.runtime.execCollect(cid, cmd, t));
    if (r.ok) return;
    this.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${r.message}`);
    await this.o.runtime.stop(id, pod.spec?.terminationGracePeriodSeconds ?? 30);
  }

  private async preStop(pod: Pod, c: RuntimeContainer, timeoutMs: number): Promise<void> {
    const hook = pod.spec?.containers.find((x) => x.name === c.name)?.lifecycle?.preStop;
    if (!hook || timeoutMs <= 0) return;
    const spec = pod.spec!.containers.find((x) => x.name === c.name)!;
    const probe = hook.exec ? { exec: hook.exec, timeoutSeconds: timeoutMs / 1000 } : hook.httpGet ? { httpGet: hook.httpGet, timeoutSeconds: timeoutMs / 1000 } : undefined;
    if (!probe) return;
    const r = await runProbe(probe, { podKey: objectKey(pod), podIP: this.podIPs.get(pod.metadata!.uid!) ?? pod.status?.podIP ?? '', containerId: c.id, spec }, (id, cmd, t) => this.o.runtime.execCollect(id, cmd, t));
    if (!r.ok) this.event(pod, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${r.message}`);
  }

  /** Graceful deletion: SIGTERM, wait the grace period, SIGKILL, remove, then confirm with a grace-0 DELETE. */
  private async terminate(pod: Pod): Promise<void> {
    const uid = pod.metadata!.uid!;
    const rt = (await this.o.runtime.listPods(uid)).get(uid);
    const grace = pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (rt) {
      const running = rt.containers.filter((c) => c.state === 'running');
      for (const c of running) this.event(pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
      // preStop hooks run first, within the grace period (as upstream).
      const started = Date.now();
      await Promise.all(running.map((c) => this.preStop(pod, c, grace * 1000)));
      const left = Math.max(0, grace - Math.floor((Date.now() - started) / 1000));
      await this.killAll(rt, left, true);
    }
    this.probes.retain(new Set([...(await this.o.runtime.listPods()).values()].flatMap((p) => p.containers.map((c) => c.id))));
    removePodDir(this.o.rootDir, uid);
    this.forget(uid);
    try {
      await this.o.client.resource(R.pods).delete(pod.metadata!.name!, { namespace: pod.metadata!.namespace, gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (e) {
      if (!isNotFound(e) && !isConflictLike(e)) throw e;
    }
    this.o.log.info({ pod: objectKey(pod) }, 'pod terminated and deleted');
  }
}

function isConflictLike(e: unknown): boolean {
  return (e as { code?: number }).code === 409;
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Go-style duration for back-off messages: 10s, 1m20s, 5m0s. */
export function fmtDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** Docker options from the pod's and the container's securityContext (the container's wins). */
export function securityOptions(podSc: core.PodSecurityContext | undefined, sc: core.SecurityContext | undefined): Partial<CreateSpec> {
  const uid = sc?.runAsUser ?? podSc?.runAsUser;
  const gid = sc?.runAsGroup ?? podSc?.runAsGroup;
  return {
    user: uid !== undefined ? `${uid}${gid !== undefined ? `:${gid}` : ''}` : undefined,
    capAdd: sc?.capabilities?.add?.length ? sc.capabilities.add : undefined,
    capDrop: sc?.capabilities?.drop?.length ? sc.capabilities.drop : undefined,
    readonlyRootfs: sc?.readOnlyRootFilesystem || undefined,
    privileged: sc?.privileged || undefined,
  };
}

/** Whether the API's copy of a pod's status still has our phase and condition states. */
function sameConditions(api: core.PodStatus | undefined, mine: core.PodStatus): boolean {
  if (api?.phase !== mine.phase) return false;
  const states = new Map((api?.conditions ?? []).map((c) => [c.type, c.status]));
  return (mine.conditions ?? []).every((c) => states.get(c.type) === c.status);
}
