// Integration-test harness for the kubelet: real etcd + apiserver + kubelet processes on the real
// Docker engine. Every container a test kubelet creates carries its unique node name as a label, so
// cleanup removes exactly those (also when a test fails).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { ApiClient, R, isNotFound, type core, type Pod } from '@minik8s/shared';
import {
  freePort,
  hostKubeletArgs,
  kubeletArgs,
  removeDir,
  startApiserver,
  startComponent,
  tempDir,
  waitFor,
  type Apiserver,
  type Proc,
  tlsFetch,
} from './procs';
import { ensureKubeletImages, IMAGES } from './images';

export const BUSYBOX = IMAGES.busybox;
export type { Pod };

export interface KubeletEnv {
  api: Apiserver;
  client: ApiClient;
  node: string;
  port: number;
  kubeletUrl: string;
  rootDir: string;
  kubelet: Proc;
  startKubelet(): Promise<Proc>;
  cleanup(): Promise<void>;
}

export function docker(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Remove every container (and the pod network) of a test node. */
export function removeNodeContainers(node: string): void {
  const ids = docker(['ps', '-aq', '--filter', `label=io.minik8s.node=${node}`])
    .split('\n')
    .filter(Boolean);
  if (ids.length) docker(['rm', '-f', '-v', ...ids]);
  try {
    docker(['network', 'rm', `minik8s-${node}`]);
  } catch {
    // no such network
  }
}

export async function startKubeletEnv(extraArgs: string[] = []): Promise<KubeletEnv> {
  await ensureKubeletImages();
  const api = await startApiserver();
  const client = new ApiClient(api.admin);
  const node = `kt-${randomBytes(3).toString('hex')}`;
  const port = await freePort();
  const rootDir = tempDir('minik8s-kubelet-');
  const secure = await hostKubeletArgs(api.url, node, port, rootDir);
  const args = [...secure.args, ...extraArgs];
  const env: KubeletEnv = {
    api,
    client,
    node,
    port,
    rootDir,
    kubeletUrl: `https://127.0.0.1:${port}`,
    kubelet: undefined as unknown as Proc,
    startKubelet: async () => (env.kubelet = await startComponent('kubelet', args, secure.healthUrl)),
    cleanup: async () => {
      await env.kubelet?.kill();
      removeNodeContainers(node);
      removeDir(rootDir);
    },
  };
  await env.startKubelet();
  return env;
}

export function podSpec(name: string, spec: Partial<core.PodSpec>, node: string, labels: Record<string, string> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [], ...spec },
  };
}

export function ctr(name: string, command: string, extra: Partial<core.Container> = {}): core.Container {
  return { name, image: BUSYBOX, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', command], ...extra };
}

export async function createPod(env: KubeletEnv, p: Pod): Promise<Pod> {
  return env.client.resource<Pod>(R.pods).create(p, { namespace: 'default' });
}

export async function getPod(env: KubeletEnv, name: string): Promise<Pod | undefined> {
  try {
    return await env.client.resource<Pod>(R.pods).get(name, 'default');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Poll the pod until pred holds; the failure message shows the last status. */
export async function waitPod(env: KubeletEnv, name: string, what: string, pred: (p: Pod) => boolean, timeoutMs = 60_000): Promise<Pod> {
  let last: Pod | undefined;
  try {
    return await waitFor(
      `${name}: ${what}`,
      async () => {
        last = await getPod(env, name);
        return last && pred(last) ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast status: ${JSON.stringify(last?.status)}\nkubelet log: ${env.kubelet.logFile}`, {
      cause: e,
    });
  }
}

export const cs = (p: Pod, name: string): core.ContainerStatus | undefined => p.status?.containerStatuses?.find((c) => c.name === name);
export const cond = (p: Pod, type: string): string | undefined => p.status?.conditions?.find((c) => c.type === type)?.status;

/** Running containers of a pod (by uid label). */
export function podContainers(uid: string, all = false): string[] {
  return docker(['ps', ...(all ? ['-a'] : []), '-q', '--no-trunc', '--filter', `label=io.kubernetes.pod.uid=${uid}`])
    .split('\n')
    .filter(Boolean);
}

export async function kubeletGet(env: KubeletEnv, path: string): Promise<string> {
  const r = await tlsFetch(`${env.kubeletUrl}${path}`);
  const t = await r.text();
  if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${t}`);
  return t;
}

/** Another kubelet against env's apiserver as node `name` (with its own identity and serving certificate); resolves once its /healthz answers. */
export async function startNamedKubelet(env: KubeletEnv, name: string, args: string[]): Promise<Proc & { healthUrl: string }> {
  const secure = await kubeletArgs(env.api.url, name);
  const p = await startComponent('kubelet', [...secure.args, '--hostname-override', name, ...args], secure.healthUrl);
  return { ...p, healthUrl: secure.healthUrl };
}
