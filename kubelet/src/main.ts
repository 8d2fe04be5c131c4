// The kubelet: registers its Node, heartbeats, runs the pods bound to it on Docker, reports their
// status, and serves logs/exec/attach/stats on its API port.
import { ApiClient, EventRecorder, InformerFactory, createLogger, newRegistry, newGauge, newHistogram, onShutdown } from '@minik8s/shared';
import { parseFlags, parseLabels, USAGE } from './flags';
import { NodeAgent, defaultHostname, hostCapacity, parseResourceList } from './node';
import { DockerRuntime } from './runtime/docker';
import { PodManager } from './pod/manager';
import { HollowPods } from './hollow';
import { KubeletServer } from './server/http';
import { KubeletAuth } from './server/auth';
import { servingTls, startHealthz } from './server/serving';

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseFlags(process.argv.slice(2));
  } catch (e) {
    console.error(`kubelet: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const log = createLogger('kubelet');
  const nodeName = (flags.hostnameOverride ?? defaultHostname()).toLowerCase();
  const nodeIP = flags.nodeIP ?? '127.0.0.1';
  const reserved = { ...parseResourceList(flags.kubeReserved), ...parseResourceList(flags.systemReserved) };
  const capacity = hostCapacity(flags.maxPods, parseResourceList(flags.capacity));
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: `kubelet/v1.32.0 (${nodeName})` });
  const registry = newRegistry('kubelet');
  const runningPods = newGauge(registry, 'kubelet_running_pods', 'Number of pods bound to this node');
  const factory = new InformerFactory(client, log);
  const recorder = new EventRecorder(client, { component: 'kubelet', host: nodeName });

  let runtime: DockerRuntime | undefined;
  let runtimeVersion = 'hollow';
  let runtimeUp = true;
  if (!flags.hollow) {
    runtime = new DockerRuntime(flags.containerRuntimeEndpoint, nodeName, log);
    for (;;) {
      try {
        runtimeVersion = await runtime.version();
        break;
      } catch (e) {
        log.warn({ err: (e as Error).message, endpoint: flags.containerRuntimeEndpoint }, 'container runtime not reachable; retrying');
        await new Promise((r) => setTimeout(r, 2000));
      }
    }
    setInterval(() => {
      runtime!.version().then(
        () => (runtimeUp = true),
        () => (runtimeUp = false),
      );
    }, 10_000).unref();
  }

  const node = new NodeAgent(
    client,
    {
      name: nodeName,
      ip: nodeIP,
      port: flags.port,
      labels: parseLabels(flags.nodeLabels),
      capacity,
      reserved,
      runtimeVersion,
      statusFrequencyMs: flags.nodeStatusUpdateFrequencySeconds * 1000,
      leaseDurationSeconds: 40,
      fallbackPodCIDR: flags.podCIDR,
      // Hollow nodes start no sandboxes: they never wait for a pod network.
      requirePodCIDR: flags.requirePodCIDR && !flags.hollow,
    },
    log,
    () => runtimeUp,
    runtime ? () => runtime!.images() : undefined,
  );
  const podCIDR = () => node.cidr();
  node.watchOwnNode(factory);

  let pods: () => import('./kinds').Pod[];
  let stopPods: () => void;
  if (runtime) {
    const mgr = new PodManager({
      client,
      factory,
      runtime,
      recorder,
      log,
      nodeName,
      nodeIP,
      rootDir: flags.rootDir,
      podInfraImage: flags.podInfraContainerImage,
      clusterDNS: flags.clusterDNS,
      clusterDomain: flags.clusterDomain,
      podCIDR,
      networkError: () => node.networkError(),
      defaultNetwork: flags.podNetwork,
      preferLocalImages: flags.preferLocalImages,
      syncFrequencyMs: flags.syncFrequencySeconds * 1000,
      workers: 10,
      metrics: {
        podStart: newHistogram(registry, 'kubelet_pod_start_duration_seconds', 'Duration from the kubelet first seeing a pod to it running', [], [0.25, 0.5, 1, 2, 3, 5, 8, 15, 30, 60, 120]),
        syncDuration: newHistogram(registry, 'kubelet_pod_worker_duration_seconds', 'Duration of one pod sync'),
      },
    });
    // The pod network is made as soon as the podCIDR is known, not by the first pod's sandbox.
    const prepareNetwork = () => {
      const cidr = node.cidr();
      if (cidr) runtime!.ensureNetwork(cidr, flags.podNetwork).catch((e) => log.warn({ err: (e as Error).message, podCIDR: cidr }, 'pod network not created yet'));
    };
    node.onPodCIDR(() => {
      prepareNetwork();
      mgr.resyncAll();
    });
    pods = () => mgr.pods();
    stopPods = () => mgr.stop();
    await node.register();
    prepareNetwork();
    await factory.start();
    await mgr.start();
  } else {
    const hollow = new HollowPods(client, factory, nodeName, nodeIP, podCIDR, log);
    pods = () => hollow.informer.store.list();
    stopPods = () => hollow.stop();
    await node.register();
    await factory.start();
    hollow.start();
  }
  setInterval(() => runningPods.set(pods().length), 5000).unref();

  const tls = await servingTls({ ...flags, certDir: flags.hollow ? '' : flags.certDir }, [nodeName], [nodeIP]);
  const auth = new KubeletAuth({
    nodeName,
    x509: !!tls.clientCa,
    anonymous: flags.anonymousAuth,
    tokenWebhook: flags.authenticationTokenWebhook,
    authorizationMode: flags.authorizationMode,
    client,
    log,
  });
  const server = new KubeletServer({ nodeName, runtime, registry, log, pods: () => pods(), healthy: () => runtimeUp, tls, auth });
  await server.listen(flags.port, flags.address);
  const healthz = flags.healthzPort > 0 ? await startHealthz(flags.healthzPort, flags.healthzBindAddress, () => runtimeUp) : undefined;
  log.info({ node: nodeName, port: flags.port, address: flags.address, hollow: flags.hollow, runtime: runtimeVersion }, 'kubelet started');

  onShutdown(async () => {
    server.close();
    healthz?.close();
    node.stop();
    stopPods();
    await factory.stop();
  });
}

main().catch((e) => {
  console.error(`kubelet: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
