// An in-memory container runtime (kubemark's fake runtime): sandboxes get made-up IPs, containers
// "run" until stopped (init containers, on hollow nodes, complete at once), pulls succeed, exec
// answers exit code 0. Hollow nodes run the real pod workers
// over it; tests script it (a container exits, a pull or start fails, an exec answers) to drive
// the pod workers through restarts, back-off and termination without Docker.
import { randomBytes } from 'node:crypto';
import { rfc3339 } from '@minik8s/shared';
import type { ContainerRuntime } from './runtime';
import type { ContainerConfig, ContainerStats, ExecResult, ImageInfo, PodRuntime, RuntimeContainer, RuntimeEvent, SandboxConfig } from './types';

/** A made-up pod IP in the podCIDR (or 10.250.x.y) from a counter. */
export function fakeIP(podCIDR: string | undefined, n: number): string {
  const base = (podCIDR ?? '10.250.0.0/16').split('/')[0].split('.').map(Number);
  const host = (n % 65000) + 2;
  return `${base[0]}.${base[1]}.${podCIDR && podCIDR.endsWith('/24') ? base[2] : (base[2] + (host >> 8)) & 255}.${host & 255}`;
}

export interface FakeCall {
  op: 'runPodSandbox' | 'createContainer' | 'startContainer' | 'stopContainer' | 'removeContainer' | 'pullImage' | 'execSync';
  /** Container name ("POD" for a sandbox), image ref for pulls. */
  name: string;
  id?: string;
  grace?: number;
  /** createContainer: the container whose process namespace it joins. */
  pidTarget?: string;
  /** What a created container mounts. */
  mounts?: ContainerConfig['mounts'];
}

export class FakeRuntime implements ContainerRuntime {
  readonly type = 'fake';
  /** Every call that changes something, in order (tests look at what the pod workers did). */
  readonly calls: FakeCall[] = [];
  /** Image ref → error message for pulls that fail. */
  readonly pullErrors = new Map<string, string>();
  /** Container name → error message for starts that fail (as a bad command does). */
  readonly startErrors = new Map<string, string>();
  /** Exec answers by container name; exit code 0 when missing. */
  readonly execResults = new Map<string, ExecResult>();
  private containers = new Map<string, RuntimeContainer>();
  private images = new Map<string, string>();
  private listeners = new Set<(e: RuntimeEvent) => void>();
  /** Sandboxes made, for their IPs. */
  private sandboxCount = 0;

  constructor(private readonly opts: { images?: string[]; record?: boolean; completeInitContainers?: boolean } = {}) {
    for (const ref of opts.images ?? []) this.images.set(ref, `sha256:${ref}`);
  }

  async version(): Promise<string> {
    return '0.1.0';
  }

  async runPodSandbox(c: SandboxConfig): Promise<{ id: string; ip?: string }> {
    const id = this.newId();
    const ip = c.hostNetwork ? undefined : fakeIP(c.podCIDR, this.sandboxCount++);
    this.record({ op: 'runPodSandbox', name: 'POD', id });
    const now = rfc3339(Date.now());
    this.containers.set(id, {
      ...this.base(id, c.pod, 'POD', c.attempt),
      sandbox: true,
      role: 'sandbox',
      state: 'running',
      createdAt: now,
      startedAt: now,
      ip,
    });
    this.emit('start', id);
    return { id, ip };
  }

  async createContainer(sandboxId: string, c: ContainerConfig): Promise<string> {
    if (this.containers.get(sandboxId)?.state !== 'running') throw new Error(`sandbox ${sandboxId} is not running`);
    if (!this.images.has(c.image)) throw new Error(`No such image: ${c.image}`);
    const id = this.newId();
    this.record({ op: 'createContainer', name: c.name, id, mounts: c.mounts, ...(c.pidTarget ? { pidTarget: c.pidTarget } : {}) });
    this.containers.set(id, { ...this.base(id, c.pod, c.name, c.attempt), role: c.role, hash: c.hash, image: c.image, imageId: this.images.get(c.image)!, createdAt: rfc3339(Date.now()) });
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    this.record({ op: 'startContainer', name: c.name, id });
    const err = this.startErrors.get(c.name);
    if (err) {
      Object.assign(c, { state: 'exited', error: err, exitCode: 128, finishedAt: c.createdAt });
      throw new Error(err);
    }
    Object.assign(c, { state: 'running', startedAt: rfc3339(Date.now()) });
    this.emit('start', id);
    if (c.role === 'init' && this.opts.completeInitContainers) this.exit(id, 0);
  }

  async stopContainer(id: string, graceSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.record({ op: 'stopContainer', name: c.name, id, grace: graceSeconds });
    // SIGTERM ends a fake process at once, as a well-behaved one would: exit code 143.
    if (c.state === 'running') this.exit(id, 143);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    this.record({ op: 'removeContainer', name: c.name, id });
    this.containers.delete(id);
    this.emit('destroy', id, c);
  }

  async listPods(podUid?: string): Promise<Map<string, PodRuntime>> {
    const out = new Map<string, PodRuntime>();
    for (const c of this.containers.values()) {
      if (podUid && c.podUid !== podUid) continue;
      let p = out.get(c.podUid);
      if (!p) out.set(c.podUid, (p = { uid: c.podUid, namespace: c.podNamespace, name: c.podName, sandboxes: [], containers: [] }));
      (c.sandbox ? p.sandboxes : p.containers).push({ ...c });
    }
    for (const p of out.values()) {
      p.sandboxes.sort((a, b) => b.attempt - a.attempt);
      p.containers.sort((a, b) => b.attempt - a.attempt);
    }
    return out;
  }

  async execSync(id: string, cmd: string[]): Promise<ExecResult> {
    const c = this.get(id);
    this.record({ op: 'execSync', name: c.name, id });
    if (c.state !== 'running') throw new Error(`container ${id} is not running`);
    return this.execResults.get(c.name) ?? { exitCode: 0, output: cmd.join(' ') };
  }

  async containerStats(id: string): Promise<ContainerStats | undefined> {
    const c = this.containers.get(id);
    if (!c) return undefined;
    return { cpuUsageCoreNanoSeconds: 0, memory: { usageBytes: 0, workingSetBytes: 0 } };
  }

  watchEvents(onEvent: (e: RuntimeEvent) => void): () => void {
    this.listeners.add(onEvent);
    return () => this.listeners.delete(onEvent);
  }

  async imageStatus(ref: string): Promise<string | undefined> {
    return this.images.get(ref);
  }

  async pullImage(ref: string): Promise<void> {
    this.record({ op: 'pullImage', name: ref });
    const err = this.pullErrors.get(ref);
    if (err) throw new Error(err);
    this.images.set(ref, `sha256:${ref}`);
  }

  async listImages(max: number): Promise<ImageInfo[]> {
    return [...this.images.keys()].slice(0, max).map((ref) => ({ names: [ref], sizeBytes: 0 }));
  }

  /** The container's process ends with `exitCode` (a test's crash, OOM kill, or our SIGTERM). */
  exit(id: string, exitCode: number, oomKilled = false): void {
    const c = this.get(id);
    if (c.state !== 'running') throw new Error(`container ${c.name} (${id}) is not running`);
    Object.assign(c, { state: 'exited', exitCode, oomKilled, finishedAt: rfc3339(Date.now()) });
    if (oomKilled) this.emit('oom', id);
    this.emit('die', id);
  }

  /** The newest instance of a pod's container (tests). */
  find(podName: string, name: string): RuntimeContainer | undefined {
    return [...this.containers.values()].filter((c) => c.podName === podName && c.name === name).sort((a, b) => b.attempt - a.attempt)[0];
  }

  private base(id: string, pod: { uid: string; namespace: string; name: string }, name: string, attempt: number): RuntimeContainer {
    return { id, name, podUid: pod.uid, podNamespace: pod.namespace, podName: pod.name, sandbox: false, role: 'app', attempt, hash: '', image: '', imageId: '', state: 'created' };
  }

  private get(id: string): RuntimeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  private newId(): string {
    return randomBytes(32).toString('hex');
  }

  private record(call: FakeCall): void {
    if (this.opts.record) this.calls.push(call);
  }

  private emit(type: RuntimeEvent['type'], id: string, c = this.containers.get(id)): void {
    const pod = c ? { namespace: c.podNamespace, name: c.podName } : undefined;
    for (const l of this.listeners) l({ type, containerId: id, pod });
  }
}
