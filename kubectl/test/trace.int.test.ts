// mkctl trace against etcd + apiserver + the real scheduler (a Node object stands in for a kubelet):
// a pod that fits shows Created → Queued → Scheduling → Binding → Scheduled (by default-scheduler, on the
// node chosen) with millisecond times from the Scheduled Event's eventTime and timing annotations; one that
// cannot fit shows why (the scheduler's FailedScheduling reason); --watch follows a pod until it is Ready.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, freePort, kubeEnv, startApiserver, startComponent, stopAll, waitFor, type Apiserver, tlsFetch } from '../../testing/procs';

let api: Apiserver;
let env: NodeJS.ProcessEnv;

function mkctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) =>
    execFile(
      process.execPath,
      [join(REPO, 'kubectl', 'dist', 'main.js'), ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) =>
        ok({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

async function post(path: string, body: unknown): Promise<void> {
  const r = await tlsFetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (r.status !== 201) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
}

const pod = (name: string, cpu: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36', resources: { requests: { cpu, memory: '16Mi' } } }] },
});

beforeAll(async () => {
  api = await startApiserver();
  await waitFor('namespace default', async () => (await tlsFetch(`${api.url}/api/v1/namespaces/default`)).ok, 30_000);
  env = kubeEnv(api.url);
  const now = new Date().toISOString();
  const status = {
    capacity: { cpu: '2', memory: '4Gi', pods: '110' },
    allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ],
  };
  await post('/api/v1/nodes', {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'trace-node', labels: { 'kubernetes.io/hostname': 'trace-node' } },
    status,
  });
  await tlsFetch(`${api.url}/api/v1/nodes/trace-node/status`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ status }),
  });
  const port = await freePort();
  await startComponent(
    'scheduler',
    [
      '--kubeconfig',
      await api.kubeconfig('scheduler'),
      '--leader-elect=false',
      '--bind-address',
      '127.0.0.1',
      '--secure-port',
      String(port),
    ],
    `http://127.0.0.1:${port}/healthz`,
  );
});

afterAll(async () => {
  await stopAll();
});

it('trace shows a scheduled pod step by step, and why a pod cannot be scheduled', async () => {
  await post('/api/v1/namespaces/default/pods', pod('fits', '100m'));
  await post('/api/v1/namespaces/default/pods', pod('huge', '64'));
  const fits = await waitFor(
    'pod fits scheduled, with its event',
    async () => {
      const r = await mkctl(['trace', 'pod/fits']);
      return r.stdout.includes('Scheduled') ? r : undefined;
    },
    60_000,
    500,
  );
  expect(fits.code).toBe(0);
  expect(fits.stdout).toContain('pod/fits in default: Pending on node trace-node');
  const lines = fits.stdout.split('\n');
  const row = (re: RegExp) => lines.findIndex((l) => re.test(l));
  const created = row(/\bCreated\s+kube-apiserver\b/);
  const steps = [
    created,
    row(/\bQueued\s+default-scheduler\b/),
    row(/\bScheduling\s+default-scheduler\b.*filtering and scoring took [\d.]+ms/),
    row(/\bBinding\s+default-scheduler\b/),
    row(/\bScheduled\s+default-scheduler\b.*trace-node/),
  ];
  expect(created).toBeGreaterThan(0);
  for (let i = 1; i < steps.length; i++) expect(steps[i], fits.stdout).toBeGreaterThan(steps[i - 1]);
  // Millisecond resolution: the scheduler's steps carry three decimals and are not all the same time.
  const times = steps.slice(1).map((i) => /^\+(\d+\.\d{3})s \(\+(\d+\.\d{3})s\)/.exec(lines[i])?.[1]);
  expect(
    times.every((t) => t !== undefined),
    fits.stdout,
  ).toBe(true);
  expect(lines[created]).toMatch(/^~\+0\.000s/);

  const huge = await waitFor(
    'pod huge reported unschedulable',
    async () => {
      const r = await mkctl(['trace', 'pod', 'huge']);
      return /Insufficient cpu/.test(r.stdout) ? r : undefined;
    },
    60_000,
    500,
  );
  expect(huge.stdout).toContain('not scheduled');
  expect(huge.stdout).toMatch(/Not scheduled: .*Insufficient cpu/);

  // --watch: the steps as they come, ending when the pod is Ready (set here as a kubelet would).
  await post('/api/v1/namespaces/default/pods', pod('followed', '100m'));
  const child = spawn(process.execPath, [join(REPO, 'kubectl', 'dist', 'main.js'), 'trace', 'pod/followed', '--watch'], {
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    await waitFor('the watch shows the pod scheduled', () => /Scheduled\s+default-scheduler/.test(out), 60_000, 200);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const r = await tlsFetch(`${api.url}/api/v1/namespaces/default/pods/followed/status`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }] } }),
    });
    expect(r.status).toBe(200);
    expect(await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))])).toBe(0);
  } finally {
    child.kill();
  }
  expect(out).toMatch(/^pod\/followed in default: Pending/);
  expect(out.split('\n').filter((l) => l.startsWith('ELAPSED'))).toHaveLength(1);
  expect(out).toMatch(/Ready\s+kubelet\s+condition Ready=True/);

  const missing = await mkctl(['trace', 'pod/nope']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
});
