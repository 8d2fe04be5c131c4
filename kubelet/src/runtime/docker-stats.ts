// Docker's container stats → the runtime's ContainerStats, as cAdvisor reads the same cgroup files.
// cgroup v1 engines report memory.stat with hierarchical `total_*` keys (total_inactive_file,
// total_rss, total_pgfault); cgroup v2 engines report memory.stat's own keys (inactive_file, anon,
// pgfault). An engine whose container cgroups lack the memory controller (cgroup v2 without it
// delegated) sends no `usage` and zeros: that is no reading, not zero bytes.
import type { ContainerStats, MemoryUsage } from './types';

export interface DockerStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

export function dockerMemory(m: DockerStats['memory_stats']): MemoryUsage | undefined {
  const usage = m?.usage;
  if (usage === undefined || !Number.isFinite(usage)) return undefined;
  const s = m?.stats ?? {};
  const v1 = 'total_inactive_file' in s || 'total_rss' in s;
  const pick = (v1Key: string, v2Key: string): number | undefined => {
    const v = v1 ? s[v1Key] : s[v2Key];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  };
  const inactive = pick('total_inactive_file', 'inactive_file') ?? 0;
  const out: MemoryUsage = { usageBytes: usage, workingSetBytes: Math.max(0, usage - inactive) };
  const rss = pick('total_rss', 'anon');
  const faults = pick('total_pgfault', 'pgfault');
  const major = pick('total_pgmajfault', 'pgmajfault');
  if (rss !== undefined) out.rssBytes = rss;
  if (faults !== undefined) out.pageFaults = faults;
  if (major !== undefined) out.majorPageFaults = major;
  return out;
}

export function dockerStats(s: DockerStats): ContainerStats {
  const cpu = s.cpu_stats?.cpu_usage?.total_usage;
  return { cpuUsageCoreNanoSeconds: typeof cpu === 'number' ? cpu : undefined, memory: dockerMemory(s.memory_stats) };
}
