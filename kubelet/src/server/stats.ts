// /stats/summary in upstream's Summary shape (node, pods, containers: cpu and memory) from the
// runtime's container stats and, for the node, /proc. CPU rates come from the difference with the
// previous sample of the same container. A container the runtime has no memory reading for has no
// `memory` (rather than a made-up zero).
import { readFileSync } from 'node:fs';
import { parseQuantity, rfc3339, type core } from '@minik8s/shared';
import type { ContainerRuntime } from '../runtime/runtime';
import { latest } from '../pod/actions';
import { containerMemory, nodeMemory, podMemory } from './summary';

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

function memoryLimit(c: core.Container): number | undefined {
  const l = c.resources?.limits?.memory;
  return l === undefined ? undefined : Math.round(parseQuantity(String(l)));
}

export async function statsSummary(nodeName: string, runtime: ContainerRuntime | undefined, pods: core.Pod[]) {
  const now = Date.now();
  const time = rfc3339(now);
  const nodeUsage = nodeCpuNs();
  const summary = {
    node: {
      nodeName,
      startTime: time,
      cpu: { time, usageNanoCores: rate('node', nodeUsage, now) ?? 0, usageCoreNanoSeconds: Math.round(nodeUsage) },
      memory: nodeMemory(readFileSync('/proc/meminfo', 'utf8'), readFileSync('/proc/vmstat', 'utf8'), time),
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
        const s = await runtime.containerStats(l.id).catch(() => undefined);
        if (!s) return undefined;
        const usage = s.cpuUsageCoreNanoSeconds ?? 0;
        return {
          name: c.name,
          startTime: l.startedAt,
          // First sample of a container: its average since it started.
          cpu: { time, usageNanoCores: rate(l.id, usage, now) ?? averageSince(usage, l.startedAt, now), usageCoreNanoSeconds: usage },
          memory: s.memory && containerMemory(s.memory, memoryLimit(c), time),
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
      memory: podMemory(cs.map((c) => c.memory), time),
    });
  }
  return summary;
}
