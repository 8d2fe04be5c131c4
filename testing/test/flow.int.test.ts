// The whole cluster as separate real processes on this host (etcd, apiserver, scheduler,
// controller-manager, two kubelets on the host's Docker engine): the pod creation flow end to end.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isPodReady, R, type KubeObject } from '@minik8s/shared';
import { IMAGES } from '../images';
import { tlsFetch, waitFor } from '../procs';
import { docker, startHostCluster, type HostCluster } from '../cluster';

type Obj = KubeObject & { spec?: any; status?: any };
let c: HostCluster;

/** busybox httpd serving a page that names the pod (hostname = pod name, from the pause container). */
const web = {
  name: 'web',
  image: IMAGES.busybox,
  imagePullPolicy: 'IfNotPresent',
  command: [
    'sh',
    '-c',
    'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && echo serving && exec httpd -f -p 8080 -h /www',
  ],
  ports: [{ containerPort: 8080 }],
};

beforeAll(async () => {
  c = await startHostCluster({ nodes: 2, prefix: 'flow' });
}, 180_000);

afterAll(async () => {
  await c?.cleanup();
});

const isReady = (p: Obj) => p.status?.phase === 'Running' && isPodReady(p);

it('pod creation flow: apiserver → scheduler binds → kubelet runs it on Docker → status; HTTP to the pod IP', async () => {
  const pods = c.client.resource<Obj>(R.pods);
  const created = await pods.create(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hello', namespace: 'default' },
      spec: { terminationGracePeriodSeconds: 1, containers: [web] },
    },
    { namespace: 'default' },
  );
  expect(created.spec.nodeName).toBeUndefined();

  let last: Obj | undefined;
  const pod = await waitFor(
    `pod hello Running+Ready with a podIP\n${c.logs()}`,
    async () => {
      last = await pods.get('hello', 'default');
      return isReady(last) && last.status.podIP ? last : undefined;
    },
    90_000,
    250,
  ).catch((e) => {
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
  const ctrs = docker([
    'ps',
    '-q',
    '--filter',
    `label=io.kubernetes.pod.uid=${pod.metadata.uid}`,
    '--filter',
    `label=io.minik8s.node=${node}`,
  ])
    .split('\n')
    .filter(Boolean);
  expect(ctrs.length).toBe(2); // pause + web
  // Only that node's kubelet runs it (its /pods API), the other one does not.
  for (const k of c.kubelets) {
    const list = (await (await tlsFetch(`${k.apiUrl}/pods`)).json()) as { items: Obj[] };
    expect(
      list.items.some((p) => p.metadata.uid === pod.metadata.uid),
      k.node,
    ).toBe(k.node === node);
  }

  const body = await waitFor(
    'HTTP 200 from the pod IP',
    async () => {
      const r = await fetch(`http://${pod.status.podIP}:8080/`, { signal: AbortSignal.timeout(5000) });
      return r.ok ? r.text() : undefined;
    },
    30_000,
    500,
  );
  expect(body).toBe('hello from hello\n');

  // The Events tell the flow: Scheduled (by the scheduler, naming the node), then the kubelet's.
  const events = await waitFor(
    'Scheduled and Started events',
    async () => {
      const evs = (await c.client.resource<Obj>(R.events).list({ namespace: 'default', fieldSelector: 'involvedObject.name=hello' })).items;
      const reasons = evs.map((e: any) => e.reason);
      return reasons.includes('Scheduled') && reasons.includes('Started') ? evs : undefined;
    },
    30_000,
    500,
  );
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
  await waitFor(
    'pod hello gone',
    async () => !(await pods.list({ namespace: 'default', fieldSelector: 'metadata.name=hello' })).items.length,
    60_000,
    250,
  );
  await waitFor(
    'containers of hello removed',
    () => docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${pod.metadata.uid}`]) === '',
    30_000,
    500,
  );
}, 180_000);
