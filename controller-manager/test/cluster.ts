// Integration-test rig for the controller-manager: real etcd + apiserver + controller-manager
// processes, and a simulated kubelet driven through the API (binds pods, reports them Running/Ready,
// heartbeats Nodes and Leases, confirms graceful deletions) so no Docker is needed.
import { execFile } from 'node:child_process';
import { ApiClient, isNotFound, isPodReady, isPodTerminal, microTime, R, rfc3339, type KubeObject } from '@minik8s/shared';
import { freePort, kubeEnv, startApiserver, startComponent, type Apiserver, type Proc, kubeconfigFile } from '../../testing/procs';

type Obj = KubeObject & { spec?: any; status?: any };

export interface ControllerManagerProc extends Proc {
  port: number;
}

export async function startControllerManager(server: string, extra: string[] = []): Promise<ControllerManagerProc> {
  const port = await freePort();
  const args = [
    '--kubeconfig',
    await kubeconfigFile(server, 'controller-manager'),
    '--bind-address',
    '127.0.0.1',
    '--secure-port',
    String(port),
    '--node-monitor-grace-period',
    '8s',
    '--node-monitor-period',
    '1s',
    '--default-unreachable-toleration-seconds',
    '2',
    '--default-not-ready-toleration-seconds',
    '2',
    '--horizontal-pod-autoscaler-sync-period',
    '1s',
    '--leader-elect-lease-duration',
    '4s',
    '--leader-elect-renew-deadline',
    '3s',
    '--leader-elect-retry-period',
    '1s',
    ...extra,
  ];
  const p = await startComponent('controller-manager', args, `http://127.0.0.1:${port}/healthz`);
  return { ...p, port };
}

export function kubectl(
  env: NodeJS.ProcessEnv,
  args: string[],
  timeoutMs = 60_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    execFile('kubectl', args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      ok({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/**
 * A stand-in for kubelets (and the scheduler): every `tickMs` it binds unbound pods to live, uncordoned
 * nodes (round-robin), reports bound pods Running (and Ready after `readyDelayMs`, unless `ready(pod)` says
 * no), confirms graceful deletions, and renews each live node's Lease and Ready heartbeat.
 */
export class FakeNodes {
  readonly dead = new Set<string>();
  readyDelayMs = 0;
  ready: (pod: Obj) => boolean = () => true;
  /** A terminal phase for a running pod (run-to-completion workloads), or undefined to keep it running. */
  finish: (pod: Obj) => 'Succeeded' | 'Failed' | undefined = () => undefined;
  private timer?: NodeJS.Timeout;
  private beat?: NodeJS.Timeout;
  private busy = false;
  private rr = 0;
  private ipSeq = 1;
  private readonly runningSince = new Map<string, number>();
  /** Bind pods ourselves (set false when a real scheduler runs). */
  bind = true;

  constructor(
    readonly client: ApiClient,
    readonly nodes: string[],
    private readonly tickMs = 150,
  ) {}

  async register(): Promise<void> {
    for (const n of this.nodes) {
      await this.client.resource(R.nodes).create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: n, labels: { 'kubernetes.io/hostname': n } },
        spec: {},
      });
      await this.client.resource(R.nodes).patch(n, { status: this.nodeStatus() }, 'merge', { subresource: 'status' });
      await this.client.resource(R.leases).create(
        {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: n, namespace: 'kube-node-lease' },
          spec: { holderIdentity: n, leaseDurationSeconds: 40, renewTime: microTime() },
        },
        { namespace: 'kube-node-lease' },
      );
    }
  }

  private nodeStatus() {
    return {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
          lastHeartbeatTime: rfc3339(),
          lastTransitionTime: rfc3339(),
        },
      ],
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
    };
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    // Heartbeats on their own timer, so slow pod handling never makes a node look dead.
    this.beat = setInterval(() => void this.heartbeat().catch(() => undefined), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.beat) clearInterval(this.beat);
  }

  /** The node dies: no more heartbeats, its pods are left as they are. */
  kill(node: string): void {
    this.dead.add(node);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const pods = (await this.client.resource<Obj>(R.pods).list()).items;
      // cordoned nodes (kubectl cordon/drain) get no new pods, as the scheduler's NodeUnschedulable
      const cordoned = new Set(
        (await this.client.resource<Obj>(R.nodes).list()).items.filter((n) => n.spec?.unschedulable).map((n) => n.metadata.name),
      );
      const live = this.nodes.filter((n) => !this.dead.has(n) && !cordoned.has(n));
      for (const p of pods) await this.drive(p, live).catch(() => undefined);
    } catch {
      // the apiserver may be restarting; next tick
    } finally {
      this.busy = false;
    }
  }

  private async heartbeat(): Promise<void> {
    for (const n of this.nodes) {
      if (this.dead.has(n)) continue;
      const lease = await this.client.resource<Obj>(R.leases).get(n, 'kube-node-lease');
      await this.client.resource<Obj>(R.leases).update({ ...lease, spec: { ...lease.spec, renewTime: microTime() } });
    }
  }

  private async drive(p: Obj, live: string[]): Promise<void> {
    const ns = p.metadata.namespace!;
    const name = p.metadata.name!;
    const node = p.spec?.nodeName as string | undefined;
    const pods = this.client.resource<Obj>(R.pods);
    if (!node) {
      if (!this.bind || p.metadata.deletionTimestamp || live.length === 0) return;
      // Daemon pods are pinned to a node through required affinity on metadata.name.
      const pinned =
        p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.find(
          (f: { key: string }) => f.key === 'metadata.name',
        )?.values?.[0];
      if (pinned && !live.includes(pinned)) return;
      const target = pinned ?? live[this.rr++ % live.length];
      await pods.createSubresource(
        name,
        'binding',
        { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: target } },
        { namespace: ns },
      );
      return;
    }
    if (this.dead.has(node)) return;
    if (isPodTerminal(p)) return;
    if (p.metadata.deletionTimestamp) {
      await pods.delete(name, { namespace: ns, gracePeriodSeconds: 0 }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      return;
    }
    const uid = p.metadata.uid!;
    const phase = p.status?.phase;
    const readyNow = isPodReady(p);
    if (phase !== 'Running') {
      this.runningSince.set(uid, Date.now());
      const ip = `10.244.${Math.floor(this.ipSeq / 250)}.${(this.ipSeq++ % 250) + 1}`;
      await pods.patch(
        name,
        {
          status: {
            phase: 'Running',
            podIP: ip,
            podIPs: [{ ip }],
            hostIP: '127.0.0.1',
            startTime: rfc3339(),
            conditions: [
              { type: 'PodScheduled', status: 'True' },
              { type: 'Ready', status: 'False', lastTransitionTime: rfc3339() },
            ],
          },
        },
        'merge',
        { namespace: ns, subresource: 'status' },
      );
      return;
    }
    const end = this.finish(p);
    if (end) {
      await pods.patch(
        name,
        { status: { phase: end, conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: rfc3339() }] } },
        'merge',
        { namespace: ns, subresource: 'status' },
      );
      return;
    }
    const since = this.runningSince.get(uid) ?? 0;
    if (!readyNow && Date.now() - since >= this.readyDelayMs && this.ready(p)) {
      const conditions = (p.status?.conditions ?? []).filter((c: { type: string }) => c.type !== 'Ready');
      conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: rfc3339() });
      await pods.patch(name, { status: { conditions } }, 'merge', { namespace: ns, subresource: 'status' });
    }
  }
}

export interface Rig {
  api: Apiserver;
  cm: ControllerManagerProc;
  client: ApiClient;
  env: { HOME: string; KUBECONFIG: string };
  nodes: FakeNodes;
}

export async function startRig(nodeNames: string[], cmArgs: string[] = []): Promise<Rig> {
  const api = await startApiserver();
  const client = new ApiClient(api.admin);
  const cm = await startControllerManager(api.url, cmArgs);
  const nodes = new FakeNodes(client, nodeNames);
  await nodes.register();
  nodes.start();
  return { api, cm, client, env: kubeEnv(api.url), nodes };
}

export async function createNamespace(client: ApiClient, name: string): Promise<void> {
  await client.resource(R.namespaces).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

export function deployment(name: string, ns: string, replicas: number, image: string, strategy?: object): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image, ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
      ...(strategy ? { strategy } : {}),
    },
  };
}

export const isReady = (p: Obj) => !p.metadata.deletionTimestamp && isPodReady(p);
