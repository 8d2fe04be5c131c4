// Test harness: real etcd and real component processes on loopback, for integration tests, secured as
// the cluster users run: etcd only with client certificates, the apiserver over HTTPS with client
// certificate and ServiceAccount token authentication, each component with its own identity
// (testing/pki.ts). Every process started here is stopped by stopAll() (call it in afterAll).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ApiClient, freePort, isAlreadyExists, until, type ApiClientOptions, type KubeObject } from '@minik8s/shared';
import { PKI_LAYOUT, kubeconfigText, localPki } from '@minik8s/shared/pki';
import { credentials, kubeconfigFile, kubeletServing, testPki, tlsFetch, type Identity } from './pki';

export { credentials, kubeconfigFile, kubeletServing, testPki, tlsFetch, type Identity };

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
  child.stdout.pipe(out);
  child.stderr.pipe(out);
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

/** GET url answers 2xx (https: trusting the test CA, as admin); undefined while not (shared's `until` polls on). */
async function httpOk(url: string): Promise<true | undefined> {
  try {
    const r = url.startsWith('https:') ? await tlsFetch(url) : await fetch(url);
    await r.text();
    return r.ok || undefined;
  } catch {
    return undefined;
  }
}

export interface Etcd extends Proc {
  /** https://127.0.0.1:PORT (client certificates required). */
  endpoint: string;
  dataDir: string;
  /** The apiserver's flags for this etcd (--etcd-servers and its TLS files). */
  apiserverArgs: string[];
  /** etcdctl's flags for this etcd (--endpoints and its TLS files). */
  etcdctlArgs: string[];
  /** The apiserver's etcd client credentials, for an etcd client of the test's own. */
  clientTls(): { ca: Buffer; cert: Buffer; key: Buffer };
  /** Start again on the same data and ports (after kill()). */
  restart(): Promise<Etcd>;
}

/**
 * Writes an object straight into etcd (etcdctl with the apiserver's etcd client certificate), behind the
 * apiserver's back: how a value stored before validation existed, or by another writer, reaches the
 * watchers. `key` is under the apiserver's /registry.
 */
export function putBehindApiserver(etcd: Pick<Etcd, 'etcdctlArgs'>, key: string, obj: unknown): void {
  execFileSync('etcdctl', [...etcd.etcdctlArgs, 'put', key, JSON.stringify(obj)], {
    env: { ...process.env, ETCDCTL_API: '3' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** A real etcd (/usr/bin/etcd) on free loopback ports with a fresh data dir, serving only TLS clients with certificates of the etcd CA; `args` are added to its flags. */
export async function startEtcd(opts: { dataDir?: string; clientPort?: number; peerPort?: number; args?: string[] } = {}): Promise<Etcd> {
  const pki = await localPki((await testPki()).dir);
  const dataDir = opts.dataDir ?? ownedDir(tempDir('minik8s-etcd-'));
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const { endpoint, args } = pki.etcdArgs(clientPort, peerPort);
  const p = startProcess('etcd', 'etcd', ['--data-dir', dataDir, ...args, '--unsafe-no-fsync', ...(opts.args ?? [])]);
  await waitFor(`etcd at ${endpoint} (log ${p.logFile})`, () => pki.etcdHealthy(endpoint), 20_000);
  const f = (rel: string) => pki.file(rel);
  const client = PKI_LAYOUT.apiserver.etcdClient;
  return {
    ...p,
    endpoint,
    dataDir,
    apiserverArgs: pki.etcdClientArgs(endpoint),
    etcdctlArgs: ['--endpoints', endpoint, '--cacert', f(PKI_LAYOUT.etcd.ca), '--cert', f(client.cert), '--key', f(client.key)],
    clientTls: () => ({ ca: readFileSync(f(PKI_LAYOUT.etcd.ca)), cert: readFileSync(f(client.cert)), key: readFileSync(f(client.key)) }),
    restart: () => startEtcd({ dataDir, clientPort, peerPort, args: opts.args }),
  };
}

export interface Component extends Proc {
  /** http://127.0.0.1:PORT of its main listener. */
  url: string;
}

/**
 * Start `node <component>/dist/main.js ...args` and wait for GET <healthUrl> to answer 200.
 * The component must already be built (npm test builds first).
 */
export async function startComponent(
  component: string,
  args: string[],
  healthUrl: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 20_000,
): Promise<Proc> {
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
  /** ApiClient options for the admin (system:masters) over TLS. */
  admin: ApiClientOptions;
  /** A kubeconfig file for this apiserver as `id` (admin by default). */
  kubeconfig(id?: Identity): Promise<string>;
  /** Start the apiserver again on the same port and etcd. */
  restart(): Promise<Apiserver>;
}

/**
 * The apiserver's secure flags for `etcd` on host:port, as the compose cluster runs it: the test CA's
 * serving certificate, client certificates (--client-ca-file), ServiceAccount tokens, the kubelet client
 * certificate, no anonymous requests, (until RBAC) AlwaysAllow, and the cluster's admission configuration
 * (Pod Security: enforce baseline, warn restricted, kube-system exempt).
 */
export async function apiserverArgs(etcd: Etcd, host: string, port: number): Promise<string[]> {
  const pki = await localPki((await testPki()).dir);
  // the PKI's serving certificate is for 127.0.0.1; another address gets one of its own (later flags win)
  const serving =
    host === '127.0.0.1'
      ? []
      : await kubeletServing('kube-apiserver', [host, '127.0.0.1']).then((s) => [
          '--tls-cert-file',
          s.certFile,
          '--tls-private-key-file',
          s.keyFile,
        ]);
  return [
    ...etcd.apiserverArgs,
    '--bind-address',
    host,
    '--secure-port',
    String(port),
    ...pki.apiserverArgs(),
    ...serving,
    '--cert-dir',
    tempDir('minik8s-apiserver-certs-'),
    '--admission-control-config-file',
    join(REPO, 'apiserver/manifests/admission.yaml'),
  ];
}

/** etcd plus an apiserver on a free loopback port (HTTPS, authenticated). */
export async function startApiserver(extraArgs: string[] = [], etcd?: Etcd, port?: number): Promise<Apiserver> {
  const e = etcd ?? (await startEtcd());
  const p = port ?? (await freePort());
  const url = `https://127.0.0.1:${p}`;
  const args = [...(await apiserverArgs(e, '127.0.0.1', p)), ...extraArgs];
  // ready: etcd reached, CRDs served, the bootstrap RBAC policy reconciled
  const proc = await startComponent('apiserver', args, `${url}/readyz`);
  return {
    ...proc,
    url,
    etcd: e,
    port: p,
    admin: adminOptions(url),
    kubeconfig: (id: Identity = 'admin') => kubeconfigFile(url, id),
    restart: () => startApiserver(extraArgs, e, p),
  };
}

/** Flags a kubelet needs to join `server` securely: its identity's kubeconfig, serving certificate, client CA and a plain /healthz port. */
export async function kubeletArgs(server: string, node: string): Promise<{ args: string[]; healthUrl: string }> {
  const pki = await testPki();
  const tls = await kubeletServing(node);
  const hp = await freePort();
  return {
    args: [
      '--kubeconfig',
      await kubeconfigFile(server, `node:${node}`),
      '--tls-cert-file',
      tls.certFile,
      '--tls-private-key-file',
      tls.keyFile,
      '--client-ca-file',
      pki.file(PKI_LAYOUT.ca.cert),
      '--healthz-port',
      String(hp),
    ],
    healthUrl: `http://127.0.0.1:${hp}/healthz`,
  };
}

/** kubeletArgs plus what a test kubelet on this host needs: its node name, loopback addresses, `port`, its own root directory and a 2 s sync. */
export async function hostKubeletArgs(
  server: string,
  node: string,
  port: number,
  rootDir: string,
): Promise<{ args: string[]; healthUrl: string }> {
  const secure = await kubeletArgs(server, node);
  return {
    args: [
      ...secure.args,
      '--hostname-override',
      node,
      '--node-ip',
      '127.0.0.1',
      '--address',
      '127.0.0.1',
      '--port',
      String(port),
      '--root-dir',
      rootDir,
      '--sync-frequency',
      '2',
    ],
    healthUrl: secure.healthUrl,
  };
}

/** The test PKI's admin credentials, read synchronously (the PKI exists once an apiserver was started). */
function adminFiles(): { ca: string; cert: string; key: string } {
  const dir = process.env.MINIK8S_TEST_PKI;
  if (!dir) throw new Error('no test PKI yet (start an apiserver first)');
  const r = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  return { ca: r(PKI_LAYOUT.ca.cert), cert: r(PKI_LAYOUT.admin.cert), key: r(PKI_LAYOUT.admin.key) };
}

/** ApiClient options for `server` as the test admin (TLS, client certificate). */
export function adminOptions(server: string): ApiClientOptions {
  return { server, ...adminFiles() };
}

/**
 * A kubeconfig with a bound token of the ServiceAccount namespace/name (created if missing), as an
 * in-cluster client of that account authenticates: the token comes from TokenRequest.
 */
const RBAC_PLURALS: Record<string, string> = {
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Role: 'roles',
  RoleBinding: 'rolebindings',
};

/**
 * Create the RBAC objects of an add-on's manifest (path from the repo root) as the cluster's add-on step applies
 * them: the harness authorizes with Node,RBAC, so an add-on started by a test needs its own roles.
 */
export async function applyManifestRbac(server: string, manifest: string): Promise<void> {
  const c = new ApiClient(adminOptions(server));
  try {
    for (const d of YAML.parseAllDocuments(readFileSync(join(REPO, manifest), 'utf8'))) {
      const doc = d.toJSON() as KubeObject | null;
      const plural = doc?.kind ? RBAC_PLURALS[doc.kind] : undefined;
      if (!doc || !plural) continue;
      const ns = doc.metadata.namespace ? `/namespaces/${doc.metadata.namespace}` : '';
      try {
        await c.request('POST', `/apis/rbac.authorization.k8s.io/v1${ns}/${plural}`, { body: doc });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  } finally {
    c.close();
  }
}

export async function serviceAccountKubeconfig(server: string, namespace: string, name: string): Promise<string> {
  const c = new ApiClient(adminOptions(server));
  try {
    await waitFor(`serviceaccount ${namespace}/${name}`, async () => {
      try {
        await c.request('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, {
          body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } },
        });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      return true;
    });
    const tr = await c.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    const path = join(tempDir('minik8s-kubeconfig-'), 'kubeconfig');
    writeFileSync(path, kubeconfigText({ server, ca: adminFiles().ca, token: tr.status.token, user: name }), { mode: 0o600 });
    return path;
  } finally {
    c.close();
  }
}

/** Write an admin kubeconfig for `server` (TLS, client certificate) into a fresh HOME; returns env for kubectl/mkctl. */
export function kubeEnv(server: string): { HOME: string; KUBECONFIG: string } {
  const a = adminFiles();
  const home = tempDir('minik8s-home-');
  const kc = join(home, 'kubeconfig.yaml');
  writeFileSync(kc, kubeconfigText({ server, ...a, user: 'admin' }), { mode: 0o600 });
  return { HOME: home, KUBECONFIG: kc };
}

/** etcd data directories this process made (each preallocates ~120 MB of WAL): removed by stopAll. */
const ownedDirs = new Set<string>();
function ownedDir(dir: string): string {
  ownedDirs.add(dir);
  return dir;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill()));
  for (const dir of ownedDirs) removeDir(dir);
  ownedDirs.clear();
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
