// Helpers for the scheduler's integration tests: an API client, fake Nodes, pods with requests.
import { ApiClient, R, type core, type KubeObject, type Node, type Pod } from '@minik8s/shared';
import { adminOptions, freePort, kubeconfigFile, startComponent, waitFor, type Proc } from '../../testing/procs';

export type { Node, Pod };

export function clientFor(server: string): ApiClient {
  return new ApiClient(adminOptions(server));
}

/** Start a scheduler process against `server`; resolves when /healthz answers. */
export async function startScheduler(server: string, args: string[] = ['--leader-elect=false']): Promise<Proc & { port: number }> {
  const port = await freePort();
  const p = await startComponent(
    'scheduler',
    ['--kubeconfig', await kubeconfigFile(server, 'scheduler'), '--bind-address', '127.0.0.1', '--secure-port', String(port), ...args],
    `http://127.0.0.1:${port}/healthz`,
  );
  return { ...p, port };
}

/** A Node object as a kubelet would register it (no kubelet needed for placement). */
export async function createNode(
  c: ApiClient,
  name: string,
  cpu: string,
  memory: string,
  opts: { labels?: Record<string, string>; taints?: core.Taint[] } = {},
): Promise<void> {
  const status: core.NodeStatus = {
    capacity: { cpu, memory, pods: '110' },
    allocatable: { cpu, memory, pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: new Date().toISOString(),
        lastTransitionTime: new Date().toISOString(),
      },
    ],
  };
  const node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints },
    status,
  } as Node;
  await c.resource<Node>(R.nodes).create(node);
  // Whether or not create kept the status, make sure it is there.
  await c.resource<Node>(R.nodes).patch(name, { status }, 'merge', { subresource: 'status' });
}

export function podSpec(
  name: string,
  cpu: string,
  memory: string,
  extra: Partial<core.PodSpec> = {},
  labels?: Record<string, string>,
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'c', image: 'busybox:latest', resources: { requests: { cpu, memory } } }], ...extra },
  };
}

export async function createPod(c: ApiClient, ns: string, pod: Pod): Promise<Pod> {
  return c.resource<Pod>(R.pods).create(pod, { namespace: ns });
}

export async function waitBound(c: ApiClient, ns: string, name: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `pod ${ns}/${name} bound`,
    async () => (await c.resource<Pod>(R.pods).get(name, ns)).spec?.nodeName || undefined,
    timeoutMs,
    200,
  );
}

export async function failedSchedulingMessage(c: ApiClient, ns: string, name: string, match: RegExp, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `FailedScheduling event for ${ns}/${name} matching ${match}`,
    async () => {
      const evs = await c.resource<core.Event & KubeObject>(R.events).list({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
      return evs.items.find((e) => e.reason === 'FailedScheduling' && e.type === 'Warning' && match.test(e.message ?? ''))?.message;
    },
    timeoutMs,
    300,
  );
}

export async function ensureNamespace(c: ApiClient, ns: string): Promise<void> {
  try {
    await c.resource(R.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
}
