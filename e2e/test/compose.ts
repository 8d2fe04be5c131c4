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
  MINIK8S_INGRESS_HTTP_PORT: string;
  MINIK8S_INGRESS_HTTPS_PORT: string;
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

/** The result of one GET: the body (a pod's name for our httpd pods), or `ERR:<code>` when it failed. */
export type Answer = string;

const GET_JS = `const get=(url,ms)=>new Promise(ok=>{const q=require('http').get(url,{timeout:ms,agent:false},r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>ok(r.statusCode===200?b.trim():'ERR:HTTP'+r.statusCode))});q.on('timeout',()=>q.destroy(Object.assign(new Error('timeout'),{code:'TIMEOUT'})));q.on('error',e=>ok('ERR:'+(e.code||e.message)))});`;

/** n sequential GETs (a new connection each) from inside a node's network namespace. */
export function getsFromNode(cluster: Cluster, node: string, url: string, n: number, timeoutMs = 3000): Answer[] {
  const script = `${GET_JS}(async()=>{const out=[];for(let i=0;i<${n};i++)out.push(await get(${JSON.stringify(url)},${timeoutMs}));console.log(JSON.stringify(out))})()`;
  const r = sh('docker', ['exec', cluster.lib.containerId(node), 'node', '-e', script]);
  if (r.code !== 0) throw new Error(`GETs of ${url} from ${node}: ${r.out}`);
  return JSON.parse(r.out.trim().split('\n').pop()!);
}

export interface LoopResult { ok: number; failed: number; errors: string[]; answers: Record<string, number> }

/**
 * A steady request loop from inside a node: sequential GETs (new connection each, one every ~intervalMs)
 * until stop(); `count()` is the number of requests done so far.
 */
export function requestLoopFromNode(cluster: Cluster, node: string, url: string, intervalMs = 50) {
  const script = `${GET_JS}let stop=false;process.stdin.on('data',()=>{});process.stdin.on('end',()=>stop=true);process.stdin.resume();
(async()=>{const r={ok:0,failed:0,errors:[],answers:{}};while(!stop){const a=await get(${JSON.stringify(url)},3000);
if(a.startsWith('ERR:')){r.failed++;r.errors.push(new Date().toISOString()+' '+a)}else{r.ok++;r.answers[a]=(r.answers[a]||0)+1}
console.log('N '+(r.ok+r.failed));await new Promise(s=>setTimeout(s,${intervalMs}))}console.log('R '+JSON.stringify(r))})()`;
  const child = spawn('docker', ['exec', '-i', cluster.lib.containerId(node), 'node', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let pending = '';
  let result = '';
  let err = '';
  let n = 0;
  child.stdout.on('data', (d: Buffer) => {
    const lines = (pending + d.toString()).split('\n');
    pending = lines.pop()!;
    for (const l of lines) {
      if (l.startsWith('N ')) n = Number(l.slice(2));
      else if (l.startsWith('R ')) result = l.slice(2);
    }
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((ok) => child.on('exit', (code) => ok(code ?? 1)));
  return {
    count: () => n,
    async stop(): Promise<LoopResult> {
      child.stdin.end();
      const code = await exited;
      if (pending.startsWith('R ')) result = pending.slice(2);
      if (code !== 0 || !result) throw new Error(`request loop on ${node} exited ${code} after ${n} requests: ${err}`);
      return JSON.parse(result);
    },
  };
}

/** Per-step timestamps of a long test: printed when it fails, to tell which step stalled. */
export class Steps {
  private readonly start = Date.now();
  private readonly marks: string[] = [];

  mark(what: string): void {
    this.marks.push(`+${((Date.now() - this.start) / 1000).toFixed(1)} s ${what}`);
  }

  /** Run one step; a failure says which step, after the earlier steps' timestamps. */
  async step<T>(what: string, fn: () => Promise<T>, diagnose?: () => Promise<string>): Promise<T> {
    this.mark(`${what}: started`);
    try {
      const v = await fn();
      this.mark(`${what}: done`);
      return v;
    } catch (e) {
      this.mark(`${what}: FAILED`);
      const more = diagnose ? await diagnose().catch((d) => `(diagnosis failed: ${String(d)})`) : '';
      throw new Error(`${(e as Error).message}\nsteps:\n  ${this.marks.join('\n  ')}\n${more}`, { cause: e });
    }
  }
}

/**
 * What a stalled wait on a Service needs to be told apart: every pod of the selector (node, phase,
 * Ready, IP, when its containers started), the Service's endpoints, each node's NAT rules for it, and
 * the tails of the logs of the nodes (kubelet, kube-proxy) and the controller-manager.
 */
export async function diagnose(cluster: Cluster, service: string, selector: string, ns = 'default'): Promise<string> {
  const get = async (path: string) => (await cluster.lib.request(cluster.server + path, { timeoutMs: 10_000 })).json;
  const out: string[] = [];
  const pods = await get(`/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`).catch(() => undefined);
  out.push(`pods ${selector}:`);
  for (const p of pods?.items ?? []) {
    const ready = (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
    const started = (p.status?.containerStatuses ?? []).map((s: { state?: { running?: { startedAt?: string } } }) => s.state?.running?.startedAt ?? 'not running').join(',');
    out.push(`  ${p.metadata.name} node=${p.spec.nodeName} phase=${p.status?.phase} ready=${ready?.status}@${ready?.lastTransitionTime} ip=${p.status?.podIP} started=${started}${p.metadata.deletionTimestamp ? ' terminating' : ''}`);
  }
  const eps = await get(`/api/v1/namespaces/${ns}/endpoints/${service}`).catch(() => undefined);
  out.push(`endpoints ${service}: ${JSON.stringify(eps?.subsets ?? null)}`);
  for (const node of ['node-1', 'node-2']) {
    const id = cluster.lib.containerId(node);
    if (!id) {
      out.push(`--- ${node}: no container`);
      continue;
    }
    const rules = sh('docker', ['exec', id, 'iptables-save', '-t', 'nat']).out.split('\n').filter((l) => l.includes(`${ns}/${service}`));
    out.push(`--- ${node} NAT rules for ${ns}/${service}:\n  ${rules.join('\n  ') || '(none)'}`);
    out.push(`--- ${node} log tail:\n  ${sh('docker', ['logs', '--tail', '30', id]).out.trim().split('\n').join('\n  ')}`);
  }
  const cm = cluster.lib.containerId('controller-manager');
  if (cm) out.push(`--- controller-manager log tail:\n  ${sh('docker', ['logs', '--tail', '20', cm]).out.trim().split('\n').join('\n  ')}`);
  return out.join('\n');
}
