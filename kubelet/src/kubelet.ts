// One kubelet over a container runtime: its Node and Lease, the pod workers, and the kubelet API.
// main.ts runs one on Docker (or, with --hollow, on the in-memory runtime); hollow-nodes.ts runs
// many in one process.
import { ApiClient, EventRecorder, InformerFactory, R, newHistogram, type Logger, type Registry } from '@minik8s/shared';
import type { Service } from './kinds';
import type { KubeletFlags } from './flags';
import { parseLabels } from './flags';
import { NodeAgent, hostCapacity, parseResourceList } from './node';
import { apiPodApi } from './pod/api';
import type { PodManagerOptions } from './pod/context';
import { PodManager, nodePods } from './pod/manager';
import type { ProbeRunner } from './pod/probes';
import type { DockerRuntime } from './runtime/docker';
import type { ContainerRuntime } from './runtime/runtime';
import { KubeletServer } from './server/http';

export interface KubeletDeps {
  flags: KubeletFlags;
  nodeName: string;
  runtime: ContainerRuntime;
  /** What the kubelet API streams logs, exec, attach and port-forward from (none on hollow nodes). */
  streams?: DockerRuntime;
  runtimeVersion: string;
  /** The runtime answers (Ready condition, /healthz). */
  healthy(): boolean;
  rootDir: string;
  hostRoot: string;
  probe: ProbeRunner;
  requirePodCIDR: boolean;
  log: Logger;
  registry: Registry;
  metrics?: PodManagerOptions['metrics'];
  /** Listen on --port (a hollow node: a free port); resolves with the port. */
  listen(server: KubeletServer): Promise<number>;
  /** The podCIDR is known or changed (Docker makes the pod network then). */
  onPodCIDR?(cidr: string): void;
}

export interface Kubelet {
  pods: PodManager;
  port: number;
  stop(): Promise<void>;
}

/** The kubelet's pod start and sync histograms (one set per registry). */
export function podMetrics(registry: Registry): NonNullable<PodManagerOptions['metrics']> {
  return {
    podStart: newHistogram(registry, 'kubelet_pod_start_duration_seconds', 'Duration from the kubelet first seeing a pod to it running', [], [0.25, 0.5, 1, 2, 3, 5, 8, 15, 30, 60, 120]),
    syncDuration: newHistogram(registry, 'kubelet_pod_worker_duration_seconds', 'Duration of one pod sync'),
  };
}

export async function startKubelet(d: KubeletDeps): Promise<Kubelet> {
  const { flags, nodeName, runtime, log } = d;
  const nodeIP = flags.nodeIP ?? '127.0.0.1';
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: `kubelet/v1.32.0 (${nodeName})` });
  const factory = new InformerFactory(client, log);
  const recorder = new EventRecorder(client, { component: 'kubelet', host: nodeName, logger: log });
  const informer = nodePods(factory, nodeName);
  const server = new KubeletServer({ nodeName, runtime: d.streams, registry: d.registry, log, pods: () => informer.store.list(), healthy: d.healthy });
  const port = await d.listen(server);
  const node = new NodeAgent(
    client,
    {
      name: nodeName,
      ip: nodeIP,
      port,
      labels: parseLabels(flags.nodeLabels),
      capacity: hostCapacity(flags.maxPods, parseResourceList(flags.capacity)),
      reserved: { ...parseResourceList(flags.kubeReserved), ...parseResourceList(flags.systemReserved) },
      runtimeVersion: `${runtime.type}://${d.runtimeVersion}`,
      statusFrequencyMs: flags.nodeStatusUpdateFrequencySeconds * 1000,
      leaseDurationSeconds: 40,
      fallbackPodCIDR: flags.podCIDR,
      requirePodCIDR: d.requirePodCIDR,
    },
    log,
    d.healthy,
    () => runtime.listImages(50),
  );
  const pods = new PodManager({
    pods: informer,
    api: apiPodApi(client, factory.informer<Service>(R.services), nodeName),
    runtime,
    recorder,
    log,
    nodeName,
    nodeIP,
    rootDir: d.rootDir,
    hostRoot: d.hostRoot,
    clusterDNS: flags.clusterDNS,
    clusterDomain: flags.clusterDomain,
    podCIDR: () => node.cidr(),
    networkError: () => node.networkError(),
    preferLocalImages: flags.preferLocalImages,
    syncFrequencyMs: flags.syncFrequencySeconds * 1000,
    workers: 10,
    probe: d.probe,
    metrics: d.metrics,
  });
  const podCIDR = () => {
    const cidr = node.cidr();
    if (cidr) d.onPodCIDR?.(cidr);
  };
  node.onPodCIDR(() => {
    podCIDR();
    pods.resyncAll();
  });
  node.watchOwnNode(factory);
  await client.waitForApiserver({ logger: log });
  await node.register();
  podCIDR();
  await factory.start();
  await pods.start();
  return {
    pods,
    port,
    async stop() {
      server.close();
      node.stop();
      pods.stop();
      await factory.stop();
      client.close();
    },
  };
}
