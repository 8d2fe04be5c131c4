// kubemark in one process: `node kubelet/dist/hollow-nodes.js --count N [kubelet flags]` runs N hollow
// nodes, each with what `kubelet --hollow` has — its own API client, Node, Lease and status loops, pod
// watch (spec.nodeName=<node>) and kubelet API port — so the apiserver sees the same traffic as from N
// processes. Upstream runs hollow nodes on machines apart from the control plane; on one small machine
// N Node.js runtimes (≈4 ms/s of idle CPU and seconds of start-up each) would compete with the
// control plane being measured. Nodes are named <--hostname-override, default "hollow">-000, -001, ...
// and listen on free ports of --address.
import { ApiClient, InformerFactory, createLogger, freePort, newRegistry, onShutdown, type Logger, type Registry } from '@minik8s/shared';
import { parseFlags, parseLabels, type KubeletFlags } from './flags';
import { HollowPods, hollowNodeName, parseHollowNodesArgs } from './hollow';
import { NodeAgent, hostCapacity, parseResourceList } from './node';
import { KubeletServer } from './server/http';
import { KubeletAuth } from './server/auth';
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

async function startNode(name: string, flags: KubeletFlags, log: Logger, registry: Registry, tls: ServingTls): Promise<() => Promise<void>> {
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: `kubelet/v1.32.0 (${name})` });
  const factory = new InformerFactory(client, log);
  const ip = flags.nodeIP ?? '127.0.0.1';
  let cidr: () => string | undefined = () => undefined;
  const pods = new HollowPods(client, factory, name, ip, () => cidr(), log);
  const auth = new KubeletAuth({ nodeName: name, x509: !!tls.clientCa, anonymous: flags.anonymousAuth, tokenWebhook: flags.authenticationTokenWebhook, authorizationMode: flags.authorizationMode, client, log });
  const server = new KubeletServer({ nodeName: name, registry, log, pods: () => pods.informer.store.list(), healthy: () => true, tls, auth });
  const port = await listenOnFreePort(server, flags.address);
  const node = new NodeAgent(
    client,
    {
      name,
      ip,
      port,
      labels: parseLabels(flags.nodeLabels),
      capacity: hostCapacity(flags.maxPods, parseResourceList(flags.capacity)),
      reserved: { ...parseResourceList(flags.kubeReserved), ...parseResourceList(flags.systemReserved) },
      runtimeVersion: 'hollow',
      statusFrequencyMs: flags.nodeStatusUpdateFrequencySeconds * 1000,
      leaseDurationSeconds: 40,
      fallbackPodCIDR: flags.podCIDR,
      requirePodCIDR: false,
    },
    log,
    () => true,
  );
  cidr = () => node.cidr();
  node.watchOwnNode(factory);
  await node.register();
  await factory.start();
  pods.start();
  return async () => {
    server.close();
    node.stop();
    pods.stop();
    await factory.stop();
    client.close();
  };
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
  // One registry for the process: each would otherwise sample the event loop on its own.
  const registry = newRegistry('kubelet');
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
        stops.push(await startNode(name, flags, log, registry, tls));
      }
    }),
  );
  log.info({ count, prefix }, 'hollow nodes started');
}

main().catch((e) => {
  process.stderr.write(`hollow-nodes: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
