// kube-controller-manager for minik8s: flags as upstream, leader election on the Lease
// kube-system/kube-controller-manager, /healthz and /metrics on --secure-port (plain HTTP).
import { ApiClient, createLogger, LeaderElector, newGauge, newRegistry, onShutdown, startHealthServer } from '@minik8s/shared';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { COMPONENT, ControllerManager } from './manager';
import { parseOptions, type Options } from './options';

async function main(): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`Error: ${(e as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(COMPONENT);
  const client = ApiClient.fromKubeconfig({ path: options.kubeconfig, server: options.master, userAgent: `${COMPONENT}/minik8s` });
  const registry = newRegistry(COMPONENT);
  const leaderGauge = newGauge(registry, 'leader_election_master_status', 'Whether this instance is the leader (1) or not (0).', ['name']);
  leaderGauge.set({ name: COMPONENT }, 0);

  const health = await startHealthServer({ host: options.bindAddress, port: options.securePort, registry });
  log.info({ address: `${options.bindAddress}:${health.port}`, server: client.server }, 'serving /healthz and /metrics');

  let manager: ControllerManager | undefined;
  let elector: LeaderElector | undefined;
  let electing: Promise<void> | undefined;
  let shuttingDown = false;
  const lead = async () => {
    leaderGauge.set({ name: COMPONENT }, 1);
    manager = new ControllerManager(client, options, log);
    await manager.run();
  };
  onShutdown(async () => {
    shuttingDown = true;
    elector?.stop();
    await manager?.stop();
    await electing; // releases the lease so a standby takes over at once
    await health.close();
  });

  await client.waitForApiserver({ logger: log });
  if (!options.leaderElect) return lead();
  const identity = `${hostname()}_${randomUUID()}`;
  elector = new LeaderElector(client, {
    namespace: 'kube-system',
    name: COMPONENT,
    identity,
    leaseDurationSeconds: options.leaderElectLeaseDuration,
    renewDeadlineSeconds: options.leaderElectRenewDeadline,
    retryPeriodSeconds: options.leaderElectRetryPeriod,
    logger: log,
  });
  electing = elector.run({
    onStartedLeading: () => {
      log.info({ identity }, 'became leader');
      lead().catch((e) => {
        log.error({ err: e }, 'controller manager failed');
        process.exit(1);
      });
    },
    onStoppedLeading: () => {
      if (shuttingDown) return;
      // As upstream: a controller-manager that lost its lease exits and is restarted fresh.
      log.error({ identity }, 'leader election lost');
      process.exit(1);
    },
    onNewLeader: (who) => log.info({ leader: who }, 'new leader elected'),
  });
  await electing;
}

main().catch((e) => {
  process.stderr.write(`kube-controller-manager: ${(e as Error)?.stack ?? e}\n`);
  process.exit(1);
});
