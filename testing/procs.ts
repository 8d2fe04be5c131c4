// Test harness: real etcd and real component processes on loopback, for integration tests.
// Every process started here is stopped by stopAll() (call it in afterAll).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, httpOk, until } from '@minik8s/shared';

export const REPO = resolve(__dirname, '..');

const running = new Set<Proc>();

export interface Proc {
  name: string;
  child: ChildProcess;
  /** Where its stdout+stderr go. */
  logFile: string;
  /** SIGKILL, and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export { freePort };

export function tempDir(prefix = 'minik8s-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Poll until `fn` gives a value (not undefined/false): shared's `until`, under the name the tests use. */
export const waitFor = until;

/** Start a process; its output goes to a log file named in failures. */
export function startProcess(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const logFile = join(tempDir(`minik8s-log-${name}-`), `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  const proc: Proc = {
    name,
    child,
    logFile,
    kill: (signal = 'SIGKILL') =>
      new Promise<void>((ok) => {
        running.delete(proc);
        if (child.exitCode !== null || child.signalCode !== null) return ok();
        child.once('exit', () => ok());
        child.kill(signal);
      }),
  };
  running.add(proc);
  return proc;
}

export interface Etcd extends Proc {
  endpoint: string;
  dataDir: string;
  /** Start again on the same data and ports (after kill()). */
  restart(): Promise<Etcd>;
}

/**
 * Writes an object straight into etcd (etcdctl), behind the apiserver's back: how a value stored before
 * validation existed, or by another writer, reaches the watchers. `key` is under the apiserver's /registry.
 */
export function putBehindApiserver(endpoint: string, key: string, obj: unknown): void {
  execFileSync('etcdctl', ['--endpoints', endpoint, 'put', key, JSON.stringify(obj)], { env: { ...process.env, ETCDCTL_API: '3' }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A real etcd (/usr/bin/etcd) on free loopback ports with a fresh data dir. */
export async function startEtcd(opts: { dataDir?: string; clientPort?: number; peerPort?: number; args?: string[] } = {}): Promise<Etcd> {
  const dataDir = opts.dataDir ?? tempDir('minik8s-etcd-');
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const p = startProcess('etcd', 'etcd', [
    '--data-dir', dataDir,
    '--listen-client-urls', endpoint,
    '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
    '--initial-cluster', `default=http://127.0.0.1:${peerPort}`,
    '--unsafe-no-fsync',
    ...(opts.args ?? []),
  ]);
  await waitFor(`etcd at ${endpoint} (log ${p.logFile})`, () => httpOk(`${endpoint}/health`), 20_000);
  return { ...p, endpoint, dataDir, restart: () => startEtcd({ dataDir, clientPort, peerPort, args: opts.args }) };
}

export interface Component extends Proc {
  /** http://127.0.0.1:PORT of its main listener. */
  url: string;
}

/**
 * Start `node <component>/dist/main.js ...args` and wait for GET <healthUrl> to answer 200.
 * The component must already be built (npm test builds first).
 */
export async function startComponent(component: string, args: string[], healthUrl: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<Proc> {
  const p = startProcess(component, process.execPath, [join(REPO, component, 'dist', 'main.js'), ...args], env);
  const exited = new Promise<never>((_, fail) =>
    p.child.once('exit', (code) => fail(new Error(`${component} exited with ${code} before it was healthy (log ${p.logFile})`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitFor(`${component} ${healthUrl} (log ${p.logFile})`, () => httpOk(healthUrl), timeoutMs), exited]);
  return p;
}

export interface Apiserver extends Component {
  etcd: Etcd;
  port: number;
  /** Start the apiserver again on the same port and etcd. */
  restart(): Promise<Apiserver>;
}

/** etcd plus an apiserver on a free loopback port (plain HTTP). */
export async function startApiserver(extraArgs: string[] = [], etcd?: Etcd, port?: number): Promise<Apiserver> {
  const e = etcd ?? (await startEtcd());
  const p = port ?? (await freePort());
  const url = `http://127.0.0.1:${p}`;
  const args = ['--etcd-servers', e.endpoint, '--bind-address', '127.0.0.1', '--secure-port', String(p), ...extraArgs];
  const proc = await startComponent('apiserver', args, `${url}/healthz`);
  return { ...proc, url, etcd: e, port: p, restart: () => startApiserver(extraArgs, e, p) };
}

/** Write a kubeconfig for `server` (plain HTTP, no user credentials) into a fresh HOME; returns env for kubectl/mkctl. */
export function kubeEnv(server: string): { HOME: string; KUBECONFIG: string } {
  const home = tempDir('minik8s-home-');
  const kc = join(home, 'kubeconfig.yaml');
  require('node:fs').writeFileSync(
    kc,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: minik8s\n  cluster:\n    server: ${server}\ncontexts:\n- name: minik8s\n  context:\n    cluster: minik8s\n    user: minik8s\ncurrent-context: minik8s\nusers:\n- name: minik8s\n  user: {}\n`,
  );
  return { HOME: home, KUBECONFIG: kc };
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
