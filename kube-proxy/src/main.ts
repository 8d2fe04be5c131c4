// kube-proxy: watches Services, EndpointSlices/Endpoints and Nodes and keeps the node's Service
// rules (nftables mode where the kernel supports it, else iptables; --proxy-mode picks one) and,
// with --sync-pod-routes, its pod routes in line with them.
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  ApiClient, EventRecorder, InformerFactory, R, createLogger, newCounter, newGauge, newHistogram, newRegistry, objectKey, onShutdown, startHealthServer,
  type core, type discovery, type Informer, type KubeObject,
} from '@minik8s/shared';
import { cleanupAll } from './cleanup';
import { IptablesCompanion } from './companion';
import { oncePerVersion } from './drops';
import { FlagError, hostPort, parseFlags, type Flags, type ProxyMode } from './flags';
import { Iptables } from './iptables';
import { cleanupIptables, IptablesBackend } from './iptables-backend';
import { NftBackend } from './nft-backend';
import { Nft } from './nftables';
import { PodRoutes } from './podnet';
import { Proxier, type ProxyBackend } from './proxier';
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

function proxyConfig(f: Flags, nodeName?: string): ProxyConfig {
  return { clusterCIDR: f.clusterCIDR, masqueradeAll: f.masqueradeAll, podNetworkCIDR: f.syncPodRoutes ? f.clusterCIDR : undefined, nodeName };
}

/** --proxy-mode, or nftables when this kernel and nft take our kind of table (upstream's default since 1.33 is still iptables). */
async function chooseMode(flags: Flags, nft: Nft): Promise<ProxyMode> {
  const unsupported = await nft.probe();
  if (flags.proxyMode === 'nftables' && unsupported) throw new Error(`--proxy-mode nftables: ${unsupported}`);
  if (flags.proxyMode) return flags.proxyMode;
  if (unsupported) log.info({ reason: unsupported }, 'nftables mode not available here: using iptables');
  return unsupported ? 'iptables' : 'nftables';
}

const iptablesWorks = async (ipt: Iptables) => (await ipt.exec('iptables', ['-w', '5', '-S', 'FORWARD'])).code === 0;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const ipt = new Iptables();
  const nft = new Nft();
  if (flags.cleanup) {
    log.info(await cleanupAll(ipt, nft, proxyConfig(flags)), 'removed kube-proxy rules, pod routes and the sink device');
    return;
  }
  const nodeName = flags.hostnameOverride ?? hostname();
  const config = proxyConfig(flags, nodeName);
  const mode = await chooseMode(flags, nft);
  setSysctl('net.ipv4.conf.all.route_localnet', '1');
  setSysctl('net.bridge.bridge-nf-call-iptables', '1');

  const registry = newRegistry('kube-proxy');
  const syncDuration = newHistogram(registry, 'kubeproxy_sync_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds');
  const fullDuration = newHistogram(registry, 'kubeproxy_sync_full_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for full resyncs');
  const partialDuration = newHistogram(registry, 'kubeproxy_sync_partial_proxy_rules_duration_seconds', 'SyncProxyRules latency in seconds for partial resyncs');
  const lastSync = newGauge(registry, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', 'The last time proxy rules were successfully synced');
  const droppedTotal = newCounter(registry, 'kubeproxy_dropped_objects_total', 'Objects left out of the proxy rules and pod routes because a value of theirs does not parse', ['kind']);
  let backend: ProxyBackend;
  let written: (n: number) => void;
  let failed: () => void;
  if (mode === 'iptables') {
    const rulesWritten = newGauge(registry, 'kubeproxy_sync_proxy_rules_iptables_last', 'Number of iptables rules written by the last sync');
    const rulesTotal = newCounter(registry, 'kubeproxy_sync_proxy_rules_iptables_written_total', 'Number of iptables rules written by all syncs');
    const failures = newCounter(registry, 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', 'Cumulative proxy iptables restore failures');
    written = (n) => (rulesWritten.set(n), rulesTotal.inc(n));
    failed = () => failures.inc();
    if (await nft.deleteTable().catch(() => false)) log.info('removed the nftables mode\'s table');
    backend = new IptablesBackend(ipt, config);
  } else {
    const failures = newCounter(registry, 'kubeproxy_sync_proxy_rules_nftables_sync_failures_total', 'Cumulative proxy nftables sync failures');
    const cleanupFailures = newCounter(registry, 'kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total', 'Cumulative proxy nftables cleanup failures');
    const elements = newGauge(registry, 'kubeproxy_sync_proxy_rules_nftables_last', 'Number of nftables rules and map elements written by the last sync');
    written = (n) => elements.set(n);
    failed = () => failures.inc();
    let companion: IptablesCompanion | undefined;
    if (await iptablesWorks(ipt)) {
      const removed = await cleanupIptables(ipt, config, IptablesCompanion.CHAINS);
      if (removed) log.info({ chains: removed }, 'removed the iptables mode\'s chains');
      companion = new IptablesCompanion(ipt, config);
    } else if (flags.syncPodRoutes) {
      throw new Error('--sync-pod-routes needs iptables (its masquerade and forward rules sit beside Docker\'s)');
    } else {
      log.info('no iptables here: forwarded Service traffic relies on the host accepting it');
    }
    backend = new NftBackend({ nft, config, logger: log, companion, onCleanupError: () => cleanupFailures.inc() });
  }
  log.info({ mode }, 'proxy mode');

  const proxier = new Proxier({
    backend,
    minSyncPeriodMs: flags.minSyncPeriodMs,
    syncPeriodMs: flags.syncPeriodMs,
    logger: log,
    onSync: (s) => {
      syncDuration.observe(s.durationMs / 1000);
      (s.full ? fullDuration : partialDuration).observe(s.durationMs / 1000);
      lastSync.set(Date.now() / 1000);
      written(s.rules);
    },
    onError: () => failed(),
    onDrop: (d) => reportDrop(d),
  });

  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: 'kube-proxy' });
  const recorder = new EventRecorder(client, { component: 'kube-proxy', host: nodeName, logger: log });
  /** An object left out of the rules (both modes) or the pod routes: a log line, a Warning Event on it, the metric. */
  const reportDrop = oncePerVersion((d) => {
    const what = `${d.kind} ${d.namespace ? `${d.namespace}/` : ''}${d.name}`;
    const outOf = d.kind === 'Node' ? 'its pod routes' : `its ${mode} rules`;
    log.warn({ kind: d.kind, object: `${d.namespace ?? ''}/${d.name}`, reason: d.reason }, `object left out of ${outOf}`);
    droppedTotal.inc({ kind: d.kind });
    const ref = { kind: d.kind, apiVersion: d.kind === 'EndpointSlice' ? 'discovery.k8s.io/v1' : 'v1', namespace: d.namespace, name: d.name, uid: d.uid };
    void recorder.event(ref, 'Warning', 'InvalidValue', `kube-proxy on ${nodeName} left ${what} out of ${outOf}: ${d.reason}`);
  });
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
  await client.waitForApiserver({ logger: log });
  await factory.start();
  log.info({ node: nodeName, mode, clusterCIDR: flags.clusterCIDR, podRoutes: flags.syncPodRoutes }, 'informers synced; starting proxy');
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
