// Memory in /stats/summary: Docker's stats on cgroup v1 and v2 engines, the node's memory from /proc,
// and the container/pod sums. V1 and V2_NO_MEMORY_CONTROLLER are what Docker 20.10 returned here (the
// host engine, and an engine on cgroup v2 whose container cgroups have no memory controller); V2 has
// the keys a v2 engine reports, with made-up values.
import { describe, expect, it } from 'vitest';
import { dockerMemory, dockerStats } from '../src/runtime/docker-stats';
import { containerMemory, nodeMemory, podMemory, procTable } from '../src/server/summary';

// `docker stats` JSON of a busybox holding 50 MB (trimmed to the keys read), host engine, cgroup v1.
const V1 = {
  usage: 50647040,
  limit: 25276182528,
  stats: { cache: 409600, rss: 50204672, inactive_file: 409600, total_inactive_file: 409600, total_rss: 50204672, total_pgfault: 25802, total_pgmajfault: 1, pgfault: 25802 },
};
const V2 = { usage: 52000000, limit: 8e9, stats: { anon: 50200000, file: 1500000, inactive_file: 1200000, active_file: 300000, pgfault: 26000, pgmajfault: 2 } };
// Docker 20.10 on cgroup v2 where the container's cgroup has no memory controller: no usage, zeros.
const V2_NO_MEMORY_CONTROLLER = { stats: { active_anon: 0, anon: 0, file: 0, inactive_file: 0, pgfault: 0, pgmajfault: 0 } };

describe('Docker memory stats', () => {
  it.each([
    { name: 'cgroup v1: total_* keys', m: V1, want: { usageBytes: 50647040, workingSetBytes: 50647040 - 409600, rssBytes: 50204672, pageFaults: 25802, majorPageFaults: 1 } },
    { name: 'cgroup v2: memory.stat keys', m: V2, want: { usageBytes: 52000000, workingSetBytes: 52000000 - 1200000, rssBytes: 50200000, pageFaults: 26000, majorPageFaults: 2 } },
    { name: 'inactive file above usage: working set 0', m: { usage: 100, stats: { inactive_file: 500 } }, want: { usageBytes: 100, workingSetBytes: 0 } },
    { name: 'v2 without the memory controller: no reading', m: V2_NO_MEMORY_CONTROLLER, want: undefined },
    { name: 'no memory_stats at all', m: undefined, want: undefined },
  ])('$name', ({ m, want }) => {
    expect(dockerMemory(m)).toEqual(want);
  });
  it('CPU and memory together', () => {
    expect(dockerStats({ cpu_stats: { cpu_usage: { total_usage: 1234 } }, memory_stats: V1 })).toMatchObject({ cpuUsageCoreNanoSeconds: 1234, memory: { workingSetBytes: 50237440 } });
    expect(dockerStats({})).toEqual({ cpuUsageCoreNanoSeconds: undefined, memory: undefined });
  });
});

describe('summary memory', () => {
  const meminfo = 'MemTotal:       24683772 kB\nMemFree:        17259252 kB\nMemAvailable:   22709844 kB\nInactive(file):  2568872 kB\nAnonPages:       1107828 kB\n';
  it('/proc tables', () => {
    expect(procTable(meminfo).get('Inactive(file)')).toBe(2568872 * 1024);
    expect(procTable('pgfault 68952162\npgmajfault 3153\n').get('pgmajfault')).toBe(3153);
  });
  it('node: usage with the page cache, working set without inactive file pages, available = total − working set', () => {
    const used = (24683772 - 17259252) * 1024;
    const ws = used - 2568872 * 1024;
    expect(nodeMemory(meminfo, 'pgfault 10\npgmajfault 2\n', 'T')).toEqual({ time: 'T', usageBytes: used, workingSetBytes: ws, availableBytes: 24683772 * 1024 - ws, rssBytes: 1107828 * 1024, pageFaults: 10, majorPageFaults: 2 });
    expect(nodeMemory('', '', 'T')).toBeUndefined();
  });
  it('container: availableBytes only under a limit; pod: sums, a field only when every container has it', () => {
    const a = containerMemory({ usageBytes: 100, workingSetBytes: 80, rssBytes: 70 }, 200, 'T');
    const b = containerMemory({ usageBytes: 10, workingSetBytes: 8 }, undefined, 'T');
    expect(a).toEqual({ time: 'T', usageBytes: 100, workingSetBytes: 80, rssBytes: 70, availableBytes: 120 });
    expect(b).toEqual({ time: 'T', usageBytes: 10, workingSetBytes: 8 });
    expect(podMemory([a, b], 'T')).toEqual({ time: 'T', usageBytes: 110, workingSetBytes: 88 });
    expect(podMemory([a, a], 'T')).toEqual({ time: 'T', usageBytes: 200, workingSetBytes: 160, rssBytes: 140, availableBytes: 240 });
    expect(podMemory([undefined], 'T')).toBeUndefined();
  });
});
