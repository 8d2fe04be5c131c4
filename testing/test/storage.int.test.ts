// Storage on the host cluster (every component a real process, two kubelets on the host's Docker): the
// PV controller, the scheduler's VolumeBinding, a local-path provisioner per node (each with a storage
// root of its own, as each node has its own disk) and the kubelet mounting claims. A claim binds where
// its pod lands and keeps its data for the next pod; a StatefulSet's ordinal keeps its claim; deleted
// claims lose volume and directory; a claim too big for any node and a volume outside the provisioner's
// root are refused with Events that say why.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R, type Claim, type KubeObject, type Pod, type Volume } from '@minik8s/shared';
import { IMAGES } from '../images';
import { applyManifestRbac, freePort, removeDir, startComponent, tempDir, waitFor, type Proc } from '../procs';
import { startHostCluster, type HostCluster } from '../cluster';

type Obj = KubeObject & { spec?: any; status?: any };
const NS = 'default';
const PROVISIONER = 'minik8s.io/local-path';
let c: HostCluster;
const roots = new Map<string, string>();
const provisioners: Proc[] = [];
let outside: string;

const claims = () => c.client.resource<Claim>(R.persistentvolumeclaims);
const volumes = () => c.client.resource<Volume>(R.persistentvolumes);
const pods = () => c.client.resource<Pod>(R.pods);

function shellPod(name: string, claimName: string, script: string, node?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: {
      ...(node ? { nodeName: node } : {}),
      terminationGracePeriodSeconds: 0,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'c',
          image: IMAGES.busybox,
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', script],
          volumeMounts: [{ name: 'data', mountPath: '/data' }],
        },
      ],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }],
    },
  };
}

const claim = (name: string, storage = '64Mi', storageClassName?: string): Claim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: NS },
  spec: {
    accessModes: ['ReadWriteOnce'],
    resources: { requests: { storage } },
    ...(storageClassName !== undefined ? { storageClassName } : {}),
  },
});

async function podDone(name: string): Promise<Obj> {
  let last: Obj | undefined;
  return waitFor(
    `pod ${name} Succeeded\n${c.logs()}`,
    async () => {
      last = await pods().get(name, NS);
      if (last.status?.phase === 'Failed') throw new Error(`pod ${name} failed: ${JSON.stringify(last.status)}`);
      return last.status?.phase === 'Succeeded' ? last : undefined;
    },
    120_000,
    300,
  ).catch((e) => {
    throw new Error(`${(e as Error).message}\nlast status: ${JSON.stringify(last?.status)}`);
  });
}

async function logs(name: string): Promise<string> {
  return await c.client.request<string>('GET', `/api/v1/namespaces/${NS}/pods/${name}/log`, { accept: 'text/plain' });
}

async function events(name: string): Promise<{ reason: string; message: string; type: string }[]> {
  const all = (await c.client.resource<Obj>(R.events).list({ namespace: NS })).items as unknown as {
    reason: string;
    message: string;
    type: string;
    involvedObject: { name: string };
  }[];
  return all.filter((e) => e.involvedObject.name === name);
}

async function gone(what: string, get: () => Promise<unknown>): Promise<void> {
  await waitFor(
    `${what} gone\n${c.logs()}`,
    async () =>
      get().then(
        () => false,
        (e) => (e as { code?: number }).code === 404,
      ),
    90_000,
    300,
  );
}

const PROVISIONER_USER = {
  user: 'system:serviceaccount:local-path-storage:local-path-provisioner-service-account',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:local-path-storage'],
};

beforeAll(async () => {
  c = await startHostCluster({ nodes: 2, prefix: 'st' });
  await applyManifestRbac(c.url, 'local-path-provisioner/manifests/local-path-storage.yaml');
  for (const node of c.nodeNames) {
    const root = tempDir('minik8s-lpp-root-');
    roots.set(node, root);
    const port = await freePort();
    provisioners.push(
      // (its own client certificate, as the ServiceAccount the DaemonSet runs as)
      await startComponent(
        'local-path-provisioner',
        [
          '--kubeconfig',
          await c.api.kubeconfig(PROVISIONER_USER),
          '--node-name',
          node,
          '--root',
          root,
          '--bind-address',
          '127.0.0.1',
          '--health-port',
          String(port),
        ],
        `http://127.0.0.1:${port}/healthz`,
      ),
    );
  }
  await c.client.resource(R.storageclasses).create({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  });
  outside = tempDir('minik8s-lpp-outside-');
}, 240_000);

afterAll(async () => {
  for (const p of provisioners) await p.kill();
  await c?.cleanup();
  for (const r of roots.values()) removeDir(r);
  if (outside) removeDir(outside);
});

describe('storage on the host cluster', () => {
  it('a claim binds where its pod lands; the next pod on the claim reads what the first wrote; a deleted claim loses volume and directory', async () => {
    await claims().create(claim('notes'), { namespace: NS });
    await waitFor(
      'WaitForFirstConsumer on the claim',
      async () => (await events('notes')).some((e) => e.reason === 'WaitForFirstConsumer'),
      30_000,
      300,
    );
    expect((await claims().get('notes', NS)).spec?.storageClassName).toBe('standard'); // the default class, by admission

    await pods().create(shellPod('writer', 'notes', 'echo "written by $(hostname)" > /data/note && cat /data/note'), { namespace: NS });
    const w = await podDone('writer');
    const node = w.spec.nodeName as string;
    const bound = await claims().get('notes', NS);
    expect(bound.status?.phase).toBe('Bound');
    expect(bound.metadata.annotations?.['volume.kubernetes.io/selected-node']).toBe(node);
    const pv = await volumes().get(bound.spec!.volumeName!);
    expect(pv.metadata.name).toBe(`pvc-${bound.metadata.uid}`);
    expect(pv.spec?.nodeAffinity?.required?.nodeSelectorTerms?.[0].matchExpressions?.[0].values).toEqual([node]);
    const dir = pv.spec!.hostPath!.path;
    expect(dir.startsWith(`${roots.get(node)}/pvc-${bound.metadata.uid}_default_notes`)).toBe(true);
    expect(readFileSync(join(dir, 'note'), 'utf8')).toBe('written by writer\n');
    const reasons = (await events('notes')).map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['WaitForFirstConsumer', 'ExternalProvisioning', 'Provisioning', 'ProvisioningSucceeded']),
    );

    // the next pod on the claim goes to the same node (the volume's node affinity) and reads the note
    await pods().delete('writer', { namespace: NS, gracePeriodSeconds: 0 });
    await pods().create(shellPod('reader', 'notes', 'cat /data/note'), { namespace: NS });
    const r = await podDone('reader');
    expect(r.spec.nodeName).toBe(node);
    expect(await logs('reader')).toBe('written by writer\n');

    // a claim used by a pod is kept until the pod goes (pvc-protection); then volume and directory go
    await claims().delete('notes', { namespace: NS });
    expect((await claims().get('notes', NS)).metadata.finalizers).toContain('kubernetes.io/pvc-protection');
    await pods().delete('reader', { namespace: NS, gracePeriodSeconds: 0 });
    await gone('claim notes', () => claims().get('notes', NS));
    await gone(`volume ${pv.metadata.name}`, () => volumes().get(pv.metadata.name!));
    expect(existsSync(dir)).toBe(false);
  });

  it('a StatefulSet ordinal keeps its claim across pod deletion; whenDeleted Delete removes the claims with the set', async () => {
    const sts = c.client.resource<Obj>(R.statefulsets);
    await sts.create(
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: NS },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' },
          template: {
            metadata: { labels: { app: 'db' } },
            spec: {
              terminationGracePeriodSeconds: 0,
              containers: [
                {
                  name: 'db',
                  image: IMAGES.busybox,
                  imagePullPolicy: 'IfNotPresent',
                  command: ['sh', '-c', '[ -f /data/id ] || hostname > /data/id; echo "boot $(date +%s%N)" >> /data/log; sleep 3600'],
                  volumeMounts: [{ name: 'data', mountPath: '/data' }],
                },
              ],
            },
          },
          volumeClaimTemplates: [
            { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '32Mi' } } } },
          ],
        },
      },
      { namespace: NS },
    );
    const running = async (uid?: string) =>
      waitFor(
        `db-0 Running${uid ? ' (a new one)' : ''}\n${c.logs()}`,
        async () => {
          const p = (await pods()
            .get('db-0', NS)
            .catch(() => undefined)) as Obj | undefined;
          return p?.status?.phase === 'Running' && p.metadata.uid !== uid ? p : undefined;
        },
        120_000,
        300,
      );
    const first = await running();
    const cl = await claims().get('data-db-0', NS);
    expect(cl.metadata.labels).toEqual({ app: 'db' });
    expect(cl.metadata.ownerReferences?.map((o) => `${o.kind}/${o.name}`)).toEqual(['StatefulSet/db']);
    const dir = (await volumes().get(cl.spec!.volumeName!)).spec!.hostPath!.path;
    await waitFor('the first boot logged', async () => existsSync(join(dir, 'log')), 30_000, 200);

    await pods().delete('db-0', { namespace: NS, gracePeriodSeconds: 0 });
    const second = await running(first.metadata.uid);
    expect(second.spec.nodeName).toBe(first.spec.nodeName);
    await waitFor(
      'the second boot logged in the same volume',
      async () => readFileSync(join(dir, 'log'), 'utf8').trim().split('\n').length === 2,
      30_000,
      200,
    );
    expect(readFileSync(join(dir, 'id'), 'utf8')).toBe('db-0\n');

    await sts.delete('db', { namespace: NS });
    await gone('claim data-db-0', () => claims().get('data-db-0', NS));
    await waitFor('the volume directory removed', async () => !existsSync(dir), 90_000, 300);
  });

  it('a claim bigger than any node stays Pending; the provisioner says why', async () => {
    await claims().create(claim('huge', '1Pi'), { namespace: NS });
    await pods().create(shellPod('hungry', 'huge', 'true'), { namespace: NS });
    const ev = await waitFor(
      'ProvisioningFailed',
      async () => (await events('huge')).find((e) => e.reason === 'ProvisioningFailed'),
      60_000,
      300,
    );
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(
      /^failed to provision volume with StorageClass "standard": insufficient capacity on node "st-[0-9a-f]{4}-[01]": requested 1Pi, \d+\w+ available under \//,
    );
    expect((await claims().get('huge', NS)).status?.phase).toBe('Pending');
    const p = (await pods().get('hungry', NS)) as Obj;
    expect(p.spec.nodeName).toBeUndefined();
    await waitFor(
      'FailedScheduling on the pod',
      async () =>
        (await events('hungry')).some(
          (e) => e.reason === 'FailedScheduling' && e.message.includes('running PreBind plugin "VolumeBinding"'),
        ),
      60_000,
      300,
    );
    await pods().delete('hungry', { namespace: NS, gracePeriodSeconds: 0 });
    await claims().delete('huge', { namespace: NS });
  });

  it('refuses to delete a released volume whose host path is outside its root, and touches nothing there', async () => {
    writeFileSync(join(outside, 'precious'), 'keep me');
    mkdirSync(join(outside, 'sub'));
    const node = c.nodeNames[0];
    await volumes().create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'crafted', annotations: { 'pv.kubernetes.io/provisioned-by': PROVISIONER } },
      spec: {
        capacity: { storage: '1Gi' },
        accessModes: ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName: '',
        hostPath: { path: outside },
        claimRef: { namespace: NS, name: 'victim' },
        nodeAffinity: {
          required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] },
        },
      },
    });
    await claims().create(claim('victim', '1Gi', ''), { namespace: NS });
    await waitFor(
      'the claim bound to the crafted volume',
      async () => (await claims().get('victim', NS)).status?.phase === 'Bound',
      60_000,
      300,
    );
    await claims().delete('victim', { namespace: NS });
    const ev = await waitFor(
      'VolumeFailedDelete',
      async () => (await events('crafted')).find((e) => e.reason === 'VolumeFailedDelete'),
      60_000,
      300,
    );
    expect(ev.message).toBe(
      `refusing to delete volume "crafted": "${outside}" is not a volume directory of this provisioner under ${roots.get(node)}`,
    );
    expect((await volumes().get('crafted')).status?.phase).toBe('Released');
    expect(readdirSync(outside).sort()).toEqual(['precious', 'sub']);
  });

  it("kubectl get pv,pvc prints upstream's columns", async () => {
    await claims().create(claim('shown'), { namespace: NS });
    const r = spawnSync('kubectl', ['get', 'pv,pvc,sc'], { env: { ...process.env, ...c.kubeEnv() }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const headers = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('NAME'))
      .map((l) => l.trim().split(/\s{2,}/));
    expect(headers).toEqual([
      ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
      ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
      ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    ]);
    expect(r.stdout).toMatch(/persistentvolume\/crafted\s+1Gi\s+RWO\s+Delete\s+Released\s+default\/victim\s+<unset>/);
    expect(r.stdout).toMatch(/persistentvolumeclaim\/shown\s+Pending\s+standard\s+<unset>/);
    expect(r.stdout).toMatch(
      /storageclass\.storage\.k8s\.io\/standard \(default\)\s+minik8s\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false/,
    );
  });
});
