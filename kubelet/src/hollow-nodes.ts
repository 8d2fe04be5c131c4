// kubemark in one process: `node kubelet/dist/hollow-nodes.js --count N [kubelet flags]` runs N hollow
// nodes, each what `kubelet --hollow` is — its own API client, Node, Lease and status loops, pod
// watch (spec.nodeName=<node>), the kubelet's pod workers over an in-memory runtime, and a kubelet
// API port (HTTPS, authenticated) — so the apiserver sees the same traffic as from N processes. Upstream
// runs hollow nodes on machines apart from the control plane; on one small machine N Node.js runtimes
// (≈4 ms/s of idle CPU and seconds of start-up each) would compete with the control plane being
// measured. Nodes are named <--hostname-override, default "hollow">-000, -001, ... and listen on free
// ports of --address. They share the --kubeconfig, so the apiserver sees one client identity for all
// of them (as kubemark's shared kubeconfig), and one serving certificate.
import { createLogger, freePort, newRegistry, onShutdown, type Logger, type Registry } from '@minik8s/shared';
import { parseFlags, type KubeletFlags } from './flags';
import { hollowNodeName, parseHollowNodesArgs, startHollowKubelet } from './hollow';
import { podMetrics } from './kubelet';
import type { KubeletServer } from './server/http';
import { servingTls, type ServingTls } from './server/serving';

/** Listen on a free port; another socket can take a probed port before we bind it, so retry. */
async function listenOnFreePort(server: KubeletServer, host: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(host);
    try {
      await server.listen(port, host);
      return port;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw e;
    }
  }
}

async function startNode(
  name: string,
  flags: KubeletFlags,
  log: Logger,
  registry: Registry,
  tls: ServingTls,
  metrics: ReturnType<typeof podMetrics>,
): Promise<() => Promise<void>> {
  const kubelet = await startHollowKubelet({
    flags,
    nodeName: name,
    log,
    registry,
    tls,
    metrics,
    listen: (server) => listenOnFreePort(server, flags.address),
  });
  return () => kubelet.stop();
}

async function main(): Promise<void> {
  let count: number;
  let flags: KubeletFlags;
  try {
    const args = parseHollowNodesArgs(process.argv.slice(2));
    count = args.count;
    flags = parseFlags(args.kubelet);
  } catch (e) {
    process.stderr.write(`hollow-nodes: ${(e as Error).message}\nUsage: node kubelet/dist/hollow-nodes.js --count N [kubelet flags]\n`);
    process.exit(2);
  }
  const log = createLogger('kubelet');
  // One registry (and one set of pod metrics) for the process: each would otherwise sample the event loop on its own.
  const registry = newRegistry('kubelet');
  const metrics = podMetrics(registry);
  const prefix = (flags.hostnameOverride ?? 'hollow').toLowerCase();
  const stops: (() => Promise<void>)[] = [];
  onShutdown(async () => {
    await Promise.all(stops.map((s) => s()));
  });
  // One serving certificate for every hollow node of the process (nobody dials them by name).
  const tls = await servingTls({ ...flags, certDir: '' }, [prefix], [flags.nodeIP ?? '127.0.0.1']);
  // A few at a time: registration is a handful of requests per node.
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(count, 10) }, async () => {
      while (next < count) {
        const name = hollowNodeName(prefix, next++);
        stops.push(await startNode(name, flags, log, registry, tls, metrics));
      }
    }),
  );
  log.info({ count, prefix }, 'hollow nodes started');
}

main().catch((e) => {
  process.stderr.write(`hollow-nodes: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
