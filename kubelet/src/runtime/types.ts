// What the kubelet knows about containers in the runtime, independent of Docker's API shapes.
export type RuntimeState = 'created' | 'running' | 'exited' | 'unknown';

export interface RuntimeContainer {
  id: string;
  /** Container name in the pod spec ("POD" for the sandbox). */
  name: string;
  podUid: string;
  podNamespace: string;
  podName: string;
  sandbox: boolean;
  role: 'init' | 'app' | 'sandbox';
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
  /** Docker's error when the container failed to start (bad command...). */
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
