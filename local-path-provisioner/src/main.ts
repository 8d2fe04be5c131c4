// The local-path provisioner add-on: one instance per node (a DaemonSet with the storage root of its node
// mounted at the same path), making and removing that node's volumes for the classes naming it.
import { ApiClient, EventRecorder, InformerFactory, createLogger, newCounter, newRegistry, onShutdown, startHealthServer } from '@minik8s/shared';
import { FlagError, parseFlags } from './flags';
import { ensureRoot } from './fs';
import { LocalPathProvisioner } from './provisioner';

const log = createLogger('local-path-provisioner');

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  await ensureRoot(flags.root);
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: `local-path-provisioner (${flags.nodeName})` });
  const factory = new InformerFactory(client, log);
  const recorder = new EventRecorder(client, { component: flags.provisionerName, host: flags.nodeName, logger: log });
  const registry = newRegistry('local-path-provisioner');
  const metrics = {
    provisioned: newCounter(registry, 'local_path_provisioned_volumes_total', 'Claims provisioned (or refused) by result', ['result']),
    deleted: newCounter(registry, 'local_path_deleted_volumes_total', 'Volumes deleted (or refused) by result', ['result']),
  };
  const provisioner = new LocalPathProvisioner({ client, factory, recorder, log, me: { provisioner: flags.provisionerName, node: flags.nodeName, root: flags.root }, metrics });
  const health = await startHealthServer({ host: flags.bindAddress, port: flags.healthPort, registry, ready: () => factory.hasSynced() });
  await factory.start();
  void provisioner.run();
  log.info({ node: flags.nodeName, root: flags.root, provisioner: flags.provisionerName, health: health.port }, 'provisioning local volumes');
  onShutdown(async () => {
    provisioner.stop();
    await factory.stop();
    await health.close();
    client.close();
  });
}

main().catch((e) => {
  if (e instanceof FlagError) {
    process.stderr.write(`local-path-provisioner: ${e.message}\n`);
    process.exit(2);
  }
  log.error({ err: String(e) }, 'local-path-provisioner failed');
  process.exit(1);
});
