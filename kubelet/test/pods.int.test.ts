// The kubelet on the real Docker engine, with real etcd + apiserver + kubelet processes (no scheduler:
// pods are created already bound with spec.nodeName). Pods are created together up front and checked
// one by one, so their waits overlap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { R, type KubeObject } from '@minik8s/shared';
import { stopAll, tempDir, waitFor, removeDir } from '../../testing/procs';
import {
  cond,
  createPod,
  cs,
  ctr,
  docker,
  getPod,
  kubeletGet,
  podContainers,
  podSpec,
  startKubeletEnv,
  waitPod,
  type KubeletEnv,
} from '../../testing/kubelet';

let env: KubeletEnv;
const markDir = tempDir('minik8s-mark-');

beforeAll(async () => {
  env = await startKubeletEnv(['--cluster-dns', '10.96.0.10', '--cluster-domain', 'cluster.local']);
  const n = env.node;
  // the "term" pod watches its preStop hook through a hostPath: the namespace allows privileged pods
  await env.client
    .resource(R.namespaces)
    .patch('default', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }, 'merge');
  await env.client
    .resource(R.configmaps)
    .create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { greeting: 'hello-cm', 'file.txt': 'v1' } },
      { namespace: 'default' },
    );
  await env.client
    .resource(R.secrets)
    .create(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec' }, data: { password: Buffer.from('s3cret').toString('base64') } },
      { namespace: 'default' },
    );
  await env.client.resource(R.services).create(
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'my-svc' },
      spec: { selector: { app: 'x' }, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    },
    { namespace: 'default' },
  );
  const pods = [
    podSpec(
      'web',
      {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          ctr('writer', 'echo hello-from-writer > /data/index.html; exec sleep 3600', {
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          }),
          ctr('server', 'exec httpd -f -p 8080 -h /www', {
            volumeMounts: [{ name: 'data', mountPath: '/www', readOnly: true }],
            ports: [{ name: 'http', containerPort: 8080 }],
          }),
        ],
      },
      n,
    ),
    podSpec('crasher', { containers: [ctr('c', 'echo crashing; exit 2')] }, n),
    podSpec('once', { restartPolicy: 'Never', containers: [ctr('c', 'exit 3')] }, n),
    podSpec('initfail', { restartPolicy: 'Never', initContainers: [ctr('init', 'exit 7')], containers: [ctr('c', 'exec sleep 3600')] }, n),
    podSpec(
      'badcmd',
      {
        restartPolicy: 'Never',
        containers: [{ name: 'c', image: 'minik8s/busybox:1.36', imagePullPolicy: 'IfNotPresent', command: ['/no/such/binary'] }],
      },
      n,
    ),
    podSpec('noimage', { containers: [{ name: 'c', image: '127.0.0.1:1/minik8s/missing:1.0', imagePullPolicy: 'IfNotPresent' }] }, n),
    podSpec(
      'oom',
      { restartPolicy: 'Never', containers: [ctr('c', 'head -c 200m /dev/zero | tail', { resources: { limits: { memory: '16Mi' } } })] },
      n,
    ),
    podSpec(
      'live',
      {
        containers: [
          ctr('c', 'touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600', {
            livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 1 },
          }),
        ],
      },
      n,
    ),
    podSpec(
      'ready',
      {
        containers: [
          ctr('c', 'touch /tmp/ready; exec sleep 3600', {
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 },
          }),
        ],
      },
      n,
    ),
    podSpec(
      'config',
      {
        initContainers: [ctr('init', 'echo init-ran > /work/init.txt', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
        volumes: [
          { name: 'cm', configMap: { name: 'cfg' } },
          { name: 'sec', secret: { secretName: 'sec' } },
          { name: 'work', emptyDir: {} },
        ],
        containers: [
          ctr(
            'c',
            'echo "env:$GREETING:$PASSWORD:$MY_SVC_SERVICE_HOST:$MY_SVC_SERVICE_PORT:$POD_NAME"; cat /work/init.txt; exec sleep 3600',
            {
              env: [
                { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'greeting' } } },
                { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              volumeMounts: [
                { name: 'cm', mountPath: '/etc/cm' },
                { name: 'sec', mountPath: '/etc/sec' },
                { name: 'work', mountPath: '/work' },
                { name: 'cm', mountPath: '/single.txt', subPath: 'file.txt' },
              ],
            },
          ),
        ],
      },
      n,
    ),
    podSpec(
      'term',
      {
        terminationGracePeriodSeconds: 10,
        securityContext: { runAsUser: 0 },
        volumes: [{ name: 'mark', hostPath: { path: markDir } }],
        containers: [
          ctr('c', "trap 'echo got-sigterm > /mark/terminated; exit 0' TERM; while true; do sleep 0.2; done", {
            volumeMounts: [{ name: 'mark', mountPath: '/mark' }],
            lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop-ran > /mark/prestop'] } } },
          }),
        ],
      },
      n,
    ),
    podSpec(
      'nobody',
      {
        securityContext: { runAsUser: 65534, runAsGroup: 65534 },
        containers: [
          ctr('c', 'echo "uid=$(id -u) gid=$(id -g)"; exec sleep 3600', {
            lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo poststart > /tmp/hook'] } } },
          }),
        ],
      },
      n,
    ),
  ];
  for (const p of pods) await createPod(env, p);
});

afterAll(async () => {
  await env?.cleanup();
  await stopAll();
  removeDir(markDir);
});

describe('kubelet on Docker', () => {
  it('registers its Node (Ready, capacity, InternalIP, kubelet port) and a Lease', async () => {
    const node = (await env.client.resource(R.nodes).get(env.node)) as KubeObject & {
      status: {
        conditions: Array<{ type: string; status: string }>;
        capacity: Record<string, string>;
        addresses: Array<{ type: string; address: string }>;
        daemonEndpoints: { kubeletEndpoint: { Port: number } };
      };
    };
    expect(node.status.conditions.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(Number(node.status.capacity.pods)).toBe(110);
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(env.port);
    const withImages = (await waitFor('node images', async () => {
      const n = (await env.client.resource(R.nodes).get(env.node)) as KubeObject & { status: { images?: Array<{ names: string[] }> } };
      return n.status.images?.length ? n : undefined;
    })) as KubeObject & { status: { images: Array<{ names: string[] }> } };
    expect(withImages.status.images.some((i) => i.names.includes('minik8s/pause:3.10'))).toBe(true);
    const metrics = await kubeletGet(env, '/metrics');
    expect(metrics).toContain('kubelet_running_pods');
    expect(metrics).toContain('kubelet_pod_worker_duration_seconds_count');
    const lease = (await waitFor('lease', () => env.client.resource(R.leases).get(env.node, 'kube-node-lease'))) as KubeObject & {
      spec: { holderIdentity: string };
    };
    expect(lease.spec.holderIdentity).toBe(env.node);
  });

  it('two containers share an emptyDir and the network: HTTP to the pod IP returns the file', async () => {
    const p = await waitPod(
      env,
      'web',
      'Running with an IP',
      (x) => x.status?.phase === 'Running' && !!x.status.podIP && cond(x, 'Ready') === 'True',
    );
    const body = await waitFor('httpd', async () => {
      const r = await fetch(`http://${p.status!.podIP}:8080/index.html`);
      return r.ok ? r.text() : undefined;
    });
    expect(body.trim()).toBe('hello-from-writer');
    // localhost inside the pod reaches the other container (shared network namespace).
    const id = cs(p, 'writer')!.containerID!.replace('docker://', '');
    expect(docker(['exec', id, 'wget', '-qO-', 'http://localhost:8080/index.html'])).toBe('hello-from-writer');
    expect(p.status?.hostIP).toBe('127.0.0.1');
    expect(cs(p, 'server')).toMatchObject({ ready: true, restartCount: 0, image: 'minik8s/busybox:1.36' });
    expect(cs(p, 'server')?.imageID).toMatch(/^docker:\/\/sha256:/);
    expect(await kubeletGet(env, '/metrics')).toMatch(/kubelet_pod_start_duration_seconds_count [1-9]/);
  });

  it('docker kill → the container is restarted and restartCount grows', async () => {
    const p = await waitPod(env, 'web', 'Running', (x) => x.status?.phase === 'Running');
    const id = cs(p, 'writer')!.containerID!.replace('docker://', '');
    docker(['kill', id]);
    const after = await waitPod(
      env,
      'web',
      'writer restarted',
      (x) => (cs(x, 'writer')?.restartCount ?? 0) >= 1 && !!cs(x, 'writer')?.state?.running,
    );
    expect(cs(after, 'writer')?.containerID).not.toBe(`docker://${id}`);
    expect(cs(after, 'writer')?.lastState?.terminated?.exitCode).toBe(137);
  });

  it('a crashing container reaches CrashLoopBackOff with growing restarts', async () => {
    const p = await waitPod(env, 'crasher', 'CrashLoopBackOff', (x) => cs(x, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff', 60_000);
    expect(cs(p, 'c')?.state?.waiting?.message).toMatch(/back-off \d+s restarting failed container=c pod=crasher_default/);
    expect(cs(p, 'c')?.lastState?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    await waitPod(env, 'crasher', 'restartCount ≥ 2', (x) => (cs(x, 'c')?.restartCount ?? 0) >= 2, 60_000);
    expect(await kubeletGet(env, '/containerLogs/default/crasher/c')).toContain('crashing');
    expect(await kubeletGet(env, '/containerLogs/default/crasher/c?previous=true')).toContain('crashing');
  });

  it('restartPolicy Never → phase Failed with the exit code', async () => {
    const p = await waitPod(env, 'once', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(cs(p, 'c')?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(cs(p, 'c')?.restartCount).toBe(0);
  });

  it('a failed init container with restartPolicy Never fails the pod; the app never starts', async () => {
    const p = await waitPod(env, 'initfail', 'Failed', (x) => x.status?.phase === 'Failed');
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(7);
    expect(cs(p, 'c')?.state?.waiting?.reason).toBe('PodInitializing');
    expect(cond(p, 'Initialized')).toBe('False');
    await new Promise((r) => setTimeout(r, 1000));
    const all = docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${p.metadata.uid}`])
      .split('\n')
      .filter(Boolean);
    expect(all).toHaveLength(2); // one sandbox, one init container
  });

  it('a bad command gives a clear reason', async () => {
    const p = await waitPod(env, 'badcmd', 'terminated', (x) => !!cs(x, 'c')?.state?.terminated);
    expect(cs(p, 'c')?.state?.terminated?.reason).toBe('StartError');
    expect(cs(p, 'c')?.state?.terminated?.message).toMatch(/\/no\/such\/binary.*no such file or directory/);
    expect(p.status?.phase).toBe('Failed');
  });

  it('a missing image → ErrImagePull → ImagePullBackOff, with an Event; the kubelet stays up', async () => {
    // ErrImagePull is brief (it turns into ImagePullBackOff within a second); its Event stays.
    const p = await waitPod(env, 'noimage', 'ImagePullBackOff', (x) => cs(x, 'c')?.state?.waiting?.reason === 'ImagePullBackOff', 30_000);
    expect(p.status?.phase).toBe('Pending');
    const events = await waitFor('pull failure event', async () => {
      const list = await env.client.resource(R.events).list({ namespace: 'default', fieldSelector: 'involvedObject.name=noimage' });
      const evs = list.items as Array<KubeObject & { reason?: string; message?: string; type?: string }>;
      const failed = evs.some(
        (e) => e.reason === 'Failed' && /Failed to pull image "127.0.0.1:1\/minik8s\/missing:1.0"/.test(e.message ?? ''),
      );
      const errPull = evs.some((e) => e.reason === 'Failed' && e.message === 'Error: ErrImagePull');
      return failed && errPull ? evs : undefined;
    });
    expect(events.some((e) => e.type === 'Warning')).toBe(true);
    expect(await kubeletGet(env, '/healthz')).toBe('ok');
  });

  it('a container over its memory limit ends OOMKilled', async () => {
    // Docker may report the exit a moment before the OOM kill behind it: the status then says Error
    // until the kubelet sees the "oom" event, so wait for the reason rather than the first exit.
    const p = await waitPod(env, 'oom', 'terminated OOMKilled', (x) => cs(x, 'c')?.state?.terminated?.reason === 'OOMKilled');
    expect(cs(p, 'c')?.state?.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('a failing liveness probe restarts the container', async () => {
    const p = await waitPod(env, 'live', 'restarted by liveness', (x) => (cs(x, 'c')?.restartCount ?? 0) >= 1, 60_000);
    expect(p.status?.phase).toBe('Running');
  });

  it('a failing readiness probe turns Ready false, and true again when it passes', async () => {
    const p = await waitPod(env, 'ready', 'Ready', (x) => cond(x, 'Ready') === 'True');
    const id = cs(p, 'c')!.containerID!.replace('docker://', '');
    docker(['exec', id, 'rm', '/tmp/ready']);
    const down = await waitPod(env, 'ready', 'not Ready', (x) => cond(x, 'Ready') === 'False');
    expect(cs(down, 'c')?.ready).toBe(false);
    expect(down.status?.phase).toBe('Running');
    docker(['exec', id, 'touch', '/tmp/ready']);
    await waitPod(env, 'ready', 'Ready again', (x) => cond(x, 'Ready') === 'True' && cs(x, 'c')?.ready === true);
  });

  it('configMap and secret reach the pod as env and files; Service env vars; init container ran first; updates reach the files', async () => {
    const p = await waitPod(env, 'config', 'Running', (x) => x.status?.phase === 'Running');
    expect(p.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    expect(cond(p, 'Initialized')).toBe('True');
    const svc = (await env.client.resource(R.services).get('my-svc', 'default')) as KubeObject & { spec: { clusterIP: string } };
    const logs = await waitFor('logs', async () => {
      const t = await kubeletGet(env, '/containerLogs/default/config/c');
      return t.includes('init-ran') ? t : undefined;
    });
    expect(logs).toContain(`env:hello-cm:s3cret:${svc.spec.clusterIP}:8080:config`);
    const id = cs(p, 'c')!.containerID!.replace('docker://', '');
    expect(docker(['exec', id, 'cat', '/etc/cm/greeting'])).toBe('hello-cm');
    expect(docker(['exec', id, 'cat', '/etc/sec/password'])).toBe('s3cret');
    expect(docker(['exec', id, 'cat', '/single.txt'])).toBe('v1');
    expect(docker(['exec', id, 'cat', '/etc/resolv.conf'])).toBe(
      'nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5',
    );
    expect(docker(['exec', id, 'hostname'])).toBe('config');
    expect(docker(['exec', id, 'sh', '-c', 'env | grep ^MY_SVC_PORT_8080_TCP_ADDR='])).toBe(
      `MY_SVC_PORT_8080_TCP_ADDR=${svc.spec.clusterIP}`,
    );
    await env.client.resource(R.configmaps).patch('cfg', { data: { greeting: 'hello-again' } }, 'merge', { namespace: 'default' });
    await waitFor(
      'configMap update in the running pod',
      () => docker(['exec', id, 'cat', '/etc/cm/greeting']) === 'hello-again',
      30_000,
      500,
    );
  });

  it('securityContext runAsUser/runAsGroup; postStart hook', async () => {
    const p = await waitPod(env, 'nobody', 'Running', (x) => x.status?.phase === 'Running');
    await waitFor('uid in logs', async () => (await kubeletGet(env, '/containerLogs/default/nobody/c')).includes('uid=65534 gid=65534'));
    expect(docker(['exec', cs(p, 'c')!.containerID!.replace('docker://', ''), 'cat', '/tmp/hook'])).toBe('poststart');
  });

  it('deletion: preStop hook, then SIGTERM reaches the app (its trap leaves a mark), containers and the pod object are gone', async () => {
    const p = await waitPod(env, 'term', 'Running', (x) => x.status?.phase === 'Running' && !!cs(x, 'c')?.state?.running);
    await new Promise((r) => setTimeout(r, 500)); // the trap is installed by the shell's first line
    const uid = p.metadata.uid!;
    expect(podContainers(uid).length).toBe(2);
    await env.client.resource(R.pods).delete('term', { namespace: 'default' });
    await waitFor('pod object gone', async () => (await getPod(env, 'term')) === undefined, 30_000);
    expect(existsSync(join(markDir, 'terminated'))).toBe(true);
    expect(readFileSync(join(markDir, 'terminated'), 'utf8').trim()).toBe('got-sigterm');
    expect(readFileSync(join(markDir, 'prestop'), 'utf8').trim()).toBe('prestop-ran');
    expect(podContainers(uid, true)).toEqual([]);
  });
});
