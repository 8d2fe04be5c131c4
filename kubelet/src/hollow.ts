// --hollow (kubemark): the kubelet's own pod workers over the in-memory runtime. Pods go through the
// real sync (phases, conditions, restart policy, init containers, Events, graceful deletion) but no
// container runs: sandboxes get made-up IPs, HTTP and TCP probes pass without a packet sent (the IPs
// lead nowhere), files (volumes, resolv.conf, hostPath) go to a directory of the node's own.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKubelet, type Kubelet, type KubeletDeps } from './kubelet';
import type { ContainerRuntime } from './runtime/runtime';
import { FakeRuntime } from './runtime/fake';
import type { ProbeRunner } from './pod/probes';
import { runProbe } from './pod/probes';

/** One hollow node: a kubelet over its own in-memory runtime and files; stopping it removes the files. */
export async function startHollowKubelet(
  d: Pick<KubeletDeps, 'flags' | 'nodeName' | 'log' | 'registry' | 'tls' | 'metrics' | 'listen'>,
): Promise<Kubelet> {
  const runtime = new FakeRuntime({ completeInitContainers: true });
  const dirs = hollowDirs(d.nodeName);
  try {
    const kubelet = await startKubelet({
      ...d,
      runtime,
      runtimeVersion: await runtime.version(),
      healthy: () => true,
      rootDir: dirs.rootDir,
      hostRoot: dirs.hostRoot,
      probe: hollowProber(runtime),
      requirePodCIDR: false,
    });
    return { ...kubelet, stop: () => kubelet.stop().finally(() => dirs.remove()) };
  } catch (e) {
    dirs.remove();
    throw e;
  }
}

function hollowProber(runtime: ContainerRuntime): ProbeRunner {
  return async (p, t) => {
    if (!p.exec) return { ok: true, message: '' };
    return runProbe(p, t, (id, cmd, ms) => runtime.execSync(id, cmd, ms));
  };
}

/**
 * A hollow node's filesystem: its root dir and the host paths its pods mount, made only when a pod
 * writes a file (most write none, so a SIGKILLed process leaves nothing behind).
 */
function hollowDirs(nodeName: string): { rootDir: string; hostRoot: string; remove(): void } {
  const base = join(tmpdir(), `minik8s-hollow-${process.pid}-${nodeName}`);
  return { rootDir: join(base, 'kubelet'), hostRoot: join(base, 'host'), remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** `--count N` (this runner's own flag) and the kubelet flags that follow. */
export function parseHollowNodesArgs(argv: string[]): { count: number; kubelet: string[] } {
  const rest: string[] = [];
  let count: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--count(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const v = m[1] ?? argv[++i];
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1)
      throw new Error(`invalid value "${v ?? ''}" for --count: want a positive integer`);
    count = Number(v);
  }
  if (count === undefined) throw new Error('--count is required');
  return { count, kubelet: rest };
}

export function hollowNodeName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(3, '0')}`;
}
