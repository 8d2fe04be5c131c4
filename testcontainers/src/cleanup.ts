// Removing what a cluster left on the Docker engine, found by label: its containers (with their
// anonymous volumes: the nodes' /var/lib/docker) and its networks.
import type Dockerode from 'dockerode';

/** Labels on every container and network of a cluster. */
export const CLUSTER_LABEL = 'io.minik8s.testcontainers.cluster';
/** host/pid of the process that started the cluster (the sweep at start finds clusters of dead processes). */
export const OWNER_LABEL = 'io.minik8s.testcontainers.owner';

const gone = (e: unknown) => {
  const code = (e as { statusCode?: number }).statusCode;
  if (code !== 404 && code !== 409) throw e;
};

/** Remove every container and network carrying the label filter ("key=value"); returns how many containers. */
export async function removeLabelled(docker: Dockerode, filter: string): Promise<number> {
  const containers = await docker.listContainers({ all: true, filters: { label: [filter] } });
  await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(gone)));
  const networks = await docker.listNetworks({ filters: { label: [filter] } });
  await Promise.all(networks.map((n) => docker.getNetwork(n.Id).remove().catch(gone)));
  return containers.length;
}

/** Whether a process of this host still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
