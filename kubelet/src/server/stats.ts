// /stats/summary in upstream's Summary shape (node, pods, containers: cpu and memory) from Docker stats
// and /proc. CPU rates come from the difference with the previous sample of the same container.
import { readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { rfc3339, type core } from '@minik8s/shared';
import type { DockerRuntime } from '../runtime/docker';
import { latest } from '../pod/actions';

const lastCpu = new Map<string, { t: number; usage: number }>();

function rate(key: string, usageNs: number, now: number): number | undefined {
  const prev = lastCpu.get(key);
  lastCpu.set(key, { t: now, usage: usageNs });
  if (!prev || now <= prev.t) return undefined;
  return Math.max(0, Math.round(((usageNs - prev.usage) / (now - prev.t)) * 1e6));
}

function averageSince(usageNs: number, startedAt: string | undefined, now: number): number {
  const secs = (now - (Date.parse(startedAt ?? '') || now)) / 1000;
  return secs > 0 ? Math.round(usageNs / secs) : 0;
}

function nodeCpuNs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = line.reduce((a, b) => a + b, 0) - (line[3] ?? 0) - (line[4] ?? 0);
  return (busy / 100) * 1e9;
}

export async function statsSummary(nodeName: string, runtime: DockerRuntime | undefined, pods: core.Pod[]) {
  const now = Date.now();
  const time = rfc3339(now);
  const nodeUsage = nodeCpuNs();
  const used = totalmem() - freemem();
  const summary = {
    node: {
      nodeName,
      startTime: time,
      cpu: { time, usageNanoCores: rate('node', nodeUsage, now) ?? 0, usageCoreNanoSeconds: Math.round(nodeUsage) },
      memory: { time, availableBytes: freemem(), usageBytes: used, workingSetBytes: used },
    },
    pods: [] as unknown[],
  };
  if (!runtime) return summary;
  const all = await runtime.listPods();
  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? '';
    const rt = all.get(uid);
    if (!rt) continue;
    const containers = await Promise.all(
      (pod.spec?.containers ?? []).map(async (c) => {
        const l = latest(rt, c.name, 'app');
        if (l?.state !== 'running') return undefined;
        const s = (await runtime.docker.getContainer(l.id).stats({ stream: false, 'one-shot': true }).catch(() => undefined)) as
          | { cpu_stats?: { cpu_usage?: { total_usage?: number } }; memory_stats?: { usage?: number; stats?: Record<string, number> } }
          | undefined;
        if (!s) return undefined;
        const usage = s.cpu_stats?.cpu_usage?.total_usage ?? 0;
        const mem = s.memory_stats?.usage ?? 0;
        const inactive = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.total_inactive_file ?? 0;
        return {
          name: c.name,
          startTime: l.startedAt,
          // First sample of a container: its average since it started.
          cpu: { time, usageNanoCores: rate(l.id, usage, now) ?? averageSince(usage, l.startedAt, now), usageCoreNanoSeconds: usage },
          memory: { time, usageBytes: mem, workingSetBytes: Math.max(0, mem - inactive) },
        };
      }),
    );
    const cs = containers.filter((x): x is NonNullable<typeof x> => !!x);
    const sum = (f: (c: (typeof cs)[number]) => number) => cs.reduce((a, c) => a + f(c), 0);
    summary.pods.push({
      podRef: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid },
      startTime: pod.status?.startTime,
      containers: cs,
      cpu: { time, usageNanoCores: sum((c) => c.cpu.usageNanoCores), usageCoreNanoSeconds: sum((c) => c.cpu.usageCoreNanoSeconds) },
      memory: { time, usageBytes: sum((c) => c.memory.usageBytes), workingSetBytes: sum((c) => c.memory.workingSetBytes) },
    });
  }
  return summary;
}
