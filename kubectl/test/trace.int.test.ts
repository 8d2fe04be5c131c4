// mkctl trace against etcd + apiserver + the real scheduler (a Node object stands in for a kubelet):
// a pod that fits shows Created → Scheduled (by default-scheduler, on the node chosen); one that cannot fit
// shows why (the scheduler's FailedScheduling reason).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO, freePort, kubeEnv, startApiserver, startComponent, stopAll, waitFor, type Apiserver, tlsFetch } from '../../testing/procs';

let api: Apiserver;
let env: NodeJS.ProcessEnv;

function mkctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) =>
    execFile(process.execPath, [join(REPO, 'kubectl', 'dist', 'main.js'), ...args], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      ok({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

async function post(path: string, body: unknown): Promise<void> {
  const r = await tlsFetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
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
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
  };
  await post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'trace-node', labels: { 'kubernetes.io/hostname': 'trace-node' } }, status });
  await tlsFetch(`${api.url}/api/v1/nodes/trace-node/status`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ status }) });
  const port = await freePort();
  await startComponent('scheduler', ['--kubeconfig', await api.kubeconfig('scheduler'), '--leader-elect=false', '--bind-address', '127.0.0.1', '--secure-port', String(port)], `http://127.0.0.1:${port}/healthz`);
});

afterAll(async () => {
  await stopAll();
});

it('trace shows a scheduled pod step by step, and why a pod cannot be scheduled', async () => {
  await post('/api/v1/namespaces/default/pods', pod('fits', '100m'));
  await post('/api/v1/namespaces/default/pods', pod('huge', '64'));
  const fits = await waitFor('pod fits scheduled, with its event', async () => {
    const r = await mkctl(['trace', 'pod/fits']);
    return r.stdout.includes('Scheduled') ? r : undefined;
  }, 60_000, 500);
  expect(fits.code).toBe(0);
  expect(fits.stdout).toContain('pod/fits in default: Pending on node trace-node');
  const lines = fits.stdout.split('\n');
  const created = lines.findIndex((l) => /\bCreated\s+kube-apiserver\b/.test(l));
  const scheduled = lines.findIndex((l) => /\bScheduled\s+default-scheduler\b.*trace-node/.test(l));
  expect(created).toBeGreaterThan(0);
  expect(scheduled).toBeGreaterThan(created);

  const huge = await waitFor('pod huge reported unschedulable', async () => {
    const r = await mkctl(['trace', 'pod', 'huge']);
    return /Insufficient cpu/.test(r.stdout) ? r : undefined;
  }, 60_000, 500);
  expect(huge.stdout).toContain('not scheduled');
  expect(huge.stdout).toMatch(/Not scheduled: .*Insufficient cpu/);

  const missing = await mkctl(['trace', 'pod/nope']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
});
