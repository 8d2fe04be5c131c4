// metrics.k8s.io end to end: a real apiserver scraping a real kubelet's /stats/summary, a pod that
// burns CPU (capped by its limit), a pod that holds 50 MB, and `top pods|nodes` with the real kubectl
// and with mkctl: same columns, same rows, same errors (parity), values that say the pods are busy.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '@minik8s/shared';
import { REPO, freePort, kubeEnv, stopAll, waitFor, tlsFetch } from '../../testing/procs';
import { createPod, ctr, kubeletGet, podSpec, startKubeletEnv, waitPod, type KubeletEnv } from '../../testing/kubelet';

type Tool = 'kubectl' | 'mkctl';
interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const MKCTL = join(REPO, 'kubectl', 'dist', 'main.js');
let env: KubeletEnv;
let kenv: NodeJS.ProcessEnv;

function run(tool: Tool, args: string[]): Promise<Run> {
  const [cmd, argv] = tool === 'kubectl' ? ['/usr/bin/kubectl', args] : [process.execPath, [MKCTL, ...args]];
  return new Promise((ok) => {
    execFile(cmd, argv, { env: kenv, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      ok({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * Both tools, until their outputs are identical: the apiserver serves one cached scrape for ~10 s, so two
 * runs back to back agree unless a refresh falls between them.
 */
async function same(args: string[]): Promise<Run> {
  let last = '';
  return waitFor(
    `same output for top ${args.join(' ')}`,
    async () => {
      const k = await run('kubectl', args);
      const m = await run('mkctl', args);
      last = `kubectl rc ${k.code}\n${k.stdout}${k.stderr}\nmkctl rc ${m.code}\n${m.stdout}${m.stderr}`;
      return k.code === m.code && k.stdout === m.stdout && k.stderr.trim() === m.stderr.replace(/\bmkctl\b/g, 'kubectl').trim()
        ? k
        : undefined;
    },
    40_000,
    500,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\n${last}`);
  });
}

const rowsOf = (out: string) =>
  out
    .trimEnd()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));

beforeAll(async () => {
  env = await startKubeletEnv();
  kenv = { ...process.env, ...kubeEnv(env.api.url) };
  // A busy loop capped at 200m by its limit, and an idle pod.
  await createPod(
    env,
    podSpec(
      'burner',
      { containers: [ctr('spin', 'while true; do :; done', { resources: { limits: { cpu: '200m', memory: '64Mi' } } })] },
      env.node,
      { app: 'burn' },
    ),
  );
  await createPod(
    env,
    podSpec('idle', { containers: [ctr('a', 'exec sleep 3600'), ctr('b', 'exec sleep 3600')] }, env.node, { app: 'idle' }),
  );
  // A shell variable of 50 MB: anonymous memory of the container's process.
  await createPod(
    env,
    podSpec(
      'hog',
      {
        containers: [
          ctr('hog', 'x=$(head -c 50000000 /dev/zero | tr "\\0" a); sleep 3600; echo ${#x}', {
            resources: { limits: { memory: '200Mi' } },
          }),
        ],
      },
      env.node,
      { app: 'hog' },
    ),
  );
  await waitPod(env, 'burner', 'Running', (p) => p.status?.phase === 'Running');
  await waitPod(env, 'idle', 'Running', (p) => p.status?.phase === 'Running');
  await waitPod(env, 'hog', 'Running', (p) => p.status?.phase === 'Running');
}, 120_000);

afterAll(async () => {
  await env?.cleanup();
  await stopAll();
});

describe('metrics.k8s.io', () => {
  it('serves PodMetrics and NodeMetrics in upstream shape, and NotFound as metrics-server', async () => {
    const get = async (path: string) => {
      const r = await tlsFetch(`${env.api.url}/apis/metrics.k8s.io/v1beta1${path}`);
      return { code: r.status, body: (await r.json()) as any };
    };
    const pod = await waitFor('burner metrics', async () => {
      const r = await get('/namespaces/default/pods/burner');
      return r.code === 200 && r.body;
    });
    expect(pod).toMatchObject({
      kind: 'PodMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'burner', namespace: 'default', labels: { app: 'burn' } },
    });
    expect(pod.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(pod.window).toMatch(/^[\d.]+m?s$/);
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].name).toBe('spin');
    expect(pod.containers[0].usage.cpu).toMatch(/^\d+[num]?$/);
    expect(pod.containers[0].usage.memory).toMatch(/^\d+(Ki|Mi)?$/);

    const list = await get('/pods?labelSelector=app%3Didle');
    expect(list.body.kind).toBe('PodMetricsList');
    expect(list.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['idle']);
    expect(list.body.items[0].containers.map((c: { name: string }) => c.name).sort()).toEqual(['a', 'b']);

    const node = await get(`/nodes/${env.node}`);
    expect(node.code).toBe(200);
    expect(node.body).toMatchObject({ kind: 'NodeMetrics', metadata: { name: env.node } });
    expect(node.body.usage.cpu).toMatch(/^\d+[num]?$/);

    const missing = await get('/namespaces/default/pods/nope');
    expect(missing).toMatchObject({ code: 404, body: { kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found' } });
    expect((await get('/nodes/nope')).body.message).toBe('node "nope" not found');
    expect((await get('/nodes?watch=1')).code).toBe(405);

    // kubectl get asks for a Table: metrics-server's columns.
    const k = await run('kubectl', ['get', 'pods.metrics.k8s.io', 'burner']);
    expect(k.code, k.stderr).toBe(0);
    expect(k.stdout).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\n/);
    expect(k.stdout).toMatch(/\nburner\s+\d+[num]?\s+\d+(Ki|Mi)?\s+[\d.]+m?s\n/);
  });

  it("memory: the kubelet's summary has the working set (usage minus inactive file), RSS and faults of a pod holding 50 MB; kubectl top shows it", async () => {
    type Mem = { workingSetBytes: number; usageBytes: number; rssBytes?: number; availableBytes?: number; pageFaults?: number };
    type Summary = {
      node: { memory: Mem };
      pods: { podRef: { name: string }; memory?: Mem; containers: { name: string; memory?: Mem }[] }[];
    };
    const hog = await waitFor(
      'hog holds its 50 MB',
      async () => {
        const s = JSON.parse(await kubeletGet(env, '/stats/summary')) as Summary;
        const p = s.pods.find((x) => x.podRef.name === 'hog');
        return p?.containers[0]?.memory && p.containers[0].memory.workingSetBytes >= 50e6 ? { s, p } : undefined;
      },
      60_000,
      1000,
    );
    const m = hog.p.containers[0].memory!;
    expect(m.workingSetBytes).toBeLessThan(200 * 2 ** 20);
    expect(m.usageBytes).toBeGreaterThanOrEqual(m.workingSetBytes);
    expect(m.rssBytes).toBeGreaterThanOrEqual(48e6);
    expect(m.pageFaults).toBeGreaterThan(0);
    expect(m.availableBytes).toBe(200 * 2 ** 20 - m.workingSetBytes);
    expect(hog.p.memory?.workingSetBytes).toBe(m.workingSetBytes);
    expect(hog.s.node.memory.workingSetBytes).toBeGreaterThan(m.workingSetBytes);
    expect(hog.s.node.memory.availableBytes).toBeGreaterThan(0);
    // The idle shells hold well under a MiB each: a working set, not nothing.
    const idle = hog.s.pods.find((x) => x.podRef.name === 'idle')!;
    for (const c of idle.containers) expect(c.memory?.workingSetBytes).toBeGreaterThan(0);

    const row = await waitFor(
      'hog in top pods',
      async () => {
        const r = await run('kubectl', ['top', 'pod', 'hog', '--no-headers']);
        return r.code === 0 && rowsOf(r.stdout)[0];
      },
      40_000,
      1000,
    );
    expect(parseInt(row[2], 10)).toBeGreaterThanOrEqual(47);
    expect(parseInt(row[2], 10)).toBeLessThan(200);
    const sorted = await same(['top', 'pods', '--sort-by', 'memory', '--no-headers']);
    expect(rowsOf(sorted.stdout)[0][0]).toBe('hog');
  });

  it('kubectl top pods sees the burner busy; mkctl prints the same', async () => {
    // The busy loop shows up within a scrape or two (its limit caps it at 200m).
    await waitFor(
      'burner ≥ 50m',
      async () => {
        const r = await run('kubectl', ['top', 'pods']);
        const burner = rowsOf(r.stdout).find((c) => c[0] === 'burner');
        return r.code === 0 && burner && parseInt(burner[1], 10) >= 50;
      },
      60_000,
      2000,
    );
    const r = await same(['top', 'pods']);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s+$/);
    expect(
      rowsOf(r.stdout)
        .slice(1)
        .map((c) => c[0]),
    ).toEqual(['burner', 'hog', 'idle']);
    for (const c of rowsOf(r.stdout).slice(1)) {
      expect(c[1]).toMatch(/^\d+m$/);
      expect(c[2]).toMatch(/^\d+Mi$/);
    }
  });

  it('top pods flags: -A, --containers, -l, --sort-by, --no-headers, a name, --sum', async () => {
    const all = await same(['top', 'pods', '-A']);
    expect(all.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    const cont = await same(['top', 'pods', '--containers']);
    expect(
      rowsOf(cont.stdout)
        .slice(1)
        .map((c) => `${c[0]}/${c[1]}`),
    ).toEqual(['burner/spin', 'hog/hog', 'idle/a', 'idle/b']);
    const sel = await same(['top', 'pods', '-l', 'app=idle', '--no-headers']);
    expect(rowsOf(sel.stdout).map((c) => c[0])).toEqual(['idle']);
    const sorted = await same(['top', 'pods', '--sort-by', 'cpu']);
    expect(rowsOf(sorted.stdout)[1][0]).toBe('burner');
    await same(['top', 'pods', '--sort-by', 'memory', '-A']);
    await same(['top', 'pod', 'burner', '--containers']);
    const sum = await same(['top', 'pods', '--sum']);
    expect(sum.stdout).toContain('________');
    await same(['top', 'pods', '-A', '--containers', '--sum']);
    await same(['top', 'pods', '--sum', '--no-headers', '--use-protocol-buffers=false']);
  });

  it('top nodes, a named node and -l', async () => {
    const r = await same(['top', 'nodes']);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU\(%\)\s+MEMORY\(bytes\)\s+MEMORY\(%\)\s+$/);
    const cells = rowsOf(r.stdout)[1];
    expect(cells[0]).toBe(env.node);
    expect(cells[1]).toMatch(/^\d+m$/);
    expect(cells[3]).toMatch(/^\d+Mi$/);
    await same(['top', 'node', env.node]);
    await same(['top', 'nodes', '--show-capacity', '--no-headers']);
    await same(['top', 'nodes', '-l', `kubernetes.io/hostname=${env.node}`]);

    // A Node whose kubelet does not answer (nothing listens on its port): <unknown> after the others.
    await env.client.resource(R.nodes).create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'ghost' } });
    const status = {
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
      daemonEndpoints: { kubeletEndpoint: { Port: await freePort() } },
      allocatable: { cpu: '1', memory: '1Gi' },
    };
    await env.client.resource(R.nodes).patch('ghost', { status }, 'merge', { subresource: 'status' });
    const withGhost = await waitFor(
      'ghost listed',
      async () => {
        const x = await same(['top', 'nodes']);
        return x.stdout.includes('ghost') && x;
      },
      30_000,
      1000,
    );
    expect(rowsOf(withGhost.stdout).map((c) => c.join(' '))).toContain('ghost <unknown> <unknown> <unknown> <unknown>');
    await env.client.resource(R.nodes).delete('ghost');
  });

  it('errors as kubectl: missing pod, bad --sort-by, name with a selector, no matching pods', async () => {
    expect((await same(['top', 'pod', 'nope'])).code).toBe(1);
    expect((await same(['top', 'pods', '--sort-by', 'name'])).stderr).toContain('--sort-by accepts only cpu or memory');
    await same(['top', 'pod', 'burner', '-l', 'app=burn']);
    const none = await same(['top', 'pods', '-l', 'app=none']);
    expect(none.stderr.trim()).toBe('No resources found in default namespace.');
  });

  // Last: it stops the kubelet.
  it('a node whose kubelet does not answer is left out: <unknown> in top nodes, NotFound for its NodeMetrics', async () => {
    await env.kubelet.kill();
    await waitFor(
      'node metrics gone',
      async () => (await tlsFetch(`${env.api.url}/apis/metrics.k8s.io/v1beta1/nodes/${env.node}`)).status === 404,
      40_000,
      1000,
    );
    const r = await same(['top', 'nodes']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: metrics not available yet');
  });
});
