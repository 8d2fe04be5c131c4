// The pure part of /stats/summary: upstream's MemoryStats from the runtime's readings and from
// /proc/meminfo and /proc/vmstat for the node (what cAdvisor reads from the root cgroup: usage with
// the page cache, the working set without inactive file pages, anonymous memory as RSS, page faults).
import type { MemoryUsage } from '../runtime/types';

/** Upstream stats/v1alpha1 MemoryStats. */
export interface MemoryStats {
  time: string;
  availableBytes?: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** "Key:   123 kB" lines (meminfo) or "key 123" lines (vmstat) → numbers (kB → bytes). */
export function procTable(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):?\s+(\d+)(\s+kB)?\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/** The node's memory from /proc/meminfo and /proc/vmstat (undefined when meminfo lacks its totals). */
export function nodeMemory(meminfo: string, vmstat: string, time: string): MemoryStats | undefined {
  const mi = procTable(meminfo);
  const vm = procTable(vmstat);
  const total = mi.get('MemTotal');
  const free = mi.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const usage = total - free;
  const workingSet = Math.max(0, usage - (mi.get('Inactive(file)') ?? 0));
  const out: MemoryStats = { time, availableBytes: Math.max(0, total - workingSet), usageBytes: usage, workingSetBytes: workingSet };
  const rss = mi.get('AnonPages');
  if (rss !== undefined) out.rssBytes = rss;
  if (vm.has('pgfault')) out.pageFaults = vm.get('pgfault');
  if (vm.has('pgmajfault')) out.majorPageFaults = vm.get('pgmajfault');
  return out;
}

/** A container's MemoryStats; availableBytes only under a memory limit, as upstream. */
export function containerMemory(m: MemoryUsage, limitBytes: number | undefined, time: string): MemoryStats {
  const out: MemoryStats = { time, usageBytes: m.usageBytes, workingSetBytes: m.workingSetBytes };
  if (limitBytes !== undefined) out.availableBytes = Math.max(0, limitBytes - m.workingSetBytes);
  if (m.rssBytes !== undefined) out.rssBytes = m.rssBytes;
  if (m.pageFaults !== undefined) out.pageFaults = m.pageFaults;
  if (m.majorPageFaults !== undefined) out.majorPageFaults = m.majorPageFaults;
  return out;
}

/** A pod's memory: the sum over the containers that have a reading (undefined when none has). */
export function podMemory(cs: Array<MemoryStats | undefined>, time: string): MemoryStats | undefined {
  const have = cs.filter((c): c is MemoryStats => !!c);
  if (!have.length) return undefined;
  const sum = (f: (c: MemoryStats) => number | undefined) => (have.every((c) => f(c) !== undefined) ? have.reduce((a, c) => a + f(c)!, 0) : undefined);
  const out: MemoryStats = { time, usageBytes: sum((c) => c.usageBytes)!, workingSetBytes: sum((c) => c.workingSetBytes)! };
  for (const k of ['availableBytes', 'rssBytes', 'pageFaults', 'majorPageFaults'] as const) {
    const v = sum((c) => c[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}
