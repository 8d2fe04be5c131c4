// What the kubelet knows about containers in the runtime, independent of any engine's API shapes.
export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

/** Which of the pod's container lists a container comes from. */
export type ContainerRole = 'init' | 'app' | 'ephemeral';

export interface RuntimeContainer {
  id: string;
  /** Container name in the pod spec ("POD" for the sandbox). */
  name: string;
  podUid: string;
  podNamespace: string;
  podName: string;
  sandbox: boolean;
  role: ContainerRole | 'sandbox';
  /** Attempt number (the restart count label). */
  attempt: number;
  hash: string;
  image: string;
  imageId: string;
  state: RuntimeState;
  /** RFC3339 times; undefined when not applicable. */
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  oomKilled?: boolean;
  /** The runtime's error when the container failed to start (bad command...). */
  error?: string;
  /** Pod IP (sandbox only). */
  ip?: string;
}

/** All containers of one pod, newest attempt first per name. */
export interface PodRuntime {
  uid: string;
  namespace: string;
  name: string;
  sandboxes: RuntimeContainer[];
  containers: RuntimeContainer[];
}

/** The pod a sandbox or container belongs to (CRI's PodSandboxMetadata). */
export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

/** CRI's PortMapping: a container port published on the node (hostPort). */
export interface PortMapping {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  containerPort: number;
  hostPort: number;
  /** "" = every address of the node. */
  hostIP: string;
}

/** CRI's PodSandboxConfig, the parts we use. */
export interface SandboxConfig {
  pod: PodRef;
  attempt: number;
  /** The pod's hostname; undefined with hostNetwork (the node's). */
  hostname?: string;
  hostNetwork: boolean;
  /** The node's pod subnet when known: the sandbox gets an address in it. */
  podCIDR?: string;
  /** The containers' hostPorts (none on the host network, where ports are the node's already). */
  portMappings: PortMapping[];
}

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

/** CRI's ContainerConfig, the parts we use; the container joins its pod's sandbox (network, IPC). */
export interface ContainerConfig {
  pod: PodRef;
  name: string;
  attempt: number;
  role: ContainerRole;
  /** Hash of the container's spec: a changed spec restarts the container. */
  hash: string;
  terminationGracePeriodSeconds: number;
  image: string;
  /** Replaces the image's entrypoint. */
  command?: string[];
  /** Replaces the image's arguments (none when `command` is set and this is not). */
  args?: string[];
  /** "NAME=value". */
  env: string[];
  workingDir?: string;
  tty?: boolean;
  stdin?: boolean;
  stdinOnce?: boolean;
  /** A container whose process namespace this one joins (CRI's NamespaceMode TARGET: an ephemeral container's targetContainerName). */
  pidTarget?: string;
  mounts: Mount[];
  resources: {
    memoryLimitBytes?: number;
    /** CPU limit in billionths of a core. */
    nanoCpus?: number;
    /** Relative weight from the CPU request (1024 per core, at least 2). */
    cpuShares?: number;
  };
  security: {
    /** "uid[:gid]" from runAsUser/runAsGroup. */
    user?: string;
    capAdd?: string[];
    capDrop?: string[];
    readonlyRootfs?: boolean;
    privileged?: boolean;
  };
}

export interface ExecResult {
  exitCode: number;
  output: string;
}

/** A container lifecycle event, for the pod workers to look at the pod again. */
export interface RuntimeEvent {
  type: 'start' | 'die' | 'oom' | 'destroy';
  containerId: string;
  /** Undefined for containers the kubelet did not create. */
  pod?: { namespace: string; name: string };
}

/** CRI's MemoryUsage: bytes, and page fault counts when the runtime has them. */
export interface MemoryUsage {
  /** Usage minus inactive file pages: what the OOM killer and evictions look at. */
  workingSetBytes: number;
  usageBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** CRI's ContainerStats: cumulative CPU and current memory (undefined when the runtime has no reading). */
export interface ContainerStats {
  cpuUsageCoreNanoSeconds?: number;
  memory?: MemoryUsage;
}

export interface ImageInfo {
  names: string[];
  sizeBytes: number;
}
