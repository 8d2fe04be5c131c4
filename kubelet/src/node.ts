// Node registration, node status (capacity, allocatable, conditions, addresses) and the Lease heartbeat
// in kube-node-lease, as upstream's kubelet_node_status.go and nodelease controller.
import { cpus, totalmem, hostname, release } from 'node:os';
import type { Lease, Node } from './kinds';
import { networkError, readyCondition } from './network';
import { R, isAlreadyExists, isConflict, isNotFound, microTime, parseQuantity, rfc3339, type ApiClient, type core, type InformerFactory, type Logger } from '@minik8s/shared';

export interface NodeOptions {
  name: string;
  ip: string;
  port: number;
  labels: Record<string, string>;
  capacity: Record<string, string>;
  reserved: Record<string, string>;
  runtimeVersion: string;
  statusFrequencyMs: number;
  leaseDurationSeconds: number;
  /** --pod-cidr: used while the Node has no spec.podCIDR. */
  fallbackPodCIDR?: string;
  /** --require-pod-cidr: the pod network (and so the node) is not ready until there is a podCIDR. */
  requirePodCIDR: boolean;
}

/** "cpu=100m,memory=100Mi" → {cpu: "100m", memory: "100Mi"} (upstream --system-reserved syntax). */
export function parseResourceList(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (s ?? '').split(',').map((x) => x.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`invalid resource "${part}": want name=quantity`);
    const k = part.slice(0, i);
    const v = part.slice(i + 1);
    parseQuantity(v);
    out[k] = v;
  }
  return out;
}

/** Host capacity (cpu cores, memory bytes, pods), overridden per resource by `overrides`. */
export function hostCapacity(maxPods: number, overrides: Record<string, string>): Record<string, string> {
  return {
    cpu: String(cpus().length),
    memory: `${Math.floor(totalmem() / 1024)}Ki`,
    pods: String(maxPods),
    'ephemeral-storage': '20Gi',
    ...overrides,
  };
}

/** allocatable = capacity - reserved, per resource (never below zero). */
export function allocatable(capacity: Record<string, string>, reserved: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { ...capacity };
  for (const [k, r] of Object.entries(reserved)) {
    if (capacity[k] === undefined) continue;
    const left = Math.max(0, parseQuantity(capacity[k]) - parseQuantity(r));
    out[k] = k === 'cpu' ? `${Math.round(left * 1000)}m` : k === 'pods' ? String(Math.floor(left)) : String(Math.floor(left));
  }
  return out;
}

export class NodeAgent {
  private podCIDR?: string;
  private timers: NodeJS.Timeout[] = [];
  private lastStatusWrite = 0;
  private lastStatusText = '';
  private readyTransition = rfc3339();
  private node?: Node;

  private images: core.ContainerImage[] = [];

  constructor(
    private client: ApiClient,
    private o: NodeOptions,
    private log: Logger,
    private healthy: () => boolean = () => true,
    /** Images on the node (status.images, for the scheduler's image locality). */
    private listImages?: () => Promise<core.ContainerImage[]>,
  ) {}

  private cidrListeners: Array<() => void> = [];

  /** The pod subnet: the Node's spec.podCIDR, else --pod-cidr. */
  cidr(): string | undefined {
    return this.podCIDR ?? this.o.fallbackPodCIDR;
  }

  /** Why pods cannot get a sandbox now (undefined: they can). */
  networkError(): string | undefined {
    return networkError(this.o.requirePodCIDR, this.cidr());
  }

  /** Called when the Node gets (another) podCIDR. */
  onPodCIDR(fn: () => void): void {
    this.cidrListeners.push(fn);
  }

  private takeCIDR(cidr: string | undefined, pushStatus = true): void {
    if (!cidr || cidr === this.podCIDR) return;
    const wasReady = !this.networkError();
    this.podCIDR = cidr;
    this.log.info({ podCIDR: cidr }, 'node podCIDR');
    // The network just became ready: say so at once (the scheduler and `npm run up` wait for Ready).
    if (!wasReady && pushStatus && this.node) this.updateStatus(false).catch((e) => this.log.warn({ err: (e as Error).message }, 'node status update failed'));
    for (const fn of this.cidrListeners) fn();
  }

  /** Follow our own Node object so a podCIDR assigned by node-ipam is used at once (call before factory.start()). */
  watchOwnNode(factory: InformerFactory): void {
    const inf = factory.informer<Node>(R.nodes, { fieldSelector: `metadata.name=${this.o.name}` });
    const take = (n: Node) => this.takeCIDR(n.spec?.podCIDR);
    inf.addEventHandler({ onAdd: take, onUpdate: (_o, n) => take(n) });
  }

  private statusBody(): core.NodeStatus {
    const now = rfc3339();
    const ready = readyCondition(this.healthy(), this.networkError());
    const cond = (type: string, status: string, reason: string, message: string): core.NodeCondition => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime: this.readyTransition,
    });
    return {
      capacity: this.o.capacity,
      allocatable: allocatable(this.o.capacity, this.o.reserved),
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        cond('Ready', ready.status, ready.reason, ready.message),
      ],
      addresses: [
        { type: 'InternalIP', address: this.o.ip },
        { type: 'Hostname', address: this.o.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.port } },
      nodeInfo: {
        machineID: '',
        systemUUID: '',
        bootID: '',
        kernelVersion: release(),
        osImage: 'minik8s',
        containerRuntimeVersion: this.o.runtimeVersion,
        kubeletVersion: 'v1.32.0',
        kubeProxyVersion: 'v1.32.0',
        operatingSystem: 'linux',
        architecture: process.arch === 'x64' ? 'amd64' : process.arch,
      },
    };
  }

  /** Create the Node (or take over an existing one) and start heartbeats. */
  async register(): Promise<void> {
    const nodes = this.client.resource<Node>(R.nodes);
    const labels = {
      'kubernetes.io/hostname': this.o.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': process.arch === 'x64' ? 'amd64' : process.arch,
      ...this.o.labels,
    };
    for (;;) {
      try {
        // With its status, as upstream's initialNode: a Node without allocatable fails every pod the
        // scheduler tries on it (Insufficient cpu), and those pods then wait out a backoff.
        this.node = await nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.name, labels }, spec: {}, status: this.statusBody() });
        this.log.info({ node: this.o.name }, 'node registered');
        break;
      } catch (e) {
        if (isAlreadyExists(e)) {
          this.node = await nodes.patch(this.o.name, { metadata: { labels } }, 'merge');
          this.log.info({ node: this.o.name }, 'node already registered; taking it over');
          break;
        }
        this.log.warn({ err: (e as Error).message }, 'node registration failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    this.takeCIDR(this.node?.spec?.podCIDR, false);
    await this.updateStatus(true).catch((e) => this.log.warn({ err: (e as Error).message }, 'node status update failed'));
    await this.renewLease().catch((e) => this.log.warn({ err: (e as Error).message }, 'lease renewal failed'));
    const statusLoop = () => {
      this.updateStatus(false)
        .catch((e) => this.log.warn({ err: (e as Error).message }, 'node status update failed'))
        .finally(() => this.timers.push(setTimeout(statusLoop, this.o.statusFrequencyMs)));
    };
    const leaseLoop = () => {
      this.renewLease()
        .catch((e) => this.log.warn({ err: (e as Error).message }, 'lease renewal failed'))
        .finally(() => this.timers.push(setTimeout(leaseLoop, 10_000)));
    };
    this.timers.push(setTimeout(statusLoop, this.o.statusFrequencyMs), setTimeout(leaseLoop, 10_000));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
  }

  /** Patch status when it changed, or at least every minute (the Lease is the frequent heartbeat). */
  async updateStatus(force: boolean): Promise<void> {
    const nodes = this.client.resource<Node>(R.nodes);
    const cur = await nodes.get(this.o.name).catch((e) => {
      if (isNotFound(e)) return undefined;
      throw e;
    });
    if (!cur) {
      this.log.warn({ node: this.o.name }, 'node object was deleted; registering again');
      await this.register();
      return;
    }
    this.takeCIDR(cur.spec?.podCIDR, false);
    if (this.listImages) this.images = await this.listImages().catch(() => this.images);
    const status = this.statusBody();
    if (this.listImages) status.images = this.images;
    const wasReady = cur.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const isReady = status.conditions!.find((c) => c.type === 'Ready')!.status;
    if (wasReady !== isReady) {
      this.readyTransition = rfc3339();
      for (const c of status.conditions!) if (c.type === 'Ready') c.lastTransitionTime = this.readyTransition;
    }
    const text = JSON.stringify({ ...status, conditions: status.conditions!.map((c) => ({ ...c, lastHeartbeatTime: '' })) });
    if (!force && text === this.lastStatusText && Date.now() - this.lastStatusWrite < 60_000) return;
    await nodes.patch(this.o.name, { status }, 'merge', { subresource: 'status' });
    this.lastStatusText = text;
    this.lastStatusWrite = Date.now();
  }

  async renewLease(): Promise<void> {
    const leases = this.client.resource<Lease>(R.leases);
    const ns = 'kube-node-lease';
    const spec = { holderIdentity: this.o.name, leaseDurationSeconds: this.o.leaseDurationSeconds, renewTime: microTime() };
    try {
      const cur = await leases.get(this.o.name, ns);
      await leases.update({ ...cur, spec: { ...(cur.spec as object), ...spec } });
    } catch (e) {
      if (isConflict(e)) return;
      if (!isNotFound(e)) throw e;
      const owner = this.node?.metadata?.uid ? [{ apiVersion: 'v1', kind: 'Node', name: this.o.name, uid: this.node.metadata.uid }] : undefined;
      const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: ns, ownerReferences: owner }, spec };
      try {
        await leases.create(lease, { namespace: ns });
      } catch (e2) {
        if (!isNotFound(e2) && !isAlreadyExists(e2)) throw e2;
        if (isNotFound(e2)) {
          // The namespace is missing (upstream's apiserver creates it; ours may not yet).
          await this.client.resource(R.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
          await leases.create(lease, { namespace: ns });
        }
      }
    }
  }
}

export const defaultHostname = (): string => hostname().toLowerCase();
