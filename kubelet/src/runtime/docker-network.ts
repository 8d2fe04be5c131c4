// The Docker network pod sandboxes join: with a podCIDR, a bridge network of this node with that
// subnet (created once, reused); without, the default one (--pod-network).
import type Docker from 'dockerode';
import type { Logger } from '@minik8s/shared';
import { L } from './labels';

export class PodNetworks {
  private lock: Promise<unknown> = Promise.resolve();
  private known = new Map<string, string>();
  private overlapWarned = new Set<string>();

  constructor(private docker: Docker, private nodeName: string, private fallback: string, private log: Logger) {}

  /** The network name for sandboxes. */
  ensure(podCIDR: string | undefined): Promise<string> {
    if (!podCIDR) return Promise.resolve(this.fallback);
    const known = this.known.get(podCIDR);
    if (known) return Promise.resolve(known);
    // One at a time: pods starting together must not race to create the same network.
    const next = this.lock.then(() => this.ensureNow(podCIDR));
    this.lock = next.catch(() => undefined);
    // Our own network, once there, is not inspected again for every sandbox (a fallback is: the
    // overlapping network may go away).
    void next.then((name) => name !== this.fallback && this.known.set(podCIDR, name), () => undefined);
    return next;
  }

  /** Inspect the network again next time (a sandbox failed: it may have been removed). */
  forget(): void {
    this.known.clear();
  }

  private async ensureNow(podCIDR: string): Promise<string> {
    const name = `minik8s-${this.nodeName}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
    try {
      const n = await this.docker.getNetwork(name).inspect();
      const subnet = n.IPAM?.Config?.[0]?.Subnet;
      if (subnet === podCIDR) return name;
      try {
        await this.docker.getNetwork(name).remove();
        this.log.warn({ network: name, subnet, podCIDR }, 'pod network had another subnet; recreated it');
      } catch {
        this.log.warn({ network: name, subnet, podCIDR }, 'pod network has another subnet and is in use; keeping it');
        return name;
      }
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: podCIDR }] },
        Labels: { [L.node]: this.nodeName },
      });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code === 403 || /overlaps/.test((e as Error).message)) {
        // Another network on this engine (another cluster sharing it, say) holds the subnet: pods
        // still run, on the default network, rather than not at all.
        if (!this.overlapWarned.has(podCIDR)) this.log.warn({ podCIDR, network: name, fallback: this.fallback }, 'pod CIDR overlaps another Docker network; using the default network');
        this.overlapWarned.add(podCIDR);
        return this.fallback;
      }
      if (code !== 409) throw e;
    }
    return name;
  }
}
