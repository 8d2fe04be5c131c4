// The whole cluster as separate real processes on this host (etcd, apiserver, scheduler,
// controller-manager, two kubelets on the host's Docker engine): the pod creation flow end to end,
// and the real kubectl against it (logs, exec, get -o wide).
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPodReady, R, type KubeObject } from '@minik8s/shared';
import { IMAGES } from '../images';
import { tlsFetch, waitFor } from '../procs';
import { docker, startHostCluster, type HostCluster } from '../cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let c: HostCluster;
let kenv: NodeJS.ProcessEnv;

function kubectl(args: string[], timeoutMs = 60_000): { code: number; out: string; err: string } {
  const r = spawnSync('kubectl', args, { env: kenv, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** busybox httpd serving a page that names the pod (hostname = pod name, from the pause container). */
const web = {
  name: 'web',
  image: IMAGES.busybox,
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www'],
  ports: [{ containerPort: 8080 }],
};

beforeAll(async () => {
  c = await startHostCluster({ nodes: 2, prefix: 'flow' });
  kenv = { ...process.env, ...c.kubeEnv() };
}, 180_000);

afterAll(async () => {
  await c?.cleanup();
});

const isReady = (p: Obj) => p.status?.phase === 'Running' && isPodReady(p);

it('pod creation flow: apiserver → scheduler binds → kubelet runs it on Docker → status; HTTP to the pod IP', async () => {
  const pods = c.client.resource<Obj>(R.pods);
  const created = await pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello', namespace: 'default' }, spec: { terminationGracePeriodSeconds: 1, containers: [web] } }, { namespace: 'default' });
  expect(created.spec.nodeName).toBeUndefined();

  let last: Obj | undefined;
  const pod = await waitFor(`pod hello Running+Ready with a podIP\n${c.logs()}`, async () => {
    last = await pods.get('hello', 'default');
    return isReady(last) && last.status.podIP ? last : undefined;
  }, 90_000, 250).catch((e) => {
    throw new Error(`${(e as Error).message}\nlast: ${JSON.stringify(last?.status)}`);
  });
  const node = pod.spec.nodeName as string;
  expect(c.nodeNames).toContain(node);
  expect(pod.status.hostIP).toBe('127.0.0.1');
  expect(pod.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled')?.status).toBe('True');

  // The pod IP lies in that node's podCIDR, and the containers run on that node's kubelet.
  const n = await c.client.resource<Obj>(R.nodes).get(node);
  const [net, bits] = (n.spec.podCIDR as string).split('/');
  const toInt = (ip: string) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  const mask = 2 ** 32 - 2 ** (32 - Number(bits));
  expect((toInt(pod.status.podIP) & mask) >>> 0).toBe(toInt(net));
  const ctrs = docker(['ps', '-q', '--filter', `label=io.kubernetes.pod.uid=${pod.metadata.uid}`, '--filter', `label=io.minik8s.node=${node}`]).split('\n').filter(Boolean);
  expect(ctrs.length).toBe(2); // pause + web
  // Only that node's kubelet runs it (its /pods API), the other one does not.
  for (const k of c.kubelets) {
    const list = (await (await tlsFetch(`${k.apiUrl}/pods`)).json()) as { items: Obj[] };
    expect(list.items.some((p) => p.metadata.uid === pod.metadata.uid), k.node).toBe(k.node === node);
  }

  const body = await waitFor('HTTP 200 from the pod IP', async () => {
    const r = await fetch(`http://${pod.status.podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
    return r.ok ? r.text() : undefined;
  }, 30_000, 500);
  expect(body).toBe('hello from hello\n');

  // The Events tell the flow: Scheduled (by the scheduler, naming the node), then the kubelet's.
  const events = await waitFor('Scheduled and Started events', async () => {
    const evs = (await c.client.resource<Obj>(R.events).list({ namespace: 'default', fieldSelector: 'involvedObject.name=hello' })).items;
    const reasons = evs.map((e: any) => e.reason);
    return reasons.includes('Scheduled') && reasons.includes('Started') ? evs : undefined;
  }, 30_000, 500);
  const byReason = (r: string) => events.filter((e: any) => e.reason === r) as any[];
  const scheduled = byReason('Scheduled')[0];
  expect(scheduled.message).toBe(`Successfully assigned default/hello to ${node}`);
  expect(scheduled.source?.component ?? scheduled.reportingComponent).toContain('scheduler');
  for (const r of ['Pulled', 'Created', 'Started']) {
    const e = byReason(r)[0];
    expect(e, `${r} event in ${JSON.stringify(events.map((x: any) => x.reason))}`).toBeDefined();
    expect(e.source?.host).toBe(node);
    expect(e.involvedObject.uid).toBe(pod.metadata.uid);
  }
  expect(byReason('Created')[0].message).toBe('Created container web');
  const t = (r: string) => Date.parse(byReason(r)[0].firstTimestamp ?? byReason(r)[0].eventTime);
  expect(t('Scheduled')).toBeLessThanOrEqual(t('Started'));

  // Deleting the pod removes its containers, then the object.
  await pods.delete('hello', { namespace: 'default' });
  await waitFor('pod hello gone', async () => !(await pods.list({ namespace: 'default', fieldSelector: 'metadata.name=hello' })).items.length, 60_000, 250);
  await waitFor('containers of hello removed', () => docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${pod.metadata.uid}`]) === '', 30_000, 500);
}, 180_000);

it('the real kubectl: logs deploy/web, exec, get pods -o wide', async () => {
  const created = kubectl(['create', 'deployment', 'web', `--image=${IMAGES.busybox}`, '--replicas=2', '--', 'sh', '-c', 'echo "started on $(hostname)"; exec httpd -f -p 8080 -h /']);
  expect(created.code, created.err).toBe(0);
  const st = kubectl(['rollout', 'status', 'deployment/web', '--timeout=120s'], 150_000);
  expect(st.code, `${st.out}${st.err}\n${c.logs()}`).toBe(0);
  const pods = (await c.client.resource<Obj>(R.pods).list({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
  expect(pods).toHaveLength(2);

  const logs = await waitFor('kubectl logs deploy/web', () => {
    const r = kubectl(['logs', 'deploy/web']);
    return r.code === 0 && r.out.includes('started on') ? r.out : undefined;
  }, 30_000, 500);
  expect(pods.map((p) => `started on ${p.metadata.name}\n`)).toContain(logs);

  const hi = kubectl(['exec', pods[0].metadata.name!, '--', 'echo', 'hi']);
  expect(hi, hi.err).toMatchObject({ code: 0, out: 'hi\n' });
  // exec really runs inside that pod (its hostname), on whichever node it landed.
  const host = kubectl(['exec', pods[1].metadata.name!, '--', 'hostname']);
  expect(host.out.trim()).toBe(pods[1].metadata.name);

  const wide = kubectl(['get', 'pods', '-o', 'wide', '-l', 'app=web']);
  expect(wide.code, wide.err).toBe(0);
  const [header, ...rows] = wide.out.trim().split('\n');
  const cols = header.split(/\s{2,}/);
  expect(cols.slice(0, 7)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE']);
  const ipAt = header.indexOf('IP');
  const nodeAt = header.indexOf('NODE');
  expect(rows).toHaveLength(2);
  for (const p of pods) {
    const row = rows.find((r) => r.startsWith(`${p.metadata.name} `));
    expect(row, wide.out).toBeDefined();
    expect(row!.slice(ipAt).split(/\s+/)[0]).toBe(p.status.podIP);
    expect(row!.slice(nodeAt).split(/\s+/)[0]).toBe(p.spec.nodeName);
    expect(row).toMatch(/ 1\/1 +Running /);
  }
  expect(kubectl(['delete', 'deployment', 'web']).code).toBe(0);
}, 240_000);
