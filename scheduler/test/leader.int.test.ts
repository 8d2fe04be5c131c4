// Two schedulers with --leader-elect on the kube-system/kube-scheduler Lease: one schedules; when it is
// killed the other takes over.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { R, type ApiClient, type KubeObject } from '@minik8s/shared';
import { startApiserver, stopAll, waitFor, type Proc } from '../../testing/procs';
import { clientFor, createNode, createPod, ensureNamespace, podSpec, startScheduler, waitBound } from './cluster';

let c: ApiClient;
let server: string;
type Lease = KubeObject & { spec?: { holderIdentity?: string } };

const LE = [
  '--leader-elect',
  '--leader-elect-lease-duration',
  '8s',
  '--leader-elect-renew-deadline',
  '6s',
  '--leader-elect-retry-period',
  '2s',
];
const holder = async () => (await c.resource<Lease>(R.leases).get('kube-scheduler', 'kube-system')).spec?.holderIdentity || undefined;
const logOf = (p: Proc) => readFileSync(p.logFile, 'utf8');

beforeAll(async () => {
  const api = await startApiserver();
  server = api.url;
  c = clientFor(server);
  await ensureNamespace(c, 'kube-system');
  await createNode(c, 'n1', '4', '8Gi');
});

afterAll(stopAll);

it('one of two schedulers is active; the other takes over when it is killed', async () => {
  const a = await startScheduler(server, LE);
  const b = await startScheduler(server, LE);
  const first = await waitFor('a lease holder', holder, 30_000, 200);
  const [leader, standby] = (await waitFor(
    'the leader to log it',
    () => {
      if (logOf(a).includes('scheduler started')) return [a, b];
      if (logOf(b).includes('scheduler started')) return [b, a];
      return undefined;
    },
    30_000,
    200,
  )) as [Proc, Proc];
  expect(logOf(leader)).toContain(first);

  await createPod(c, 'default', podSpec('before', '100m', '64Mi'));
  expect(await waitBound(c, 'default', 'before')).toBe('n1');
  expect(logOf(standby)).not.toContain('scheduler started');

  await leader.kill('SIGKILL');
  const second = await waitFor(
    'the standby to take the lease',
    async () => {
      const h = await holder();
      return h && h !== first ? h : undefined;
    },
    30_000,
    200,
  );
  expect(logOf(standby)).toContain(second);
  await createPod(c, 'default', podSpec('after', '100m', '64Mi'));
  expect(await waitBound(c, 'default', 'after')).toBe('n1');
});
