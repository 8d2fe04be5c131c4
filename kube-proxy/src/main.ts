// kube-proxy (iptables mode): watches Services, EndpointSlices/Endpoints and Nodes and keeps the
// node's iptables rules (and, with --sync-pod-routes, its pod routes) in line with them.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  ApiClient, EventRecorder, InformerFactory, R, createLogger, newCounter, newGauge, newHistogram, newRegistry, objectKey, onShutdown, startHealthServer,
  type core, type discovery, type Informer, type KubeObject,
} from '@minik8s/shared';
import { FlagError, hostPort, parseFlags, type Flags } from './flags';
import { Iptables } from './iptables';
import { PodRoutes, cleanupPodNetwork } from './podnet';
import type { Dropped } from './checks';
import { Proxier, cleanup } from './proxier';
import type { ProxyConfig } from './rules';

const log = createLogger('kube-proxy');

function setSysctl(path: string, value: string): void {
  try {
    writeFileSync(`/proc/sys/${path.replace(/\./g, '/')}`, value);
    log.info({ sysctl: path, value }, 'set sysctl');
  } catch (e) {
    log.warn({ sysctl: path, err: String(e) }, 'could not set sysctl (continuing)');
  }
}

function proxyConfig(f: Flags): ProxyConfig {
  return { clusterCIDR: f.clusterCIDR, masqueradeAll: f.masqueradeAll, podNetworkCIDR: f.syncPodRoutes ? f.clusterCIDR : undefined };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const ipt = new Iptables();
  if (flags.cleanup) {
    const n = await cleanup(ipt, proxyConfig(flags));
    await cleanupPodNetwork();
    log.info({ chains: n }, 'removed kube-proxy rules, pod routes and the sink device');
    return;
  }
  const nodeName = flags.hostnameOverride ?? hostname();
  setSysctl('net.ipv4.conf.all.route_localnet', '1');
  setSysctl('net.bridge.bridge-nf-call-iptables', '1');

  const registry = newRegistry('kube-proxy');
  const syncDuration = newHistogram(registry, 'kubeproxy_sync_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds', ['full']);
  const lastSync = newGauge(registry, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', 'The last time proxy rules were successfully synced');
  const rulesWritten = newGauge(registry, 'kubeproxy_sync_proxy_rules_iptables_last', 'Number of iptables rules written by the last sync');
  const rulesTotal = newCounter(registry, 'kubeproxy_sync_proxy_rules_iptables_written_total', 'Number of iptables rules written by all syncs');
  const failures = newCounter(registry, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', 'Cumulative proxy iptables restore failures');
  const droppedTotal = newCounter(registry, 'kubeproxy_dropped_objects_total', 'Objects left out of the proxy rules and pod routes because a value of theirs does not parse', ['kind']);

  const proxier = new Proxier({
    iptables: ipt,
    config: proxyConfig(flags),
    minSyncPeriodMs: flags.minSyncPeriodMs,
    syncPeriodMs: flags.syncPeriodMs,
    logger: log,
    onSync: (s) => {
      syncDuration.observe({ full: String(s.full) }, s.durationMs / 1000);
      lastSync.set(Date.now() / 1000);
      rulesWritten.set(s.rules);
      rulesTotal.inc(s.rules);
    },
    onError: () => failures.inc(),
    onDrop: (d) => reportDrop(d),
  });

  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: 'kube-proxy' });
  const recorder = new EventRecorder(client, { component: 'kube-proxy', host: nodeName, logger: log });
  function reportDrop(d: Dropped): void {
    droppedTotal.inc({ kind: d.kind });
    const ref = { kind: d.kind, apiVersion: d.kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1', namespace: d.namespace, name: d.name, uid: d.uid };
    void recorder.event(ref, 'Warning', 'InvalidValue', `kube-proxy on ${nodeName} left ${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name} out of its rules: ${d.reason}`);
  }
  const factory = new InformerFactory(client, log);
  const services = factory.informer<core.Service & KubeObject>(R.services);
  const slices = factory.informer<discovery.EndpointSlice & KubeObject>(R.endpointslices);
  const endpoints = factory.informer<core.Endpoints & KubeObject>(R.endpoints);
  const nodes = factory.informer<core.Node & KubeObject>(R.nodes);
  const wire = <T extends KubeObject>(inf: Informer<T>, set: (key: string, o: T | undefined) => void) =>
    inf.addEventHandler({
      onAdd: (o) => set(objectKey(o), o),
      onUpdate: (_, o) => set(objectKey(o), o),
      onDelete: (o) => set(objectKey(o), undefined),
    });
  wire(services, (k, o) => proxier.setService(k, o));
  wire(slices, (k, o) => proxier.setEndpointSlice(k, o));
  wire(endpoints, (k, o) => proxier.setEndpoints(k, o));

  if (flags.syncPodRoutes) {
    const routes = new PodRoutes(nodeName, log);
    await routes.ensureSink([flags.serviceClusterIPRange, flags.clusterCIDR!]);
    let chain = Promise.resolve();
    const resync = () => {
      chain = chain.then(() => routes.sync(nodes.store.list(), reportDrop)).catch((e) => log.error({ err: String(e) }, 'pod route sync failed'));
    };
    nodes.addEventHandler({ onAdd: resync, onUpdate: resync, onDelete: resync });
  }

  const healthy = () => proxier.lastSyncTime > 0 && Date.now() - proxier.lastSyncTime < 2 * flags.syncPeriodMs + 60_000;
  const hz = hostPort(flags.healthzBindAddress, 'healthz-bind-address');
  const mt = hostPort(flags.metricsBindAddress, 'metrics-bind-address');
  const servers = [await startHealthServer({ ...hz, registry, healthy, ready: healthy })];
  if (mt.port !== hz.port || mt.host !== hz.host) servers.push(await startHealthServer({ ...mt, registry, healthy }));

  onShutdown(async () => {
    proxier.stop();
    await factory.stop();
    await Promise.all(servers.map((s) => s.close()));
  });
  await factory.start();
  log.info({ node: nodeName, clusterCIDR: flags.clusterCIDR, podRoutes: flags.syncPodRoutes }, 'informers synced; starting proxy');
  proxier.start();
}

main().catch((e) => {
  if (e instanceof FlagError) {
    process.stderr.write(`kube-proxy: ${e.message}\n`);
    process.exit(2);
  }
  log.error({ err: String(e) }, 'kube-proxy failed');
  process.exit(1);
});
