// The container runtime layer: the Docker Engine API through its socket (dockerode).
// Only this file knows Docker's shapes; the rest of the kubelet sees RuntimeContainer / PodRuntime.
import Docker from 'dockerode';
import type { Logger } from '@minik8s/shared';
import { L, SANDBOX_NAME } from './labels';
import type { PodRuntime, RuntimeContainer, RuntimeState } from './types';
import type { PortBindings } from './hostports';

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
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace(/\.\d+Z$/, 'Z');
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

export interface CreateSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
  hostname?: string;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  binds?: string[];
  networkMode: string;
  ipcMode?: string;
  memory?: number;
  nanoCpus?: number;
  cpuShares?: number;
  /** "uid[:gid]" from securityContext.runAsUser/runAsGroup. */
  user?: string;
  capAdd?: string[];
  capDrop?: string[];
  readonlyRootfs?: boolean;
  privileged?: boolean;
  /** hostPorts, on the sandbox (see hostports.ts). */
  ports?: PortBindings;
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

export class DockerRuntime {
  readonly docker: Docker;
  /** Inspect results keyed by "id/state": exited containers never change, running ones only by state. */
  private inspectCache = new Map<string, RuntimeContainer>();
  /**
   * Containers Docker sent an "oom" event for. Docker sets State.OOMKilled when it handles that event,
   * which can come after the exit we already inspected (and cached): the event is the surer sign.
   */
  private readonly oomSeen = new Set<string>();

  constructor(endpoint: string, readonly nodeName: string, private log: Logger) {
    this.docker = new Docker(dockerOptions(endpoint));
  }

  async version(): Promise<string> {
    const v = await this.docker.version();
    return v.Version;
  }

  /** Every container of this node (or of one pod), grouped by pod uid, newest attempt first. */
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

  async inspect(id: string): Promise<RuntimeContainer | undefined> {
    let i: Docker.ContainerInspectInfo;
    try {
      i = await this.docker.getContainer(id).inspect();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
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
      role: sandbox ? 'sandbox' : labels[L.role] === 'init' ? 'init' : 'app',
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

  /** The image's ID when it exists locally. */
  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(ref).inspect()).Id;
    } catch {
      return undefined;
    }
  }

  /** Local images for node.status.images (biggest first, like upstream; at most `max`). */
  async images(max = 50): Promise<Array<{ names: string[]; sizeBytes: number }>> {
    const list = await this.docker.listImages();
    return list
      .filter((i) => (i.RepoTags ?? []).some((t) => t !== '<none>:<none>'))
      .sort((a, b) => b.Size - a.Size)
      .slice(0, max)
      .map((i) => ({ names: [...(i.RepoDigests ?? []), ...(i.RepoTags ?? []).filter((t) => t !== '<none>:<none>')], sizeBytes: i.Size }));
  }

  /** Pull through the Docker API; rejects with Docker's message on failure. */
  async pull(ref: string, timeoutMs = 120_000): Promise<void> {
    const stream = await this.docker.pull(ref);
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`pulling ${ref}: timed out`)), timeoutMs);
      this.docker.modem.followProgress(
        stream,
        (err: Error | null, res: Array<{ error?: string }>) => {
          clearTimeout(timer);
          const bad = res?.find((r) => r.error);
          if (err) fail(err);
          else if (bad) fail(new Error(bad.error));
          else ok();
        },
      );
    });
  }

  /** Create (not start) a container; returns its id. */
  async create(spec: CreateSpec): Promise<string> {
    const c = await this.docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Labels: { ...spec.labels, [L.node]: this.nodeName },
      Entrypoint: spec.entrypoint,
      Cmd: spec.cmd,
      Env: spec.env,
      WorkingDir: spec.workingDir,
      Hostname: spec.hostname,
      User: spec.user,
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdin ?? false,
      StdinOnce: spec.stdinOnce ?? false,
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: spec.ports?.exposedPorts,
      HostConfig: {
        PortBindings: spec.ports?.portBindings,
        NetworkMode: spec.networkMode,
        IpcMode: spec.ipcMode,
        Binds: spec.binds,
        Memory: spec.memory,
        MemorySwap: spec.memory ? spec.memory : undefined,
        NanoCpus: spec.nanoCpus,
        CpuShares: spec.cpuShares,
        CapAdd: spec.capAdd,
        CapDrop: spec.capDrop,
        ReadonlyRootfs: spec.readonlyRootfs,
        Privileged: spec.privileged,
        RestartPolicy: { Name: 'no' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
      },
    });
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.docker.getContainer(id).start();
  }

  /** SIGTERM, then SIGKILL after graceSeconds (Docker's stop does exactly that). */
  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.floor(graceSeconds)) });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 304 && code !== 404) throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw e;
    }
  }

  /**
   * The network for pod sandboxes: with a podCIDR, a bridge network of this node with that subnet
   * (created once, reused); without, Docker's default bridge.
   */
  ensureNetwork(podCIDR: string | undefined, fallback = 'bridge'): Promise<string> {
    if (!podCIDR) return Promise.resolve(fallback);
    const known = this.networks.get(podCIDR);
    if (known) return Promise.resolve(known);
    // One at a time: pods starting together must not race to create the same network.
    const next = this.networkLock.then(() => this.ensureNetworkNow(podCIDR, fallback));
    this.networkLock = next.catch(() => undefined);
    // Our own network, once there, is not inspected again for every sandbox (a fallback is: the
    // overlapping network may go away).
    void next.then((name) => name !== fallback && this.networks.set(podCIDR, name), () => undefined);
    return next;
  }

  /** Inspect the pod network again next time (a sandbox failed: it may have been removed). */
  forgetNetworks(): void {
    this.networks.clear();
  }

  private networkLock: Promise<unknown> = Promise.resolve();
  private networks = new Map<string, string>();

  private async ensureNetworkNow(podCIDR: string, fallback: string): Promise<string> {
    const name = `minik8s-${this.nodeName}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    try {
      const n = await this.docker.getNetwork(name).inspect();
      const subnet = n.IPAM?.Config?.[0]?.Subnet;
      if (subnet === podCIDR) return name;
      try {
        await this.docker.getNetwork(name).remove();
        this.log.warn({ network: name, subnet, podCIDR }, 'pod network had another subnet; recreated it');
      } catch {
        this.log.warn({ network: name, subnet, podCIDR }, 'pod network has another subnet and is in use; keeping it');
        return name;
      }
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: podCIDR }] },
        Labels: { [L.node]: this.nodeName },
      });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 403 || /overlaps/.test((e as Error).message)) {
        // Another network on this engine (another cluster sharing it, say) holds the subnet: pods
        // still run, on the default network, rather than not at all.
        if (!this.overlapWarned.has(podCIDR)) this.log.warn({ podCIDR, network: name, fallback }, 'pod CIDR overlaps another Docker network; using the default network');
        this.overlapWarned.add(podCIDR);
        return fallback;
      }
      if (code !== 409) throw e;
    }
    return name;
  }

  private overlapWarned = new Set<string>();

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

  /** Run a command in the container and collect its output (probes). */
  async execCollect(id: string, cmd: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }> {
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

  /** Container events of this node (start, die, oom, destroy): calls back with the labels. */
  watchEvents(onEvent: (action: string, labels: Record<string, string>) => void): () => void {
    let stopped = false;
    let current: NodeJS.ReadableStream | undefined;
    const connect = async () => {
      while (!stopped) {
        try {
          const stream = await this.docker.getEvents({
            filters: { type: ['container'], event: ['start', 'die', 'oom', 'destroy'], label: [`${L.node}=${this.nodeName}`] },
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
                try {
                  const ev = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
                  const id = ev.Actor?.ID;
                  if (id && ev.Action === 'oom') this.oomSeen.add(id);
                  if (id && ev.Action === 'destroy') this.oomSeen.delete(id);
                  onEvent(ev.Action ?? '', ev.Actor?.Attributes ?? {});
                } catch {
                  // partial or foreign line
                }
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

  labelsOf(pod: { uid: string; namespace: string; name: string }, container: string, attempt: number): Record<string, string> {
    return {
      [L.podUid]: pod.uid,
      [L.podNamespace]: pod.namespace,
      [L.podName]: pod.name,
      [L.containerName]: container,
      [L.restartCount]: String(attempt),
      [L.type]: container === SANDBOX_NAME ? 'podsandbox' : 'container',
    };
  }
}
