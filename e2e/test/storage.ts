// Issue 15's storage acceptance where users meet it: the compose cluster's local-path provisioner (a pod
// per node) and its default StorageClass `standard`, driven with the real kubectl. A claim binds where its
// pod lands and its data outlives the pod; a StatefulSet keeps each ordinal's data across pod deletion; a
// deleted claim's volume and its directory in the node go; `kubectl get pv,pvc` prints upstream's columns;
// a LimitRange's defaults and a ResourceQuota's refusal on the same cluster.
// Registered by cluster.int.test.ts so that it runs on that file's cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sh } from './compose';
import { waitFor } from '../../testing/procs';
import { namespacedKubectl, type SuiteEnv } from './services';

const ROOT = '/var/lib/minik8s/local-path';

export function storageSuite(env: () => SuiteEnv): void {
  describe('storage on the compose cluster (issue 15)', () => {
    const ns = `e2e-storage-${Date.now().toString(36)}`;
    const kubectl = namespacedKubectl(env, ns);
    const k = (args: string[], input?: string) => {
      const r = kubectl(args, input);
      expect(r.code, `kubectl ${args.join(' ')}: ${r.out}`).toBe(0);
      return r.stdout;
    };
    const json = (args: string[]) => JSON.parse(k([...args, '-o', 'json']));
    /** A command in a node container (where the node's storage root is). */
    const inNode = (node: string, script: string) => sh('docker', ['exec', env().cluster.lib.containerId(node), 'sh', '-c', script]);
    const pod = (name: string, claim: string, script: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - {name: c, image: busybox:latest, imagePullPolicy: IfNotPresent, command: [sh, -c, '${script}'], volumeMounts: [{name: data, mountPath: /data}]}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: ${claim}}}
`;
    const running = (name: string) =>
      waitFor(
        `pod ${name} Running`,
        async () => {
          const r = kubectl(['get', 'pod', name, '-o', 'json']);
          const p = r.code === 0 ? JSON.parse(r.stdout) : undefined;
          return p?.status?.phase === 'Running' ? p : undefined;
        },
        180_000,
        1000,
      );

    beforeAll(async () => {
      k(['create', 'namespace', ns]);
      // the provisioner runs on both nodes (its image is pulled through the registry on first use)
      await waitFor(
        'the local-path provisioner ready on both nodes',
        async () => {
          const r = kubectl(['-n', 'local-path-storage', 'get', 'daemonset', 'local-path-provisioner', '-o', 'json']);
          const st = r.code === 0 ? JSON.parse(r.stdout).status : undefined;
          return st?.desiredNumberScheduled === 2 && st.numberReady === 2;
        },
        180_000,
        1000,
      );
    }, 240_000);

    afterAll(async () => {
      kubectl(['delete', 'namespace', ns, '--wait=false']);
      // the namespace's claims go, and with them their volumes: nothing of this suite is left behind
      await waitFor(
        `no volume of ${ns} left`,
        async () => {
          const r = kubectl(['get', 'pv', '-o', 'json']);
          return (
            r.code === 0 &&
            !JSON.parse(r.stdout).items.some((v: { spec: { claimRef?: { namespace: string } } }) => v.spec.claimRef?.namespace === ns)
          );
        },
        180_000,
        1000,
      ).catch(() => undefined);
    }, 240_000);

    it('shows the default StorageClass', () => {
      expect(k(['get', 'sc'])).toMatch(
        /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\nstandard \(default\)\s+minik8s\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+\n/,
      );
    });

    it('binds a claim where its pod lands; the next pod on the claim reads what the first wrote; get pv,pvc as upstream', async () => {
      k(
        ['apply', '-f', '-'],
        `
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}
`,
      );
      expect(k(['get', 'pvc', 'notes', '-o', 'jsonpath={.status.phase} {.spec.storageClassName}'])).toBe('Pending standard');
      k(['apply', '-f', '-'], pod('writer', 'notes', 'echo "written by $(hostname)" > /data/note; sleep 3600'));
      const w = await running('writer');
      const claim = await waitFor(
        'claim notes Bound',
        async () => {
          const c = json(['get', 'pvc', 'notes']);
          return c.status?.phase === 'Bound' ? c : undefined;
        },
        60_000,
        1000,
      );
      const pvName = claim.spec.volumeName;
      expect(pvName).toBe(`pvc-${claim.metadata.uid}`);
      const node = w.spec.nodeName;
      const dir = `${ROOT}/pvc-${claim.metadata.uid}_${ns}_notes`;
      await waitFor(
        "the note in the node's storage root",
        async () => inNode(node, `cat ${dir}/note`).out === 'written by writer\n',
        30_000,
        500,
      );

      const table = k(['get', 'pv,pvc']);
      const headers = table
        .split('\n')
        .filter((l) => l.startsWith('NAME'))
        .map((l) => l.trim().split(/\s{2,}/));
      expect(headers).toEqual([
        ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
        ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
      ]);
      expect(table).toMatch(
        new RegExp(`persistentvolume/${pvName}\\s+100Mi\\s+RWO\\s+Delete\\s+Bound\\s+${ns}/notes\\s+standard\\s+<unset>\\s+\\S+`),
      );
      expect(table).toMatch(new RegExp(`persistentvolumeclaim/notes\\s+Bound\\s+${pvName}\\s+100Mi\\s+RWO\\s+standard\\s+<unset>\\s+\\S+`));

      k(['delete', 'pod', 'writer', '--grace-period=0']);
      k(['apply', '-f', '-'], pod('reader', 'notes', 'cat /data/note; sleep 3600'));
      const r = await running('reader');
      expect(r.spec.nodeName).toBe(node);
      expect(await waitFor('the reader prints the note', async () => k(['logs', 'reader']) || undefined, 30_000, 500)).toBe(
        'written by writer\n',
      );

      // a deleted claim's volume and directory go (once its pod has gone)
      k(['delete', 'pod', 'reader', '--grace-period=0']);
      k(['delete', 'pvc', 'notes']);
      await waitFor(`volume ${pvName} deleted`, async () => kubectl(['get', 'pv', pvName]).code !== 0, 120_000, 1000);
      expect(inNode(node, `test -e ${dir} && echo present || echo gone`).out.trim()).toBe('gone');
    }, 420_000);

    it("keeps each StatefulSet ordinal's data across pod deletion", async () => {
      k(
        ['apply', '-f', '-'],
        `
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: db
        image: busybox:latest
        imagePullPolicy: IfNotPresent
        command: [sh, -c, '[ -f /data/id ] || hostname > /data/id; echo boot >> /data/boots; sleep 3600']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 50Mi}}}
`,
      );
      const first = await Promise.all(['db-0', 'db-1'].map(running));
      expect(k(['get', 'pvc', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase} {end}']).trim().split(' ').sort()).toEqual([
        'data-db-0=Bound',
        'data-db-1=Bound',
      ]);
      // --wait=false: the StatefulSet recreates each pod under the same name at once, and kubectl's wait for a
      // deletion can race with that (it lists by name after its UID check; CI once waited out 120 s there)
      k(['delete', 'pod', 'db-0', 'db-1', '--grace-period=0', '--wait=false']);
      const again = await Promise.all(
        ['db-0', 'db-1'].map((n, i) =>
          waitFor(
            `${n} back`,
            async () => {
              const r = kubectl(['get', 'pod', n, '-o', 'json']);
              const p = r.code === 0 ? JSON.parse(r.stdout) : undefined;
              return p?.status?.phase === 'Running' && p.metadata.uid !== first[i].metadata.uid ? p : undefined;
            },
            180_000,
            1000,
          ),
        ),
      );
      for (const [i, p] of again.entries()) {
        expect(p.spec.nodeName).toBe(first[i].spec.nodeName);
        const out = await waitFor(
          `${p.metadata.name} booted twice on its volume`,
          async () => {
            const r = kubectl(['exec', p.metadata.name, '--', 'sh', '-c', 'cat /data/id; wc -l < /data/boots']);
            return r.code === 0 && /\n\s*2\s*$/.test(r.stdout) ? r.stdout : undefined;
          },
          60_000,
          1000,
        );
        expect(out.split('\n')[0]).toBe(p.metadata.name);
      }
    }, 420_000);

    it('a LimitRange fills in default requests; a quota stops the pod that would exceed it', async () => {
      const q = `${ns}-quota`;
      k(['create', 'namespace', q]);
      try {
        k(
          ['-n', q, 'apply', '-f', '-'],
          `
apiVersion: v1
kind: LimitRange
metadata: {name: defaults}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 32Mi}
    default: {cpu: 200m, memory: 64Mi}
`,
        );
        k(['-n', q, 'create', 'quota', 'compute', '--hard=pods=1,requests.cpu=1']);
        // admission answers "status unknown" until the quota controller's first sync
        await waitFor(
          'the quota synced',
          async () => kubectl(['-n', q, 'get', 'quota', 'compute', '-o', 'jsonpath={.status.hard.pods}']).stdout === '1' || undefined,
          60_000,
          500,
        );
        const run = (name: string) =>
          kubectl([
            '-n',
            q,
            'run',
            name,
            '--image=busybox:latest',
            '--image-pull-policy=IfNotPresent',
            '--restart=Never',
            '--command',
            '--',
            'sleep',
            '3600',
          ]);
        expect(run('first').code).toBe(0);
        const first = json(['-n', q, 'get', 'pod', 'first']);
        expect(first.spec.containers[0].resources).toEqual({
          requests: { cpu: '100m', memory: '32Mi' },
          limits: { cpu: '200m', memory: '64Mi' },
        });
        const second = run('second');
        expect(second.code).not.toBe(0);
        expect(second.out).toContain(
          'pods "second" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1',
        );
        expect(kubectl(['-n', q, 'get', 'pod', 'second']).code).not.toBe(0);
      } finally {
        kubectl(['delete', 'namespace', q, '--wait=false']);
      }
    }, 180_000);
  });
}
