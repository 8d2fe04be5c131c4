// The Ingress controller add-on: nginx (a child process) configured from the Ingresses of the
// IngressClasses whose spec.controller is --controller-class. /healthz, /readyz and /metrics on
// --healthz-port; nginx's own status server on 127.0.0.1:--status-port.
import { fstatSync } from 'node:fs';
import { ApiClient, R, createLogger, newRegistry, onShutdown, runWorkers, shutdown, startHealthServer, type core, type KubeObject } from '@minik8s/shared';
import { IngressController, SYNC } from './controller';
import { FlagError, USAGE, parseFlags, type Flags } from './flags';
import { Nginx } from './nginx';

const log = createLogger('ingress-nginx-controller');

/** --publish-status-address, else the IP of the node this controller's pod runs on (POD_NAME/POD_NAMESPACE). */
async function statusAddresses(client: ApiClient, flags: Flags): Promise<string[]> {
  if (flags.publishStatusAddress.length) return flags.publishStatusAddress;
  const name = process.env.POD_NAME;
  const namespace = process.env.POD_NAMESPACE;
  if (!name || !namespace) {
    log.warn({}, 'neither --publish-status-address nor POD_NAME/POD_NAMESPACE: Ingress status stays empty');
    return [];
  }
  const pod = await client.resource<core.Pod & KubeObject>(R.pods).get(name, namespace);
  return pod.status?.hostIP ? [pod.status.hostIP] : [];
}

/** nginx opens its access log by name: /dev/stdout works on a pipe or a file (a container's stdout), not on a socket. */
function accessLog(flags: Flags): string {
  if (flags.accessLog !== '/dev/stdout' || !fstatSync(1).isSocket()) return flags.accessLog;
  log.warn({}, 'stdout is a socket, which nginx cannot open: access log off (give --access-log FILE to keep one)');
  return 'off';
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const client = ApiClient.fromKubeconfig({ path: flags.kubeconfig, server: flags.master, userAgent: 'ingress-nginx-controller' });
  const registry = newRegistry('ingress-nginx-controller');
  const nginx = new Nginx({
    binary: flags.nginxBinary,
    confDir: flags.confDir,
    statusPort: flags.statusPort,
    log,
    onExit: (code, signal) => {
      // the pod restarts the container: nginx and this controller live and die together
      log.error({ code, signal }, 'nginx exited');
      void shutdown(1);
    },
  });
  const controller = new IngressController({
    client,
    log,
    registry,
    nginx,
    controllerClass: flags.controllerClass,
    watchWithoutClass: flags.watchIngressWithoutClass,
    addresses: await statusAddresses(client, flags),
    render: {
      httpPort: flags.httpPort,
      httpsPort: flags.httpsPort,
      statusPort: flags.statusPort,
      bindAddress: flags.bindAddress,
      confDir: flags.confDir,
      workerProcesses: flags.workerProcesses,
      user: process.getuid?.() === 0 ? 'nobody nogroup' : undefined,
      accessLog: accessLog(flags),
    },
  });
  const health = await startHealthServer({
    host: flags.healthzHost,
    port: flags.healthzPort,
    registry,
    ready: () => controller.ready(),
    healthy: () => nginx.current === undefined || nginx.running,
  });
  onShutdown(async () => {
    controller.queue.shutDown();
    await nginx.stop();
    await controller.factory.stop();
    await health.close();
  });
  await controller.factory.start();
  controller.queue.add(SYNC);
  log.info({ controller: flags.controllerClass, http: flags.httpPort, https: flags.httpsPort, health: health.port }, 'Ingress controller started');
  await runWorkers(controller.queue, 1, (key) => controller.reconcile(key), log);
}

main().catch((e) => {
  if (e instanceof FlagError) {
    process.stderr.write(`ingress-controller: ${e.message}\n${USAGE}\n`);
    process.exit(2);
  }
  log.error({ err: String(e) }, 'ingress controller failed');
  void shutdown(1);
});
