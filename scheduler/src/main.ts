// kube-scheduler for minik8s: flags and config, health/metrics server, informers, leader election.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { ApiClient, EventRecorder, InformerFactory, LeaderElector, createLogger, newRegistry, onShutdown, startHealthServer } from '@minik8s/shared';
import { ConfigError, defaultConfig, loadConfig } from './config';
import { FlagError, parseFlags } from './flags';
import { Scheduler } from './scheduler';

async function main(): Promise<void> {
  const log = createLogger('kube-scheduler');
  let flags;
  let cfg;
  try {
    flags = parseFlags(process.argv.slice(2));
    cfg = flags.config ? loadConfig(flags.config) : defaultConfig();
  } catch (e) {
    if (e instanceof FlagError || e instanceof ConfigError) {
      process.stderr.write(`Error: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  // Flags given explicitly override the config file, as upstream.
  const le = { ...cfg.leaderElection };
  if (flags.leaderElect !== undefined) le.leaderElect = flags.leaderElect;
  if (flags.leaseDuration !== undefined) le.leaseDurationSeconds = flags.leaseDuration;
  if (flags.renewDeadline !== undefined) le.renewDeadlineSeconds = flags.renewDeadline;
  if (flags.retryPeriod !== undefined) le.retryPeriodSeconds = flags.retryPeriod;
  if (flags.resourceName) le.resourceName = flags.resourceName;
  if (flags.resourceNamespace) le.resourceNamespace = flags.resourceNamespace;

  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig ?? cfg.kubeconfig, server: flags.master, userAgent: 'kube-scheduler/minik8s' });
  const identity = `${hostname()}_${randomUUID()}`;
  const registry = newRegistry('kube-scheduler');
  const factory = new InformerFactory(client, log);
  const recorder = new EventRecorder(client, { component: 'default-scheduler', logger: log });
  const scheduler = new Scheduler({ client, factory, profiles: cfg.profiles, recorder, log, registry, parallelBinds: flags.parallelBinds });
  let elector: LeaderElector | undefined;
  let shuttingDown = false;

  const health = await startHealthServer({ host: flags.bindAddress, port: flags.securePort, registry, ready: () => factory.hasSynced() });
  log.info({ address: `${flags.bindAddress}:${health.port}`, identity, leaderElect: le.leaderElect }, 'serving /healthz and /metrics');
  onShutdown(async () => {
    shuttingDown = true;
    scheduler.stop();
    elector?.stop();
    await factory.stop();
    await health.close();
  });

  await client.waitForApiserver({ logger: log });
  await factory.start();
  log.info('informers synced');
  if (!le.leaderElect) return scheduler.run();
  elector = new LeaderElector(client, {
    namespace: le.resourceNamespace,
    name: le.resourceName,
    identity,
    leaseDurationSeconds: le.leaseDurationSeconds,
    renewDeadlineSeconds: le.renewDeadlineSeconds,
    retryPeriodSeconds: le.retryPeriodSeconds,
    logger: log,
  });
  await elector.run({
    onStartedLeading: () => scheduler.run(),
    onStoppedLeading: () => {
      if (shuttingDown) return;
      // As upstream: a scheduler that lost its lease exits and is restarted clean.
      log.error({ identity }, 'leaderelection lost');
      process.exit(1);
    },
    onNewLeader: (id) => log.info({ leader: id }, 'new leader elected'),
  });
}

main().catch((e) => {
  process.stderr.write(`kube-scheduler: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exit(1);
});
