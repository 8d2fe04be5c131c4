// npm run bench:cli — `get pods` over 1000 pods and `version` start-up, mkctl beside the real kubectl in
// the same run against etcd + apiserver on loopback. Last line: one JSON object with the figures.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient, freePort, median, until } from '@minik8s/shared';
import { localPki } from '@minik8s/shared/pki';

const REPO = resolve(__dirname, '..', '..');
const MKCTL = join(REPO, 'kubectl', 'dist', 'main.js');
const PODS = Number(process.env.BENCH_PODS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const children: ChildProcess[] = [];

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((ok, fail) =>
    execFile(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err) =>
      err ? fail(new Error(`${cmd} failed`, { cause: err })) : ok(Number(process.hrtime.bigint() - start) / 1e6),
    ),
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mkctl-bench-'));
  const [cp, pp, ap] = await Promise.all([freePort(), freePort(), freePort()]);
  // TLS with the admin's client certificate, as `npm run up`'s kubeconfig
  const pki = await localPki(join(dir, 'pki'));
  const etcd = pki.etcdArgs(cp, pp);
  children.push(spawn('etcd', ['--data-dir', join(dir, 'etcd'), ...etcd.args, '--unsafe-no-fsync'], { stdio: 'ignore' }));
  await until(`${etcd.endpoint}/health`, () => pki.etcdHealthy(etcd.endpoint), 30_000, 200);
  const api = `https://127.0.0.1:${ap}`;
  children.push(
    spawn(
      process.execPath,
      [
        join(REPO, 'apiserver', 'dist', 'main.js'),
        ...pki.etcdClientArgs(etcd.endpoint),
        ...pki.apiserverArgs(),
        '--bind-address',
        '127.0.0.1',
        '--secure-port',
        String(ap),
      ],
      { stdio: 'ignore' },
    ),
  );
  const client = new ApiClient({ server: api, ...pki.admin });
  await until(
    `${api}/api/v1/namespaces/default`,
    () =>
      client.request('GET', '/api/v1/namespaces/default').then(
        () => true as const,
        () => undefined,
      ),
    30_000,
    200,
  );
  const env = { HOME: dir, KUBECONFIG: pki.kubeconfig(api, 'admin') };

  process.stdout.write(`creating ${PODS} pods...\n`);
  for (let i = 0; i < PODS; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, PODS - i) }, (_, k) =>
        client.request('POST', '/api/v1/namespaces/default/pods', {
          body: {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `bench-${i + k}`, labels: { app: 'bench' } },
            spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
          },
        }),
      ),
    );
  }
  // Warm both (kubectl's discovery cache, the OS file cache for node_modules).
  await time('/usr/bin/kubectl', ['get', 'pods'], env);
  await time(process.execPath, [MKCTL, 'get', 'pods'], env);
  // Every round runs all five, so a load spike on the shared machine hits each of them alike.
  const res: Record<string, number[]> = { kubectlGet: [], mkctlGet: [], kubectlVersion: [], mkctlVersion: [], node: [] };
  for (let r = 0; r < RUNS; r++) {
    res.kubectlGet.push(await time('/usr/bin/kubectl', ['get', 'pods'], env));
    res.mkctlGet.push(await time(process.execPath, [MKCTL, 'get', 'pods'], env));
    res.kubectlVersion.push(await time('/usr/bin/kubectl', ['version', '--client'], env));
    res.mkctlVersion.push(await time(process.execPath, [MKCTL, 'version', '--client'], env));
    res.node.push(await time(process.execPath, ['-e', '0'], {}));
  }
  const m = Object.fromEntries(Object.entries(res).map(([k, v]) => [k, median(v)]));
  const baseline = m.node;
  process.stdout.write(
    `get pods (${PODS}): kubectl ${m.kubectlGet.toFixed(0)} ms, mkctl ${m.mkctlGet.toFixed(0)} ms; version --client: kubectl ${m.kubectlVersion.toFixed(0)} ms, mkctl ${m.mkctlVersion.toFixed(0)} ms (bare node start ${baseline.toFixed(0)} ms)\n`,
  );
  process.stdout.write(
    JSON.stringify({
      bench: 'cli',
      pods: PODS,
      get_1000_ms: Math.round(m.mkctlGet),
      kubectl_get_1000_ms: Math.round(m.kubectlGet),
      get_1000_ratio_vs_kubectl: Number((m.mkctlGet / m.kubectlGet).toFixed(2)),
      startup_ms: Math.round(m.mkctlVersion),
      kubectl_startup_ms: Math.round(m.kubectlVersion),
      node_baseline_ms: Math.round(baseline),
      startup_over_node_ms: Math.round(m.mkctlVersion - baseline),
    }) + '\n',
  );
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  for (const c of children) c.kill('SIGKILL');
  process.stderr.write(`bench failed: ${(e as Error).message}\n`);
  process.exit(1);
});
