// A whole minik8s cluster on this host, every component a separate real process: etcd, apiserver,
// scheduler, controller-manager and N kubelets sharing the host's Docker engine (each with its own
// --hostname-override, --port and root dir; --node-ip 127.0.0.1). The controller-manager's node-ipam
// gives each node a small podCIDR from a random cluster range of our own, and each kubelet turns it
// into a Docker bridge network `minik8s-<node>`, so pod IPs are reachable from the host.
// cleanup() removes every container the kubelets created (by the io.minik8s.node label), their
// networks and temp dirs — also when start-up failed half-way.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { ApiClient, isNodeReady, R, type KubeObject } from '@minik8s/shared';
import { ensureKubeletImages } from './images';
import {
  freePort,
  kubeEnv,
  hostKubeletArgs,
  removeDir,
  startApiserver,
  startComponent,
  tempDir,
  waitFor,
  type Apiserver,
  type Proc,
} from './procs';

type Obj = KubeObject & { spec?: any; status?: any };

export interface HostClusterOptions {
  /** Number of real kubelets (default 2). */
  nodes?: number;
  /** Node names are `<prefix>-<random>-<i>` (default "hc"). */
  prefix?: string;
  /**
   * --node-monitor-grace-period in seconds (default 16). The kubelet renews its Lease every 10 s,
   * so anything below ~12 s makes healthy nodes flap to Unknown.
   */
  nodeMonitorGraceSeconds?: number;
  /** --default-(not-ready|unreachable)-toleration-seconds (default 2). */
  tolerationSeconds?: number;
  /** Controller-manager leader-election lease duration in seconds (default 4), so a restarted one leads soon. */
  leaderLeaseSeconds?: number;
  kubeletArgs?: string[];
  schedulerArgs?: string[];
  controllerManagerArgs?: string[];
}

/** A component process that can be killed and started again with the same flags and port. */
export interface Restartable {
  name: string;
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  proc: Proc;
  /** The log file of the current process. */
  readonly logFile: string;
  alive(): boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
}

export interface HostKubelet extends Restartable {
  node: string;
  /** https://127.0.0.1:port: the kubelet API (client certificate or token needed). */
  apiUrl: string;
  rootDir: string;
  /** Remove the node's containers and pod network from Docker (as if the machine died). */
  removeContainers(): void;
}

export interface HostCluster {
  api: Apiserver;
  /** The apiserver URL. */
  url: string;
  client: ApiClient;
  scheduler: Restartable;
  controllerManager: Restartable;
  kubelets: HostKubelet[];
  nodeNames: string[];
  /** A fresh HOME + kubeconfig for the real kubectl (or mkctl). */
  kubeEnv(): { HOME: string; KUBECONFIG: string };
  /** Every component's log file, for failure messages. */
  logs(): string;
  cleanup(): Promise<void>;
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Remove every container (and the pod network) a kubelet created for `node`. */
export function removeNodeContainers(node: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=io.minik8s.node=${node}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) {
    try {
      docker(['rm', '-f', '-v', ...ids]);
    } catch {
      // a container removed meanwhile (by its kubelet): list again
      const left = docker(['ps', '-aq', '--filter', `label=io.minik8s.node=${node}`])
        .split('\n')
        .filter(Boolean);
      if (left.length) docker(['rm', '-f', '-v', ...left]);
    }
  }
  try {
    docker(['network', 'rm', `minik8s-${node}`]);
  } catch {
    // no such network
  }
}

function restartable(name: string, port: number, start: () => Promise<Proc>, first: Proc): Restartable {
  const r: Restartable = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    proc: first,
    get logFile() {
      return r.proc.logFile;
    },
    alive: () => r.proc.child.exitCode === null && r.proc.child.signalCode === null,
    kill: (signal: NodeJS.Signals = 'SIGKILL') => r.proc.kill(signal),
    restart: async () => {
      if (r.alive()) await r.proc.kill();
      r.proc = await start();
    },
  };
  return r;
}

export async function startHostCluster(opts: HostClusterOptions = {}): Promise<HostCluster> {
  const count = opts.nodes ?? 2;
  const tag = randomBytes(2).toString('hex');
  const nodeNames = Array.from({ length: count }, (_, i) => `${opts.prefix ?? 'hc'}-${tag}-${i}`);
  const dirs: string[] = [];
  const started: Restartable[] = [];
  let api: Apiserver | undefined;
  // If the test process dies without running cleanup (worker killed, hook timeout), still remove
  // the nodes' containers: synchronous docker calls work in an 'exit' handler.
  const onExit = () => {
    for (const p of started) p.proc.child.kill('SIGKILL');
    for (const n of nodeNames) {
      try {
        removeNodeContainers(n);
      } catch {
        // best effort
      }
    }
  };
  process.once('exit', onExit);
  const cleanup = async () => {
    process.removeListener('exit', onExit);
    await Promise.all(started.map((p) => p.kill().catch(() => undefined)));
    if (api) {
      await api.kill();
      await api.etcd.kill();
      removeDir(api.etcd.dataDir);
    }
    for (const n of nodeNames) {
      try {
        removeNodeContainers(n);
      } catch {
        // keep cleaning the others
      }
    }
    for (const d of dirs) removeDir(d);
  };
  try {
    await ensureKubeletImages();
    api = await startApiserver();
    const url = api.url;
    const client = new ApiClient(api.admin);

    // A /24 cluster range of our own, /26 per node: no collision with other tests' Docker networks.
    const clusterCidr = `10.252.${randomInt(0, 250)}.0/24`;
    const cmPort = await freePort();
    const lease = `${opts.leaderLeaseSeconds ?? 4}s`;
    const tol = String(opts.tolerationSeconds ?? 2);
    const cmArgs = [
      '--kubeconfig',
      await api.kubeconfig('controller-manager'),
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(cmPort),
      '--cluster-cidr',
      clusterCidr,
      '--node-cidr-mask-size',
      '26',
      '--node-monitor-grace-period',
      `${opts.nodeMonitorGraceSeconds ?? 16}s`,
      '--node-monitor-period',
      '1s',
      '--default-unreachable-toleration-seconds',
      tol,
      '--default-not-ready-toleration-seconds',
      tol,
      '--leader-elect-lease-duration',
      lease,
      '--leader-elect-renew-deadline',
      '3s',
      '--leader-elect-retry-period',
      '1s',
      ...(opts.controllerManagerArgs ?? []),
    ];
    const startCm = () => startComponent('controller-manager', cmArgs, `http://127.0.0.1:${cmPort}/healthz`, {}, 60_000);
    const controllerManager = restartable('controller-manager', cmPort, startCm, await startCm());
    started.push(controllerManager);

    const schedPort = await freePort();
    const schedArgs = [
      '--kubeconfig',
      await api.kubeconfig('scheduler'),
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(schedPort),
      '--leader-elect=false',
      ...(opts.schedulerArgs ?? []),
    ];
    const startSched = () => startComponent('scheduler', schedArgs, `http://127.0.0.1:${schedPort}/healthz`, {}, 60_000);
    const scheduler = restartable('scheduler', schedPort, startSched, await startSched());
    started.push(scheduler);

    const kubelets: HostKubelet[] = [];
    for (const node of nodeNames) {
      const port = await freePort();
      const rootDir = tempDir('minik8s-hc-kubelet-');
      dirs.push(rootDir);
      const secure = await hostKubeletArgs(url, node, port, rootDir);
      const args = [...secure.args, '--node-status-update-frequency', '1', ...(opts.kubeletArgs ?? [])];
      const start = () => startComponent('kubelet', args, secure.healthUrl, {}, 60_000);
      const k = Object.assign(restartable(`kubelet ${node}`, port, start, await start()), {
        node,
        apiUrl: `https://127.0.0.1:${port}`,
        rootDir,
        removeContainers: () => removeNodeContainers(node),
      });
      kubelets.push(k);
      started.push(k);
    }

    const logs = () => [api!, ...started].map((p) => `${p.name}: ${p.logFile}`).join('\n');
    await waitFor(
      `${count} nodes Ready with a podCIDR\n${logs()}`,
      async () => {
        const ns = (await client.resource<Obj>(R.nodes).list()).items.filter((n) => nodeNames.includes(n.metadata.name!));
        return ns.length === count && ns.every((n) => n.spec?.podCIDR && isNodeReady(n));
      },
      90_000,
      250,
    );
    // The default ServiceAccount/namespace exist before tests create pods there.
    await waitFor(
      'namespace default',
      () =>
        client
          .resource(R.namespaces)
          .get('default')
          .then(() => true),
      30_000,
      250,
    );

    return {
      api,
      url,
      client,
      scheduler,
      controllerManager,
      kubelets,
      nodeNames,
      kubeEnv: () => kubeEnv(url),
      logs,
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
