// An operator-style test as a user writes it: a real cluster from @minik8s/testcontainers, driven with
// @kubernetes/client-node. It creates a Deployment, waits for it with a watch, reads its pod's logs and
// port-forwards to it. Run it anywhere these two packages (and vitest) are installed and Docker runs:
//   TESTCONTAINERS_RYUK_DISABLED=true npx vitest run operator.test.ts   (where Ryuk's image cannot be pulled)
import { createServer, type AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MiniK8sContainer, type StartedMiniK8sContainer } from '@minik8s/testcontainers';

let cluster: StartedMiniK8sContainer;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  cluster = await new MiniK8sContainer().start();
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.getKubeConfig());
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

it('has one Ready node', async () => {
  const nodes = await kc.makeApiClient(k8s.CoreV1Api).listNode();
  expect(nodes.items.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.status])).toEqual([['node-1', 'True']]);
});

/** Resolves with the Deployment once a watch sees it available. */
function available(name: string, timeoutMs: number): Promise<k8s.V1Deployment> {
  return new Promise((resolve, reject) => {
    let req: { abort(): void } | undefined;
    const timer = setTimeout(() => {
      req?.abort();
      reject(new Error(`deployment ${name} not available within ${timeoutMs} ms`));
    }, timeoutMs);
    new k8s.Watch(kc)
      .watch(
        '/apis/apps/v1/namespaces/default/deployments',
        { fieldSelector: `metadata.name=${name}` },
        (_type, d: k8s.V1Deployment) => {
          if ((d.status?.availableReplicas ?? 0) >= 1) {
            clearTimeout(timer);
            req?.abort();
            resolve(d);
          }
        },
        (err) => err && err.name !== 'AbortError' && reject(err),
      )
      .then((r) => (req = r), reject);
  });
}

it('a Deployment: created, available, its logs read, port-forwarded to', async () => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const labels = { app: 'hello' };
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'hello', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: 'web',
                image: 'busybox:latest',
                command: ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && echo serving on 8080 && exec httpd -f -p 8080 -h /www'],
                ports: [{ containerPort: 8080 }],
                readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
              },
            ],
          },
        },
      },
    },
  });
  await available('hello', 60_000);

  const [pod] = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=hello' })).items;
  expect(pod.status?.phase).toBe('Running');
  const name = pod.metadata!.name!;
  expect(await core.readNamespacedPodLog({ name, namespace: 'default' })).toBe('serving on 8080\n');

  // port-forward: a local port whose connections go to the pod's 8080, as kubectl port-forward does
  const forward = new k8s.PortForward(kc);
  const server = createServer((socket) => {
    void forward.portForward('default', name, [8080], socket, null, socket);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(await res.text()).toBe(`hello from ${name}\n`);
  } finally {
    server.close();
  }
}, 120_000);
