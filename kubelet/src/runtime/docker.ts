// The container runtime on Docker: the Docker Engine API through its socket (dockerode), as
// upstream's dockershim did. Only the runtime/docker* files know Docker's shapes; the pod workers see
// the ContainerRuntime interface. Logs, exec/attach streams and the sandbox's PID (port-forward) are
// read here by the kubelet API server too.
import Docker from 'dockerode';
import { rfc3339, type Logger } from '@minik8s/shared';
import { L, SANDBOX_NAME, dockerName } from './labels';
import { PodNetworks } from './docker-network';
import { dockerPorts } from './docker-ports';
import { dockerStats, type DockerStats } from './docker-stats';
import type { ContainerRuntime } from './runtime';
import type { ContainerConfig, ContainerStats, ExecResult, ImageInfo, PodRef, PodRuntime, RuntimeContainer, RuntimeEvent, RuntimeState, SandboxConfig } from './types';

/** "unix:///var/run/docker.sock" | "/path.sock" | "tcp://host:port" → dockerode options. */
export function dockerOptions(endpoint: string): Docker.DockerOptions {
  if (endpoint.startsWith('unix://')) return { socketPath: endpoint.slice('unix://'.length) };
  if (endpoint.startsWith('/')) return { socketPath: endpoint };
  const u = new URL(endpoint.replace(/^tcp:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 2375), protocol: 'http' };
}

/** Docker times have nanoseconds and a zero value; Kubernetes times are RFC3339 seconds. */
export function k8sTime(t: string | undefined): string | undefined {
  if (!t || t.startsWith('0001-01-01')) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : rfc3339(d);
}

function mapState(s: string | undefined): RuntimeState {
  switch (s) {
    case 'created':
      return 'created';
    case 'running':
    case 'paused':
    case 'restarting':
      return 'running';
    case 'exited':
    case 'dead':
      return 'exited';
    default:
      return 'unknown';
  }
}

/** Docker's multiplexed stream (8-byte headers: stream, 0,0,0, size BE32) → plain text. */
export function demux(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts).toString();
}

export interface DockerRuntimeOptions {
  /** --container-runtime-endpoint */
  endpoint: string;
  nodeName: string;
  /** --pod-infra-container-image */
  podInfraImage: string;
  /** Docker network for sandboxes when the node has no podCIDR (--pod-network). */
  defaultNetwork: string;
  log: Logger;
}

function labelsOf(pod: PodRef, container: string, attempt: number): Record<string, string> {
  return {
    [L.podUid]: pod.uid,
    [L.podNamespace]: pod.namespace,
    [L.podName]: pod.name,
    [L.containerName]: container,
    [L.restartCount]: String(attempt),
    [L.type]: container === SANDBOX_NAME ? 'podsandbox' : 'container',
  };
}

function statusCode(e: unknown): number | undefined {
  return (e as { statusCode?: number }).statusCode;
}

const EVENT_TYPES = new Set<RuntimeEvent['type']>(['start', 'die', 'oom', 'destroy']);

export class DockerRuntime implements ContainerRuntime {
  readonly type = 'docker';
  readonly docker: Docker;
  private readonly nodeName: string;
  private readonly log: Logger;
  private readonly networks: PodNetworks;
  /** Inspect results keyed by "id/state": exited containers never change, running ones only by state. */
  private inspectCache = new Map<string, RuntimeContainer>();
  /**
   * Containers Docker sent an "oom" event for. Docker sets State.OOMKilled when it handles that event,
   * which can come after the exit we already inspected (and cached): the event is the surer sign.
   */
  private readonly oomSeen = new Set<string>();

  constructor(private o: DockerRuntimeOptions) {
    this.docker = new Docker(dockerOptions(o.endpoint));
    this.nodeName = o.nodeName;
    this.log = o.log;
    this.networks = new PodNetworks(this.docker, o.nodeName, o.defaultNetwork, o.log);
  }

  async version(): Promise<string> {
    const v = await this.docker.version();
    return v.Version;
  }

  /** Make the pod network now that the podCIDR is known (not by the first pod's sandbox). */
  async preparePodNetwork(podCIDR: string): Promise<void> {
    await this.networks.ensure(podCIDR);
  }

  async listPods(podUid?: string): Promise<Map<string, PodRuntime>> {
    const label = [`${L.node}=${this.nodeName}`, ...(podUid ? [`${L.podUid}=${podUid}`] : [])];
    const list = await this.docker.listContainers({ all: true, filters: { label } });
    const live = new Set<string>();
    const out = new Map<string, PodRuntime>();
    await Promise.all(
      list.map(async (c) => {
        const state = mapState(c.State);
        const key = `${c.Id}/${state}`;
        live.add(key);
        let rc = this.inspectCache.get(key);
        if (!rc) {
          rc = await this.inspect(c.Id).catch(() => undefined);
          if (!rc) return;
          if (rc.state === state || rc.state === 'exited') this.inspectCache.set(key, rc);
        }
        if (!rc.oomKilled && this.oomSeen.has(c.Id)) {
          rc = { ...rc, oomKilled: true };
          this.inspectCache.set(key, rc);
        }
        let p = out.get(rc.podUid);
        if (!p) {
          p = { uid: rc.podUid, namespace: rc.podNamespace, name: rc.podName, sandboxes: [], containers: [] };
          out.set(rc.podUid, p);
        }
        (rc.sandbox ? p.sandboxes : p.containers).push(rc);
      }),
    );
    if (!podUid) for (const k of this.inspectCache.keys()) if (!live.has(k)) this.inspectCache.delete(k);
    for (const p of out.values()) {
      p.sandboxes.sort((a, b) => b.attempt - a.attempt);
      p.containers.sort((a, b) => b.attempt - a.attempt);
    }
    return out;
  }

  private async inspect(id: string): Promise<RuntimeContainer | undefined> {
    let i: Docker.ContainerInspectInfo;
    try {
      i = await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
    const labels = i.Config.Labels ?? {};
    const sandbox = labels[L.type] === 'podsandbox';
    const nets = i.NetworkSettings?.Networks ?? {};
    const ip = Object.values(nets).map((n) => n.IPAddress).find((x) => !!x);
    let state = mapState(i.State.Status);
    // A container whose start failed (bad command...) stays "created" with an error: it ended.
    const startFailed = state === 'created' && !!i.State.Error;
    if (startFailed) state = 'exited';
    return {
      id: i.Id,
      name: labels[L.containerName] ?? '',
      podUid: labels[L.podUid] ?? '',
      podNamespace: labels[L.podNamespace] ?? '',
      podName: labels[L.podName] ?? '',
      sandbox,
      role: sandbox ? 'sandbox' : labels[L.role] === 'init' ? 'init' : labels[L.role] === 'ephemeral' ? 'ephemeral' : 'app',
      attempt: Number(labels[L.restartCount] ?? 0) || 0,
      hash: labels[L.hash] ?? '',
      image: i.Config.Image,
      imageId: i.Image,
      state,
      createdAt: k8sTime(i.Created),
      startedAt: k8sTime(i.State.StartedAt),
      finishedAt: state === 'exited' ? k8sTime(startFailed ? i.Created : i.State.FinishedAt) : undefined,
      exitCode: state === 'exited' ? i.State.ExitCode || (startFailed ? 128 : 0) : undefined,
      oomKilled: i.State.OOMKilled || this.oomSeen.has(i.Id),
      error: i.State.Error || undefined,
      ip: ip || undefined,
    };
  }

  async imageStatus(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch {
      return undefined;
    }
  }

  async listImages(max: number): Promise<ImageInfo[]> {
    const list = await this.docker.listImages();
    return list
      .filter((i) => (i.RepoTags ?? []).some((t) => t !== '<none>:<none>'))
      .sort((a, b) => b.Size - a.Size)
      .slice(0, max)
      .map((i) => ({ names: [...(i.RepoDigests ?? []), ...(i.RepoTags ?? []).filter((t) => t !== '<none>:<none>')], sizeBytes: i.Size }));
  }

  async pullImage(ref: string, timeoutMs = 120_000): Promise<void> {
    const stream = await this.docker.pull(ref);
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`pulling ${ref}: timed out`)), timeoutMs);
      this.docker.modem.followProgress(stream, (err: Error | null, res: Array<{ error?: string }>) => {
        clearTimeout(timer);
        const bad = res?.find((r) => r.error);
        if (err) fail(err);
        else if (bad) fail(new Error(bad.error));
        else ok();
      });
    });
  }

  /** The pause container: owns the pod's network (an IP on the pod network), IPC and hostname. */
  async runPodSandbox(c: SandboxConfig): Promise<{ id: string; ip?: string }> {
    try {
      const network = c.hostNetwork ? 'host' : await this.networks.ensure(c.podCIDR);
      if (!(await this.imageStatus(this.o.podInfraImage))) throw new Error(`pod sandbox image "${this.o.podInfraImage}" is not present on this node`);
      const ports = dockerPorts(c.portMappings);
      const id = await this.create(dockerName(SANDBOX_NAME, c.pod.name, c.pod.namespace, c.pod.uid, c.attempt), {
        Image: this.o.podInfraImage,
        Labels: labelsOf(c.pod, SANDBOX_NAME, c.attempt),
        Hostname: c.hostname,
        ExposedPorts: ports.ExposedPorts,
        HostConfig: { NetworkMode: network, IpcMode: 'shareable', PortBindings: ports.PortBindings },
      });
      await this.startContainer(id);
      return { id, ip: (await this.inspect(id))?.ip };
    } catch (e) {
      this.networks.forget();
      throw e;
    }
  }

  async createContainer(sandboxId: string, c: ContainerConfig): Promise<string> {
    return this.create(dockerName(c.name, c.pod.name, c.pod.namespace, c.pod.uid, c.attempt), {
      Image: c.image,
      Labels: {
        ...labelsOf(c.pod, c.name, c.attempt),
        [L.role]: c.role,
        [L.hash]: c.hash,
        [L.terminationGracePeriod]: String(c.terminationGracePeriodSeconds),
      },
      Entrypoint: c.command,
      Cmd: c.args ?? (c.command ? [] : undefined),
      Env: c.env,
      WorkingDir: c.workingDir,
      User: c.security.user,
      Tty: c.tty ?? false,
      OpenStdin: c.stdin ?? false,
      StdinOnce: c.stdinOnce ?? false,
      HostConfig: {
        NetworkMode: `container:${sandboxId}`,
        IpcMode: `container:${sandboxId}`,
        PidMode: c.pidTarget ? `container:${c.pidTarget}` : undefined,
        // Mounts objects, not "src:dst:opts" bind strings: a ':' in a path cannot add mount options
        Mounts: c.mounts.map((m) => ({ Type: 'bind' as const, Source: m.hostPath, Target: m.containerPath, ReadOnly: m.readOnly })),
        Memory: c.resources.memoryLimitBytes,
        MemorySwap: c.resources.memoryLimitBytes || undefined,
        NanoCpus: c.resources.nanoCpus,
        CpuShares: c.resources.cpuShares,
        CapAdd: c.security.capAdd,
        CapDrop: c.security.capDrop,
        ReadonlyRootfs: c.security.readonlyRootfs,
        Privileged: c.security.privileged,
      },
    });
  }

  /** Every container of ours: labelled with the node, never restarted by Docker, logs rotated. */
  private async create(name: string, o: Docker.ContainerCreateOptions): Promise<string> {
    try {
      const c = await this.docker.createContainer({
        ...o,
        name,
        Labels: { ...o.Labels, [L.node]: this.nodeName },
        AttachStdin: false,
        AttachStdout: false,
        AttachStderr: false,
        HostConfig: { ...o.HostConfig, RestartPolicy: { Name: 'no' }, LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } } },
      });
      return c.id;
    } catch (e) {
      // Docker's own message (no such image, conflict...) rather than dockerode's "(HTTP code 404) ..." wrapper.
      const message = (e as { json?: { message?: string } }).json?.message;
      throw message ? new Error(message, { cause: e }) : e;
    }
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      const message = (e as { json?: { message?: string } }).json?.message;
      throw message ? new Error(message, { cause: e }) : e;
    }
  }

  /** Docker's stop does exactly SIGTERM, then SIGKILL after graceSeconds. */
  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(graceSeconds)) });
    } catch (e) {
      const code = statusCode(e);
      if (code !== 304 && code !== 404) throw e;
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const code = statusCode(e);
      if (code !== 404 && code !== 409) throw e;
    }
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    try {
      return dockerStats((await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true })) as DockerStats);
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  /** Raw container logs (multiplexed unless tty). */
  async logs(id: string, opts: { follow: boolean; tail?: number; timestamps: boolean; since?: number }): Promise<NodeJS.ReadableStream> {
    const c = this.docker.getContainer(id);
    // Docker takes tail=all for everything; the typings only know numbers.
    const o = { stdout: true, stderr: true, timestamps: opts.timestamps, tail: (opts.tail ?? 'all') as number, since: opts.since ?? 0 };
    if (opts.follow) return c.logs({ ...o, follow: true });
    const buf = await c.logs({ ...o, follow: false });
    const { Readable } = await import('node:stream');
    return Readable.from([buf]);
  }

  async execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult> {
    const exec = await this.docker.getContainer(id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => {
        stream.destroy();
        fail(new Error(`command timed out after ${timeoutMs}ms`));
      }, timeoutMs);
      stream.on('data', (d: Buffer) => chunks.push(d));
      stream.on('end', () => {
        clearTimeout(timer);
        ok();
      });
      stream.on('error', (e) => {
        clearTimeout(timer);
        fail(e);
      });
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? -1, output: demux(Buffer.concat(chunks)) };
  }

  watchEvents(onEvent: (e: RuntimeEvent) => void): () => void {
    let stopped = false;
    let current: NodeJS.ReadableStream | undefined;
    const connect = async () => {
      while (!stopped) {
        try {
          const stream = await this.docker.getEvents({
            filters: { type: ['container'], event: [...EVENT_TYPES], label: [`${L.node}=${this.nodeName}`] },
          });
          current = stream;
          let buf = '';
          await new Promise<void>((done) => {
            stream.on('data', (d: Buffer) => {
              buf += d.toString();
              let i: number;
              while ((i = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, i);
                buf = buf.slice(i + 1);
                let ev: { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
                try {
                  ev = JSON.parse(line);
                } catch {
                  continue; // partial or foreign line
                }
                const id = ev.Actor?.ID;
                const type = ev.Action as RuntimeEvent['type'];
                if (!id || !EVENT_TYPES.has(type)) continue;
                if (type === 'oom') this.oomSeen.add(id);
                if (type === 'destroy') this.oomSeen.delete(id);
                const a = ev.Actor?.Attributes ?? {};
                const pod = a[L.podNamespace] && a[L.podName] ? { namespace: a[L.podNamespace], name: a[L.podName] } : undefined;
                onEvent({ type, containerId: id, pod });
              }
            });
            stream.on('end', () => done());
            stream.on('error', () => done());
          });
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'docker events failed; retrying');
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 1000));
      }
    };
    void connect();
    return () => {
      stopped = true;
      (current as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    };
  }

  async tty(id: string): Promise<boolean> {
    return !!(await this.docker.getContainer(id).inspect()).Config.Tty;
  }
}
