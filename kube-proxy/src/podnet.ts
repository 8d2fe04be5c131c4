// --sync-pod-routes: our host-gw pod network (what kindnet / flannel host-gw do). Every node routes
// every other node's spec.podCIDR via that node's InternalIP; the Service CIDR and the cluster
// CIDR end in an ifb "sink" device so an address without a rule is dropped, never sent out.
import { parsed, parsePodRoute, type core, type DropReporter, type PodRoute } from '@minik8s/shared';
import { run } from './iptables';
import type { Logger } from './proxier';

export const SINK_DEVICE = 'kube-sink0';
/** Routing protocol id marking the routes we install, so a restart or --cleanup finds them. */
export const ROUTE_PROTO = '151';

/**
 * Routes this node needs: other nodes' podCIDR via their InternalIP (pure). Both are parsed and written in
 * canonical form (parsePodRoute); a node whose values do not parse (a podCIDR of "default" would be `ip
 * route replace default ...`) is left out and reported through `drop`.
 */
export function desiredPodRoutes(nodes: core.Node[], self: string, drop: DropReporter = () => undefined): PodRoute[] {
  const out: PodRoute[] = [];
  for (const n of nodes) {
    if (n.metadata?.name === self) continue;
    const r = parsed('Node', n, parsePodRoute, drop);
    if (r) out.push(r);
  }
  return out.sort((a, b) => a.cidr.localeCompare(b.cidr));
}

/** `ip route` commands to go from the routes we installed to the desired ones (pure). */
export function routeCommands(installed: PodRoute[], desired: PodRoute[]): string[][] {
  const want = new Map(desired.map((r) => [r.cidr, r.via]));
  const cmds: string[][] = [];
  for (const r of installed) if (!want.has(r.cidr)) cmds.push(['ip', 'route', 'del', r.cidr, 'via', r.via, 'proto', ROUTE_PROTO]);
  const had = new Map(installed.map((r) => [r.cidr, r.via]));
  for (const r of desired) if (had.get(r.cidr) !== r.via) cmds.push(['ip', 'route', 'replace', r.cidr, 'via', r.via, 'proto', ROUTE_PROTO]);
  return cmds;
}

export class PodRoutes {
  private installed: PodRoute[] | undefined;

  constructor(
    private readonly self: string,
    private readonly logger: Logger,
    private readonly prefix: string[] = [],
  ) {}

  /** The sink device and its routes (idempotent). */
  async ensureSink(cidrs: string[]): Promise<void> {
    const add = await run([...this.prefix, 'ip', 'link', 'add', SINK_DEVICE, 'type', 'ifb']);
    if (add.code !== 0 && !/exists/i.test(add.stderr)) throw new Error(`ip link add ${SINK_DEVICE}: ${add.stderr.trim()}`);
    await this.must(['ip', 'link', 'set', SINK_DEVICE, 'up']);
    for (const c of cidrs) await this.must(['ip', 'route', 'replace', c, 'dev', SINK_DEVICE]);
  }

  async sync(nodes: core.Node[], drop?: DropReporter): Promise<void> {
    const desired = desiredPodRoutes(nodes, this.self, drop);
    const failed = new Set<string>();
    this.installed ??= await this.listInstalled();
    for (const cmd of routeCommands(this.installed, desired)) {
      const r = await run([...this.prefix, ...cmd]);
      if (r.code !== 0 && cmd[2] !== 'del') {
        failed.add(cmd[3]); // retried on the next sync
        this.logger.warn({ cmd: cmd.join(' '), stderr: r.stderr.trim() }, 'pod route failed');
        continue;
      }
      this.logger.info({ cmd: cmd.join(' ') }, 'pod route');
    }
    this.installed = desired.filter((r) => !failed.has(r.cidr));
  }

  /** Routes a previous run installed (marked with ROUTE_PROTO). */
  private async listInstalled(): Promise<PodRoute[]> {
    const r = await run([...this.prefix, 'ip', '-j', 'route', 'show', 'proto', ROUTE_PROTO]);
    if (r.code !== 0) return [];
    try {
      return (JSON.parse(r.stdout) as { dst: string; gateway?: string }[]).filter((x) => x.gateway).map((x) => ({ cidr: x.dst, via: x.gateway! }));
    } catch {
      return [];
    }
  }

  private async must(cmd: string[]): Promise<void> {
    const r = await run([...this.prefix, ...cmd]);
    if (r.code !== 0) throw new Error(`${cmd.join(' ')}: ${r.stderr.trim()}`);
  }
}

/** --cleanup: our routes and the sink device. */
export async function cleanupPodNetwork(prefix: string[] = []): Promise<void> {
  await run([...prefix, 'ip', 'route', 'flush', 'proto', ROUTE_PROTO]);
  await run([...prefix, 'ip', 'link', 'del', SINK_DEVICE]);
}
