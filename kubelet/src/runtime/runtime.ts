// The container runtime interface the pod workers, the node status and the stats talk to, after
// upstream's CRI RuntimeService and ImageService (only what the kubelet uses). Implementations:
// Docker (docker.ts) and an in-memory runtime for hollow nodes and tests (fake.ts).
import type { ContainerConfig, ContainerStats, ExecResult, ImageInfo, PodRuntime, RuntimeEvent, SandboxConfig } from './types';

export interface ContainerRuntime {
  /** The scheme of container and image IDs in pod status ("docker" → docker://…). */
  readonly type: string;
  /** The engine's version, for node.status.nodeInfo.containerRuntimeVersion. */
  version(): Promise<string>;

  /** Create and start a pod sandbox (holds the pod's network and IPC); its id and IP. */
  runPodSandbox(config: SandboxConfig): Promise<{ id: string; ip?: string }>;
  /** Create (not start) a container in a running sandbox; its id. */
  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  /** SIGTERM, SIGKILL after graceSeconds (containers and sandboxes); a gone or stopped one is fine. */
  stopContainer(id: string, graceSeconds: number): Promise<void>;
  /** Remove a container or sandbox; a gone one is fine. */
  removeContainer(id: string): Promise<void>;
  /** The sandboxes and containers of this node (or of one pod) by pod uid, newest attempt first. */
  listPods(podUid?: string): Promise<Map<string, PodRuntime>>;
  /** Run a command in a container and collect its output (exec probes and hooks). */
  execSync(id: string, cmd: string[], timeoutMs: number): Promise<ExecResult>;
  /** Undefined when the container is gone. */
  containerStats(id: string): Promise<ContainerStats | undefined>;
  /** Lifecycle events of this node's containers; returns a function that stops them. */
  watchEvents(onEvent: (e: RuntimeEvent) => void): () => void;

  /** The image's ID when it is present. */
  imageStatus(ref: string): Promise<string | undefined>;
  /** Rejects with the registry's or engine's message. */
  pullImage(ref: string): Promise<void>;
  /** Present images, biggest first, at most `max` (node.status.images). */
  listImages(max: number): Promise<ImageInfo[]>;
}
