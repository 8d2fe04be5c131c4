// Containers of a test process that dies (killed, crashed, a worker timed out) must not stay behind.
// Testcontainers' reaper (Ryuk) removes a session's containers when its process goes away; where it is
// disabled (TESTCONTAINERS_RYUK_DISABLED=true, e.g. because its image cannot be pulled), ours does the
// same by the session's label: a small detached process per test process (reaper-main.ts) that waits
// for it to end, then removes every container and network of its session. And at start, clusters whose
// owner process on this host is gone are removed too (in case their reaper was killed with them).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { getReaper, type ContainerRuntimeClient } from 'testcontainers';
import { OWNER_LABEL, alive, removeLabelled } from './cleanup';

export const ownerId = (): string => `${hostname()}/${process.pid}`;

/** Clusters started on this host by processes that no longer run. */
export async function sweepDeadOwners(client: ContainerRuntimeClient): Promise<number> {
  const docker = client.container.dockerode;
  const mine = `${hostname()}/`;
  const owners = new Set<string>();
  for (const c of await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } })) {
    const owner = c.Labels[OWNER_LABEL] ?? '';
    const pid = Number(owner.slice(mine.length));
    if (owner.startsWith(mine) && Number.isInteger(pid) && pid > 0 && !alive(pid)) owners.add(owner);
  }
  let n = 0;
  for (const owner of owners) n += await removeLabelled(docker, `${OWNER_LABEL}=${owner}`);
  return n;
}

let session: Promise<string> | undefined;

/** This process's Testcontainers session id, with a reaper watching it (Ryuk, or ours). */
export function ensureReaper(client: ContainerRuntimeClient): Promise<string> {
  session ??= (async () => {
    const reaper = await getReaper(client);
    if (process.env.TESTCONTAINERS_RYUK_DISABLED === 'true') {
      await sweepDeadOwners(client);
      const main = join(__dirname, 'reaper-main.js');
      if (!existsSync(main)) throw new Error(`${main} is missing (build the package: npm run build)`);
      const env = { ...process.env };
      delete env.NODE_OPTIONS;
      spawn(process.execPath, [main, String(process.pid), reaper.sessionId], { detached: true, stdio: 'ignore', env }).unref();
    }
    return reaper.sessionId;
  })();
  session.catch(() => (session = undefined));
  return session;
}
