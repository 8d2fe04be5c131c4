// The e2e tests' handle on a compose cluster of its own: project minik8s-e2e (so a developer's
// `npm run up` cluster is never touched), free loopback ports, and the same scripts users run.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '../..');

export interface ClusterEnv {
  COMPOSE_PROJECT_NAME: string;
  MINIK8S_APISERVER_PORT: string;
  MINIK8S_REGISTRY_PORT: string;
  MINIK8S_NODEPORTS: string;
}

export interface Cluster {
  env: ClusterEnv;
  server: string;
  kubeconfig: string;
  nodePorts: [number, number];
  /** scripts/cluster.js, loaded with this cluster's environment. */
  lib: ClusterLib;
}

export interface HttpReply {
  status: number;
  text: string;
  json?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface ClusterLib {
  STATE: string;
  containerId(service: string, all?: boolean): string;
  request(url: string, opts?: { method?: string; body?: unknown; contentType?: string; timeoutMs?: number }): Promise<HttpReply>;
  readyNodes(server?: string, since?: number): Promise<string[]>;
  compose(args: string[]): string;
  dnsAnswers(name?: string): string;
}

export function clusterFor(env: ClusterEnv): Cluster {
  Object.assign(process.env, env);
  const req = createRequire(__filename);
  const lib = req(join(REPO, 'scripts/cluster.js')) as ClusterLib;
  const [a, b] = env.MINIK8S_NODEPORTS.split('-').map(Number);
  return { env, server: `http://127.0.0.1:${env.MINIK8S_APISERVER_PORT}`, kubeconfig: join(lib.STATE, 'kubeconfig'), nodePorts: [a, b], lib };
}

/** Run one of the user-facing scripts (up.js, down.js, load-image.js); output goes to a log file. */
export function runScript(cluster: Cluster, script: string, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<{ code: number; log: string; output: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'minik8s-e2e-'));
  const log = join(dir, `${script.replace(/\W/g, '_')}.log`);
  const out = createWriteStream(log);
  let text = '';
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', script), ...args], {
      cwd: REPO,
      env: { ...process.env, ...cluster.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (d: Buffer) => {
      text += d.toString();
      out.write(d);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => out.end(() => ok({ code: code ?? 1, log, output: () => text })));
  });
}

export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: REPO, env: { ...process.env, ...env } });
  return { code: r.status ?? 1, out: (r.stdout || '') + (r.stderr || '') };
}

/** A fresh HOME (kubectl caches discovery there) with the cluster's kubeconfig. */
export function kubectlEnv(cluster: Cluster): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'minik8s-e2e-home-'));
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'README'), 'kubectl cache for one e2e run\n');
  return { HOME: home, KUBECONFIG: cluster.kubeconfig };
}

/** An HTTP GET from inside a node's network namespace (pod IPs and Service VIPs live there). */
export function httpFromNode(cluster: Cluster, node: string, url: string): string {
  const id = cluster.lib.containerId(node);
  const script = `require('http').get(${JSON.stringify(url)},{timeout:3000},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>{process.stdout.write(b);process.exit(r.statusCode===200?0:1)})}).on('error',e=>{console.error(e.message);process.exit(1)}).on('timeout',function(){this.destroy(new Error('timeout'))})`;
  const r = sh('docker', ['exec', id, 'node', '-e', script]);
  if (r.code !== 0) throw new Error(`GET ${url} from ${node}: ${r.out}`);
  return r.out;
}
