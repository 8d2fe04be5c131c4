// --hollow (kubemark): pods bound to this node are reported Running with a made-up IP; no containers.
import type { Pod } from './kinds';
import { R, isNotFound, objectKey, runWorkers, splitKey, WorkQueue, type ApiClient, type Informer, type InformerFactory, type Logger } from '@minik8s/shared';

/** A made-up pod IP in the podCIDR (or 10.<n>.x.y) derived from a counter. */
export function fakeIP(podCIDR: string | undefined, n: number): string {
  const base = (podCIDR ?? '10.250.0.0/16').split('/')[0].split('.').map(Number);
  const host = (n % 65000) + 2;
  return `${base[0]}.${base[1]}.${podCIDR && podCIDR.endsWith('/24') ? base[2] : (base[2] + (host >> 8)) & 255}.${host & 255}`;
}

export class HollowPods {
  readonly informer: Informer<Pod>;
  private queue = new WorkQueue<string>({ name: 'hollow-pods' });
  private ips = new Map<string, string>();
  private n = 0;

  constructor(private client: ApiClient, factory: InformerFactory, private nodeName: string, private nodeIP: string, private podCIDR: () => string | undefined, private log: Logger) {
    this.informer = factory.informer<Pod>(R.pods, { fieldSelector: `spec.nodeName=${nodeName}` });
    this.informer.addEventHandler({ onAdd: (p) => this.queue.add(objectKey(p)), onUpdate: (_o, p) => this.queue.add(objectKey(p)) });
  }

  start(): void {
    void runWorkers(this.queue, 4, (k) => this.sync(k), this.log);
  }

  stop(): void {
    this.queue.shutDown();
  }

  private async sync(key: string): Promise<void> {
    const pod = this.informer.store.get(key);
    const pods = this.client.resource<Pod>(R.pods);
    const { namespace, name } = splitKey(key);
    if (!pod) return;
    if (pod.metadata?.deletionTimestamp) {
      await pods.delete(name, { namespace, gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
      return;
    }
    if (pod.status?.phase === 'Running') return;
    const uid = pod.metadata!.uid!;
    let ip = this.ips.get(uid);
    if (!ip) this.ips.set(uid, (ip = fakeIP(this.podCIDR(), this.n++)));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
    const status = {
      phase: 'Running',
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(cond),
      hostIP: this.nodeIP,
      hostIPs: [{ ip: this.nodeIP }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: now,
      containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
        name: c.name,
        state: { running: { startedAt: now } },
        lastState: {},
        ready: true,
        started: true,
        restartCount: 0,
        image: c.image,
        imageID: `docker://hollow-${c.image}`,
        containerID: `docker://hollow-${uid}-${c.name}`,
      })),
    };
    await pods.patch(name, { status }, 'merge', { namespace, subresource: 'status' }).catch((e) => {
      if (!isNotFound(e)) throw e;
    });
  }
}

/** `--count N` (this runner's own flag) and the kubelet flags that follow. */
export function parseHollowNodesArgs(argv: string[]): { count: number; kubelet: string[] } {
  const rest: string[] = [];
  let count: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--count(?:=(.*))?$/.exec(a);
    if (!m) {
      rest.push(a);
      continue;
    }
    const v = m[1] ?? argv[++i];
    if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) throw new Error(`invalid value "${v ?? ''}" for --count: want a positive integer`);
    count = Number(v);
  }
  if (count === undefined) throw new Error('--count is required');
  return { count, kubelet: rest };
}

export function hollowNodeName(prefix: string, i: number): string {
  return `${prefix}-${String(i).padStart(3, '0')}`;
}
