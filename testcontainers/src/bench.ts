// npm run bench:testcontainers — how long a test waits for its cluster, and what an idle one costs:
//   start_to_ready_s        start() until the node is Ready and the cluster DNS answers (warm image)
//   start_to_pod_running_s  start() until a pod created right after it is Running
//   allinone_mem_mb         the idle cluster's memory: its container's cgroup (pods included where it
//                           nests them: cgroup v1), usage minus inactive page cache, as docker stats shows it
// for one cluster at a time (median of BENCH_TC_RUNS, default 3) and for 3 clusters started at once.
// Baselines from the same run: the engine's own floor (create and start a container of the image), one
// cluster for the three at once, and clusters whose Node.js components keep V8's default young
// generation (NODE_OPTIONS empty instead of --max-semi-space-size=1), each run right after one with the
// flag. Ends with one JSON line.
import { MiniK8sContainer, type StartedMiniK8sContainer } from './container';
import { GenericContainer } from 'testcontainers';
import { apiGet, apiRequest } from './http';
import { credentialsOf } from './kubeconfig';
import { DEFAULT_IMAGE } from './image';

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
const RUNS = Number(process.env.BENCH_TC_RUNS || 3);
const SETTLE_MS = Number(process.env.BENCH_TC_SETTLE_MS || 15_000);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  readyS: number;
  podS: number;
  memMb: number;
}

/** docker stats' figure: the container cgroup's usage minus its inactive page cache, in MB. */
async function memoryMb(c: StartedMiniK8sContainer): Promise<number> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const docker = (await getContainerRuntimeClient()).container.dockerode;
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = (await docker.getContainer(c.getId()).stats({ stream: false })) as unknown as { memory_stats: { usage: number; stats: Record<string, number> } };
    const inactive = s.memory_stats.stats.total_inactive_file ?? s.memory_stats.stats.inactive_file ?? 0;
    samples.push((s.memory_stats.usage - inactive) / 2 ** 20);
    await sleep(1000);
  }
  return median(samples);
}

/** One cluster: start, a pod right away until Running, the pod deleted, a settle, the memory; stopped. */
async function run(env: Record<string, string> = {}): Promise<Run> {
  const t0 = performance.now();
  const c = await new MiniK8sContainer().withEnvironment(env).start();
  const readyS = (performance.now() - t0) / 1000;
  try {
    const creds = { ...credentialsOf(c.getKubeConfig()) };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bench' }, spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'c', image: 'busybox:latest', command: ['sleep', '3600'] }] } };
    const created = await apiRequest(creds, 'POST', '/api/v1/namespaces/default/pods', pod);
    if (created.status !== 201) throw new Error(`creating the pod: HTTP ${created.status} ${created.text}`);
    for (;;) {
      const r = await apiGet(creds, '/api/v1/namespaces/default/pods/bench');
      if ((r.json as { status?: { phase?: string } } | undefined)?.status?.phase === 'Running') break;
      if (performance.now() - t0 > 120_000) throw new Error('the pod was not Running within 120 s');
      await sleep(50);
    }
    const podS = (performance.now() - t0) / 1000;
    await apiRequest(creds, 'DELETE', '/api/v1/namespaces/default/pods/bench');
    await sleep(SETTLE_MS);
    return { readyS, podS, memMb: await memoryMb(c) };
  } finally {
    await c.stop();
  }
}

async function floor(): Promise<number> {
  const t0 = performance.now();
  const c = await new GenericContainer(DEFAULT_IMAGE).withEntrypoint(['sleep', '60']).start();
  const s = (performance.now() - t0) / 1000;
  await c.stop();
  return s;
}

const fmt = (runs: Run[], k: keyof Run) => runs.map((r) => r[k].toFixed(k === 'memMb' ? 0 : 2)).join(' ');

async function main(): Promise<void> {
  console.log(`bench:testcontainers — image ${DEFAULT_IMAGE} (built: warm), ${RUNS} runs one at a time, then 3 at once`);
  await floor(); // the image's layers in the page cache, the Testcontainers client and reaper up
  const floorS = median([await floor(), await floor(), await floor()]);
  console.log(`  the engine's floor (create + start a container of the image): ${floorS.toFixed(2)} s`);

  // one at a time, each run with the flag followed by one without (load on the machine varies: pairs)
  const single: Run[] = [];
  const v8defaults: Run[] = [];
  for (let i = 0; i < RUNS; i++) {
    single.push(await run());
    v8defaults.push(await run({ NODE_OPTIONS: '' }));
  }
  const one = { readyS: median(single.map((r) => r.readyS)), podS: median(single.map((r) => r.podS)), memMb: median(single.map((r) => r.memMb)) };
  console.log(`  one cluster:   start → node Ready + DNS   median ${one.readyS.toFixed(2)} s (${fmt(single, 'readyS')}), ${(one.readyS / floorS).toFixed(1)}x the floor`);
  console.log(`                 start → a pod Running      median ${one.podS.toFixed(2)} s (${fmt(single, 'podS')})`);
  console.log(`                 idle memory                median ${one.memMb.toFixed(0)} MB (${fmt(single, 'memMb')})`);

  const v8default = { memMb: median(v8defaults.map((r) => r.memMb)), readyS: median(v8defaults.map((r) => r.readyS)) };
  console.log(`  V8's default young generation (NODE_OPTIONS empty): idle memory median ${v8default.memMb.toFixed(0)} MB (${fmt(v8defaults, 'memMb')}), ratio ${(one.memMb / v8default.memMb).toFixed(2)}; start → Ready + DNS ${v8default.readyS.toFixed(2)} s`);

  const three = await Promise.all([run(), run(), run()]);
  const par = { readyS: median(three.map((r) => r.readyS)), podS: median(three.map((r) => r.podS)), memMb: median(three.map((r) => r.memMb)) };
  console.log(`  3 at once:     start → node Ready + DNS   median ${par.readyS.toFixed(2)} s (${fmt(three, 'readyS')}), ${(par.readyS / one.readyS).toFixed(2)}x one cluster`);
  console.log(`                 start → a pod Running      median ${par.podS.toFixed(2)} s (${fmt(three, 'podS')}), ${(par.podS / one.podS).toFixed(2)}x one cluster`);
  console.log(`                 idle memory                median ${par.memMb.toFixed(0)} MB each (${fmt(three, 'memMb')})`);

  console.log(
    JSON.stringify({
      bench: 'testcontainers',
      start_to_ready_s: round(one.readyS),
      start_to_pod_running_s: round(one.podS),
      allinone_mem_mb: round(one.memMb, 0),
      parallel3_start_to_ready_s: round(par.readyS),
      parallel3_start_to_pod_running_s: round(par.podS),
      parallel3_allinone_mem_mb: round(par.memMb, 0),
      allinone_mem_mb_v8_default: round(v8default.memMb, 0),
      engine_floor_s: round(floorS),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
