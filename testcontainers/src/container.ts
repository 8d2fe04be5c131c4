// MiniK8sContainer: a whole minik8s cluster for a test, shaped like @testcontainers/k3s —
//   await using cluster = await new MiniK8sContainer().withNodes(2).start();
//   new KubeConfig().loadFromString(cluster.getKubeConfig());
// One all-in-one container (etcd, control plane, a node with its own dockerd; images/allinone) and, for
// more nodes, containers of the same image joining it over a Testcontainers Network. No --privileged:
// the capabilities the compose nodes use.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import {
  AbstractStartedContainer,
  GenericContainer,
  Network,
  Wait,
  getContainerRuntimeClient,
  type ContainerRuntimeClient,
  type ExecResult,
  type InspectResult,
  type StartedNetwork,
  type StartedTestContainer,
  type StopOptions,
  type StoppedTestContainer,
} from 'testcontainers';
import { CLUSTER_LABEL, OWNER_LABEL, removeLabelled } from './cleanup';
import { MiniK8sStartError, type Stage } from './errors';
import { DEFAULT_IMAGE, ensureImage, BUILD_TIMEOUT_MS, type BuildPolicy } from './image';
import { serverAt, withServer } from './kubeconfig';
import { tailFile } from './logs';
import { checkFlags, checkName, checkNodeCount, checkTimeout } from './options';
import { ensureReaper, ownerId } from './reaper';
import { API_PORT, ClusterWaitStrategy, KUBECONFIG_PATH, LOG_DIR, type ClusterWaitContext, type NodeStart } from './wait';

export const DEFAULT_STARTUP_TIMEOUT_MS = 60_000;
/** A Docker engine answers in milliseconds; one that has not after this long is not going to. */
export const DOCKER_TIMEOUT_MS = 10_000;

type Component = 'apiserver' | 'scheduler' | 'controller-manager' | 'kubelet' | 'kube-proxy';
const FLAG_ENV: Record<Component, string> = {
  apiserver: 'APISERVER_ARGS',
  scheduler: 'SCHEDULER_ARGS',
  'controller-manager': 'CONTROLLER_MANAGER_ARGS',
  kubelet: 'KUBELET_ARGS',
  'kube-proxy': 'KUBE_PROXY_ARGS',
};

/** Components whose logs componentLogs() reads: every node has the last three. */
export type LogSource = 'etcd' | 'apiserver' | 'scheduler' | 'controller-manager' | 'addons' | 'kubelet' | 'kube-proxy' | 'dockerd';

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not answer within ${(ms / 1000).toFixed(1)} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Docker in Docker without --privileged, as the compose nodes run (docs/cluster.md). */
function asNode<T extends GenericContainer>(c: T): T {
  return c
    .withAddedCapabilities('ALL')
    .withDroppedCapabilities('SYS_RESOURCE')
    .withSecurityOpt('seccomp=unconfined', 'apparmor=unconfined')
    .withTmpFs({ '/run': 'rw' })
    .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: 'rw' }]);
}

export class MiniK8sContainer extends GenericContainer {
  private nodeCount = 1;
  private readonly flags: Record<Component, string[]> = { apiserver: [], scheduler: [], 'controller-manager': [], kubelet: [], 'kube-proxy': [] };
  private clusterDns = true;
  private buildPolicy: BuildPolicy = 'missing';
  private buildProgress?: (line: string) => void;
  private readonly nodes: NodeStart[] = [];
  private waitContext?: ClusterWaitContext;

  constructor(image = DEFAULT_IMAGE) {
    super(image);
    asNode(this).withExposedPorts(API_PORT).withStartupTimeout(DEFAULT_STARTUP_TIMEOUT_MS);
  }

  /** Nodes in all (default 1: the all-in-one's own); the others are containers on a network of their own. */
  withNodes(n: number): this {
    this.nodeCount = checkNodeCount(n);
    return this;
  }
  withKubeletFlags(...flags: string[]): this {
    return this.withFlags('kubelet', flags);
  }
  withKubeProxyFlags(...flags: string[]): this {
    return this.withFlags('kube-proxy', flags);
  }
  withApiServerFlags(...flags: string[]): this {
    return this.withFlags('apiserver', flags);
  }
  withSchedulerFlags(...flags: string[]): this {
    return this.withFlags('scheduler', flags);
  }
  withControllerManagerFlags(...flags: string[]): this {
    return this.withFlags('controller-manager', flags);
  }
  private withFlags(c: Component, flags: string[]): this {
    checkFlags(c, [...this.flags[c], ...flags]);
    this.flags[c].push(...flags);
    return this;
  }
  /** The cluster DNS add-on (default on). Off: a start a second shorter and 20 MB smaller, and no DNS for pods. */
  withClusterDns(enabled: boolean): this {
    this.clusterDns = enabled;
    return this;
  }
  /**
   * When the image is built from a minik8s checkout (the one this package comes from, or MINIK8S_SOURCE):
   * `missing` (default) when the engine lacks it; `always` to run the image step first, which rebuilds
   * only what changed (for tests of minik8s itself). `progress` gets each step (default: stderr).
   */
  withImageBuild(policy: BuildPolicy, progress?: (line: string) => void): this {
    if (policy !== 'missing' && policy !== 'always') throw new TypeError(`withImageBuild(${JSON.stringify(policy)}): "missing" or "always"`);
    this.buildPolicy = policy;
    this.buildProgress = progress;
    return this;
  }
  override withName(name: string): this {
    return super.withName(checkName(name));
  }
  override withStartupTimeout(ms: number): this {
    return super.withStartupTimeout(checkTimeout('withStartupTimeout', ms));
  }

  override async start(): Promise<StartedMiniK8sContainer> {
    const t0 = Date.now();
    const budget = this.startupTimeoutMs ?? DEFAULT_STARTUP_TIMEOUT_MS;
    const id = randomBytes(3).toString('hex');
    const name = this.createOpts.name ?? `minik8s-${id}`;
    let stage: Stage = 'options';
    let client: ContainerRuntimeClient | undefined;
    let network: StartedNetwork | undefined;
    try {
      if (this.reuse) throw new Error('withReuse() is not supported: every start() makes a new cluster');
      stage = 'docker';
      client = await timeout(getContainerRuntimeClient(), Math.min(budget, DOCKER_TIMEOUT_MS), describeEngine());
      stage = 'reaper';
      await timeout(ensureReaper(client), Math.min(budget, DOCKER_TIMEOUT_MS * 3), 'the reaper');
      stage = 'image';
      await timeout(ensureImage(client, this.imageName.string, this.buildPolicy, this.buildProgress), BUILD_TIMEOUT_MS, 'the image build');
      // the startup timeout counts from here: a first image build has a bound of its own
      const t1 = Date.now();

      stage = 'network';
      if (this.nodeCount > 1 && !this.networkMode) {
        network = await new Network().start();
        this.withNetwork(network);
      }
      // The apiserver's port on the host's loopback only, when the engine is on this host: reached
      // through a unix socket (testcontainers then names the bridge gateway as the host when this
      // process runs in a container, but a port on the engine's loopback is this host's loopback too).
      const local = await isLocalEngine(client);
      if (local) {
        const wanted = this.hostConfig.PortBindings?.[`${API_PORT}/tcp`]?.[0]?.HostPort ?? '0';
        this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, [`${API_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: wanted }] };
      }
      const labels = { [CLUSTER_LABEL]: id, [OWNER_LABEL]: ownerId() };
      const nodeNames = Array.from({ length: this.nodeCount }, (_, i) => `node-${i + 1}`);
      this.withName(name)
        .withHostname(nodeNames[0])
        .withLabels(labels)
        .withEnvironment({ NODE_NAME: nodeNames[0], DNS_REPLICAS: this.clusterDns ? '1' : '0', ...this.flagEnv(Object.keys(FLAG_ENV) as Component[]) });
      this.nodes.length = 0;
      this.waitContext = { client, apiHost: local ? '127.0.0.1' : client.info.containerRuntime.host, nodeNames, dns: this.clusterDns, startedAt: t0, nodes: this.nodes };
      this.withWaitStrategy(new ClusterWaitStrategy(this.waitContext).withStartupTimeout(Math.max(1000, budget - (Date.now() - t1))));

      stage = 'container';
      // the other nodes start once this container runs (containerStarting), while it gets ready
      const started = await super.start();
      return new StartedMiniK8sContainer(started, {
        client,
        kubeconfig: this.waitContext.kubeconfig!,
        apiHost: this.waitContext.apiHost,
        nodeNames,
        nodes: await Promise.all(this.nodes.map((n) => n.started!)),
        network,
      });
    } catch (e) {
      // (no node container may appear after the cleanup)
      await Promise.allSettled(this.nodes.map((n) => n.started));
      if (client) await removeLabelled(client.container.dockerode, `${CLUSTER_LABEL}=${id}`).catch(() => undefined);
      await network?.stop().catch(() => undefined);
      if (e instanceof MiniK8sStartError) throw e;
      throw new MiniK8sStartError(stage, (e as Error).message, Date.now() - t0, [], { cause: e });
    }
  }

  private flagEnv(components: Component[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const c of components) if (this.flags[c].length) env[FLAG_ENV[c]] = checkFlags(c, this.flags[c]);
    return env;
  }

  /** The other nodes: containers of the same image that join this one's apiserver (JOIN=...). */
  protected override async containerStarting(inspect: InspectResult): Promise<void> {
    const ctx = this.waitContext!;
    const names = ctx.nodeNames.slice(1);
    if (!names.length) return;
    const join = `http://${inspect.name.replace(/^\//, '')}:${API_PORT}`;
    for (const nodeName of names) {
      const slot: NodeStart = { name: nodeName };
      this.nodes.push(slot);
      const node = asNode(new GenericContainer(this.imageName.string))
        .withName(`${this.createOpts.name}-${nodeName}`)
        .withHostname(nodeName)
        .withNetworkMode(this.networkMode!)
        .withLabels({ ...this.createOpts.Labels })
        .withEnvironment({ JOIN: join, NODE_NAME: nodeName, ...this.flagEnv(['kubelet', 'kube-proxy']) })
        .withWaitStrategy(Wait.forLogMessage('joining'))
        .withStartupTimeout(DOCKER_TIMEOUT_MS * 3);
      slot.started = node.start();
      slot.started.then(
        (c) => (slot.container = c),
        (e) => (slot.error = e),
      );
    }
  }
}

/** The engine shares this host's network: reached through a unix socket, and (when this process runs
 * in a container, where the socket may be the outer host's) the engine's host is this host. */
async function isLocalEngine(client: ContainerRuntimeClient): Promise<boolean> {
  const host = client.info.containerRuntime.host;
  if (['localhost', '127.0.0.1', '::1'].includes(host)) return true;
  const dockerode = client.container.dockerode;
  if (!(dockerode.modem as { socketPath?: string }).socketPath) return false;
  const info = (await dockerode.info()) as { Name?: string };
  return info.Name === hostname();
}

function describeEngine(): string {
  const host = process.env.DOCKER_HOST;
  return host ? `the Docker engine at DOCKER_HOST=${host}` : 'the Docker engine';
}

export interface ClusterParts {
  client: ContainerRuntimeClient;
  /** The kubeconfig as the container wrote it. */
  kubeconfig: string;
  apiHost: string;
  nodeNames: string[];
  /** The containers of the nodes after the first. */
  nodes: StartedTestContainer[];
  network?: StartedNetwork;
}

export class StartedMiniK8sContainer extends AbstractStartedContainer {
  private networkStopped = false;

  constructor(
    started: StartedTestContainer,
    private readonly cluster: ClusterParts,
  ) {
    super(started);
  }

  /** A kubeconfig for this cluster from the host: its credentials, its server at the mapped port. */
  getKubeConfig(): string {
    return withServer(this.cluster.kubeconfig, this.cluster.apiHost, this.getMappedPort(API_PORT));
  }

  getApiServerUrl(): string {
    const server = /server:\s*(\S+)/.exec(this.cluster.kubeconfig)?.[1] ?? 'http://127.0.0.1';
    return serverAt(server, this.cluster.apiHost, this.getMappedPort(API_PORT));
  }

  /** node-1 (this container's), node-2, ... */
  getNodeNames(): string[] {
    return [...this.cluster.nodeNames];
  }

  /** The container of a node: this one for node-1. */
  getNodeContainer(node: string): StartedTestContainer {
    const i = this.cluster.nodeNames.indexOf(node);
    if (i < 0) throw new Error(`no node ${node} in this cluster (${this.cluster.nodeNames.join(', ')})`);
    return i === 0 ? this : this.cluster.nodes[i - 1];
  }

  /** mkctl (minik8s's kubectl) in the container, with the cluster's kubeconfig. */
  kubectl(...args: string[]): Promise<ExecResult> {
    return this.exec(['node', '/app/kubectl/dist/main.js', '--kubeconfig', KUBECONFIG_PATH, ...args]);
  }

  /** The last lines of a component's log (default node: node-1). */
  async componentLogs(component: LogSource, opts: { node?: string; tail?: number } = {}): Promise<string> {
    const container = this.getNodeContainer(opts.node ?? this.cluster.nodeNames[0]);
    const path = component === 'dockerd' ? '/var/log/dockerd.log' : `${LOG_DIR}/${component}.log`;
    return tailFile(this.dockerContainer(container), path, opts.tail ?? 100);
  }

  /**
   * Host images into every node's Docker engine, so pods use them by the same name (image: myapp:dev;
   * the kubelet prefers local images, there is no registry to pull from).
   */
  async loadImage(...images: string[]): Promise<void> {
    const docker = this.cluster.client.container.dockerode;
    for (const image of images) {
      try {
        await docker.getImage(image).inspect();
      } catch (e) {
        throw new Error(`loadImage(${JSON.stringify(image)}): the Docker engine has no such image (docker images lists them)`, { cause: e });
      }
    }
    for (const image of images) await Promise.all(this.cluster.nodeNames.map((n) => this.loadInto(docker, this.getNodeContainer(n), image, n)));
  }

  private async loadInto(docker: Dockerode, node: StartedTestContainer, image: string, nodeName: string): Promise<void> {
    const dir = `/tmp/minik8s-load-${randomBytes(4).toString('hex')}`;
    await node.exec(['mkdir', '-p', dir]);
    // docker save writes a tar; the archive API unpacks it in the node, which packs it again for docker load
    await node.copyArchiveToContainer((await docker.getImage(image).get()) as unknown as Readable, dir);
    const r = await node.exec(['sh', '-c', `tar -C ${dir} -c . | docker load -q; s=$?; rm -rf ${dir}; exit $s`]);
    if (r.exitCode !== 0) throw new Error(`loading ${image} into ${nodeName} failed: ${r.output.trim()}`);
  }

  private dockerContainer(c: StartedTestContainer): Dockerode.Container {
    return this.cluster.client.container.getById(c.getId());
  }

  /** Stops and removes every node, then the network. */
  override async stop(options?: Partial<StopOptions>): Promise<StoppedTestContainer> {
    await Promise.all(this.cluster.nodes.map((n) => n.stop(options)));
    const stopped = await super.stop(options);
    if (this.cluster.network && !this.networkStopped) {
      this.networkStopped = true;
      await this.cluster.network.stop();
    }
    return stopped;
  }
}
