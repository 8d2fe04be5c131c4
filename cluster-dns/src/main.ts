// cluster-dns: the cluster's DNS add-on. Watches Services, EndpointSlices and Endpoints and answers
// for the cluster domain over UDP and TCP; /healthz, /readyz and /metrics on --health-port.
import {
  ApiClient,
  InformerFactory,
  R,
  createLogger,
  newCounter,
  newRegistry,
  onShutdown,
  startHealthServer,
  type core,
  type discovery,
  type KubeObject,
} from '@minik8s/shared';
import { FlagError, parseFlags } from './flags';
import { buildIndex, type DnsIndex } from './records';
import { startDnsServer } from './server';

const log = createLogger('cluster-dns');

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const config = { domain: flags.clusterDomain, ttl: flags.ttl };
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: 'cluster-dns' });
  const factory = new InformerFactory(client, log);
  const services = factory.informer<core.Service & KubeObject>(R.services);
  const slices = factory.informer<discovery.EndpointSlice & KubeObject>(R.endpointslices);
  const endpoints = factory.informer<core.Endpoints & KubeObject>(R.endpoints);

  // Rebuilt lazily on the first query after any change.
  let index: DnsIndex | undefined;
  const dirty = () => (index = undefined);
  for (const inf of [services, slices, endpoints] as const) {
    (inf as typeof services).addEventHandler({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
  }
  const current = () => (index ??= buildIndex(services.store.list(), slices.store.list(), endpoints.store.list()));

  const registry = newRegistry('cluster-dns');
  const queries = newCounter(registry, 'coredns_dns_responses_total', 'DNS responses by rcode and protocol', ['rcode', 'proto']);
  let serving = false;
  const health = await startHealthServer({
    host: flags.bindAddress,
    port: flags.healthPort,
    registry,
    ready: () => serving && factory.hasSynced(),
  });
  await factory.start();
  const server = await startDnsServer({
    host: flags.bindAddress,
    port: flags.port,
    config,
    index: current,
    onQuery: (s) => queries.inc({ rcode: s.rcode, proto: s.proto }),
  });
  serving = true;
  log.info({ port: server.udpPort, domain: config.domain, health: health.port }, 'serving DNS');
  onShutdown(async () => {
    await server.close();
    await factory.stop();
    await health.close();
  });
}

main().catch((e) => {
  if (e instanceof FlagError) {
    process.stderr.write(`cluster-dns: ${e.message}\n`);
    process.exit(2);
  }
  log.error({ err: String(e) }, 'cluster-dns failed');
  process.exit(1);
});
