// The kubelet: registers its Node, heartbeats, runs the pods bound to it on Docker (or, with --hollow,
// on the in-memory runtime), reports their status, and serves logs/exec/attach/stats on its API port.
import { createLogger, newGauge, newRegistry, onShutdown } from '@minik8s/shared';
import { parseFlags, USAGE } from './flags';
import { startHollowKubelet } from './hollow';
import { podMetrics, startKubelet } from './kubelet';
import { defaultHostname } from './node';
import { runtimeProber } from './pod/probes';
import { DockerRuntime } from './runtime/docker';
import type { KubeletServer } from './server/http';

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
  const registry = newRegistry('kubelet');
  const runningPods = newGauge(registry, 'kubelet_running_pods', 'Number of pods bound to this node');
  const common = { flags, nodeName, log, registry, metrics: podMetrics(registry), listen: async (s: KubeletServer) => (await s.listen(flags.port, flags.address), flags.port) };

  let kubelet;
  if (flags.hollow) {
    kubelet = await startHollowKubelet(common);
  } else {
    const runtime = new DockerRuntime({ endpoint: flags.containerRuntimeEndpoint, nodeName, podInfraImage: flags.podInfraContainerImage, defaultNetwork: flags.podNetwork, log });
    let runtimeVersion: string;
    // A node container starts its kubelet beside its dockerd: poll often (a local socket), log seldom.
    for (let attempt = 0; ; attempt++) {
      try {
        runtimeVersion = await runtime.version();
        break;
      } catch (e) {
        if (attempt % 40 === 0) log.warn({ err: (e as Error).message, endpoint: flags.containerRuntimeEndpoint }, 'container runtime not reachable; retrying');
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    let runtimeUp = true;
    setInterval(() => {
      runtime.version().then(
        () => (runtimeUp = true),
        () => (runtimeUp = false),
      );
    }, 10_000).unref();
    kubelet = await startKubelet({
      ...common,
      runtime,
      streams: runtime,
      runtimeVersion,
      healthy: () => runtimeUp,
      rootDir: flags.rootDir,
      hostRoot: '/',
      probe: runtimeProber(runtime),
      requirePodCIDR: flags.requirePodCIDR,
      // The pod network is made as soon as the podCIDR is known, not by the first pod's sandbox.
      onPodCIDR: (cidr) => runtime.preparePodNetwork(cidr).catch((e) => log.warn({ err: (e as Error).message, podCIDR: cidr }, 'pod network not created yet')),
    });
  }
  const pods = kubelet.pods;
  setInterval(() => runningPods.set(pods.pods().length), 5000).unref();
  log.info({ node: nodeName, port: flags.port, address: flags.address, hollow: flags.hollow }, 'kubelet started');

  onShutdown(() => kubelet.stop());
}

main().catch((e) => {
  console.error(`kubelet: ${(e as Error).stack ?? e}`);
  process.exit(1);
});
