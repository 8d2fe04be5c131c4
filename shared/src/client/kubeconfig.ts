// Kubeconfig loading as kubectl does it: --kubeconfig path, else $KUBECONFIG (colon list; first file that
// defines a name wins, current-context from the first file that sets it), else ~/.kube/config; then
// --context (or current-context) picks cluster + user. In a pod with no kubeconfig: the in-cluster service account.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ExecConfig } from './credentials';
import { parseKubeconfigYaml } from './kubeconfig-yaml';

export interface KubeconfigOptions {
  /** --kubeconfig */
  path?: string;
  /** --context */
  context?: string;
  /** --server / --master: overrides the cluster's server (and may be given with no kubeconfig at all). */
  server?: string;
  /** Defaults to process.env (for KUBECONFIG and HOME). */
  env?: NodeJS.ProcessEnv;
}

/** What a client needs to reach the apiserver. */
export interface ClientConfig {
  server: string;
  token?: string;
  /** Re-read as it rotates (kubeconfig tokenFile; the in-cluster ServiceAccount token). */
  tokenFile?: string;
  exec?: ExecConfig;
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  tlsServerName?: string;
  /** The context's namespace, if any. */
  namespace?: string;
  /** The context used, if any. */
  context?: string;
}

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

interface Named<T> {
  name: string;
  value: T;
  /** Directory of the file that defined it: relative paths resolve against it. */
  dir: string;
}

interface Cluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}
interface User {
  token?: string;
  tokenFile?: string;
  exec?: ExecConfig;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
}
interface Context {
  cluster?: string;
  user?: string;
  namespace?: string;
}

interface Merged {
  files: string[];
  currentContext?: string;
  clusters: Map<string, Named<Cluster>>;
  users: Map<string, Named<User>>;
  contexts: Map<string, Named<Context>>;
}

const IN_CLUSTER_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The kubeconfig files kubectl would read (existing ones only, except an explicit path, which must exist). */
export function kubeconfigFiles(opts: KubeconfigOptions = {}): string[] {
  const env = opts.env ?? process.env;
  if (opts.path) {
    const p = resolve(opts.path);
    if (!existsSync(p)) throw new KubeconfigError(`stat ${opts.path}: no such file or directory (the --kubeconfig file does not exist)`);
    return [p];
  }
  if (env.KUBECONFIG)
    return env.KUBECONFIG.split(':')
      .filter((p) => p !== '' && existsSync(p))
      .map((p) => resolve(p));
  const home = env.HOME ?? homedir();
  const def = join(home, '.kube', 'config');
  return existsSync(def) ? [def] : [];
}

function readFile(file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    const text = readFileSync(file, 'utf8');
    // The `yaml` library only for files outside the plain kubeconfig subset: it is most of a CLI's start-up.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    doc = parseKubeconfigYaml(text) ?? (require('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new KubeconfigError(`error loading config file "${file}": ${(e as Error).message}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new KubeconfigError(`error loading config file "${file}": not a kubeconfig mapping`);
  return doc as Record<string, unknown>;
}

function merge(files: string[]): Merged {
  const m: Merged = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    const doc = readFile(file);
    const dir = dirname(file);
    if (!m.currentContext && typeof doc['current-context'] === 'string' && doc['current-context'])
      m.currentContext = doc['current-context'];
    const add = <T>(into: Map<string, Named<T>>, list: unknown, field: string) => {
      if (!Array.isArray(list)) return;
      for (const item of list as Record<string, unknown>[]) {
        const name = item?.name;
        if (typeof name !== 'string' || into.has(name)) continue;
        into.set(name, { name, value: (item[field] ?? {}) as T, dir });
      }
    };
    add(m.clusters, doc.clusters, 'cluster');
    add(m.users, doc.users, 'user');
    add(m.contexts, doc.contexts, 'context');
  }
  return m;
}

function fileOrData(dir: string, file: string | undefined, data: string | undefined, what: string): Buffer | undefined {
  if (data) return Buffer.from(data, 'base64');
  if (!file) return undefined;
  const p = isAbsolute(file) ? file : join(dir, file);
  try {
    return readFileSync(p);
  } catch (e) {
    throw new KubeconfigError(`unable to read ${what} from "${p}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function inClusterConfig(env: NodeJS.ProcessEnv): ClientConfig | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(IN_CLUSTER_DIR, 'token');
  if (!host || !port || !existsSync(tokenFile)) return undefined;
  const caFile = join(IN_CLUSTER_DIR, 'ca.crt');
  const h = host.includes(':') ? `[${host}]` : host;
  return {
    server: `https://${h}:${port}`,
    tokenFile,
    ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
    namespace: existsSync(join(IN_CLUSTER_DIR, 'namespace')) ? readFileSync(join(IN_CLUSTER_DIR, 'namespace'), 'utf8').trim() : undefined,
  };
}

/** Resolve the client configuration. Throws KubeconfigError with a clear message. */
export function loadKubeconfig(opts: KubeconfigOptions = {}): ClientConfig {
  const env = opts.env ?? process.env;
  const files = kubeconfigFiles(opts);
  if (files.length === 0) {
    if (opts.context) throw new KubeconfigError(`context "${opts.context}" does not exist (no kubeconfig file found)`);
    if (opts.server) return { server: normalizeServer(opts.server) };
    const inCluster = inClusterConfig(env);
    if (inCluster) return inCluster;
    throw new KubeconfigError(
      'invalid configuration: no configuration has been provided: pass --kubeconfig or --master, or set KUBECONFIG',
    );
  }
  const m = merge(files);
  const where = files.length === 1 ? `"${files[0]}"` : `KUBECONFIG=${files.join(':')}`;
  const ctxName = opts.context ?? m.currentContext;
  if (!ctxName) {
    if (opts.server) return { server: normalizeServer(opts.server) };
    throw new KubeconfigError(`no context chosen: ${where} has no current-context; pass --context`);
  }
  const ctx = m.contexts.get(ctxName);
  if (!ctx) throw new KubeconfigError(`context "${ctxName}" does not exist in ${where}`);
  const clusterName = ctx.value.cluster;
  const cluster = clusterName ? m.clusters.get(clusterName) : undefined;
  if (clusterName && !cluster && !opts.server)
    throw new KubeconfigError(`cluster "${clusterName}" (of context "${ctxName}") does not exist in ${where}`);
  const user = ctx.value.user ? m.users.get(ctx.value.user) : undefined;
  if (ctx.value.user && !user) throw new KubeconfigError(`user "${ctx.value.user}" (of context "${ctxName}") does not exist in ${where}`);

  const server = opts.server ?? cluster?.value.server;
  if (!server) throw new KubeconfigError(`invalid configuration: no server found for cluster "${clusterName ?? ''}" in ${where}`);
  const c = cluster?.value ?? {};
  const u = user?.value ?? {};
  const cfg: ClientConfig = { server: normalizeServer(server), context: ctxName };
  if (ctx.value.namespace) cfg.namespace = ctx.value.namespace;
  if (cluster) {
    cfg.ca = fileOrData(cluster.dir, c['certificate-authority'], c['certificate-authority-data'], 'certificate-authority');
    if (c['insecure-skip-tls-verify']) cfg.insecureSkipTLSVerify = true;
    if (c['tls-server-name']) cfg.tlsServerName = c['tls-server-name'];
  }
  if (user) {
    cfg.cert = fileOrData(user.dir, u['client-certificate'], u['client-certificate-data'], 'client-certificate');
    cfg.key = fileOrData(user.dir, u['client-key'], u['client-key-data'], 'client-key');
    if (u.token) cfg.token = u.token;
    else if (u.tokenFile) {
      const p = isAbsolute(u.tokenFile) ? u.tokenFile : join(user.dir, u.tokenFile);
      fileOrData(user.dir, p, undefined, 'tokenFile'); // readable now: a clear error at start
      cfg.tokenFile = p;
    }
    if (u.exec) cfg.exec = execConfig(u.exec, user.dir, user.name);
  }
  for (const k of ['ca', 'cert', 'key', 'tokenFile', 'exec'] as const) if (cfg[k] === undefined) delete cfg[k];
  return cfg;
}

/** The exec stanza checked; a command with a path separator is relative to the kubeconfig's folder, as client-go. */
function execConfig(x: ExecConfig, dir: string, user: string): ExecConfig {
  if (!x || typeof x !== 'object' || typeof x.command !== 'string' || !x.command)
    throw new KubeconfigError(`user "${user}": exec needs a command`);
  if (x.args !== undefined && (!Array.isArray(x.args) || x.args.some((a) => typeof a !== 'string')))
    throw new KubeconfigError(`user "${user}": exec args must be a list of strings`);
  if (x.env != null && (!Array.isArray(x.env) || x.env.some((e) => typeof e?.name !== 'string' || typeof e?.value !== 'string')))
    throw new KubeconfigError(`user "${user}": exec env must be a list of {name, value}`);
  const command = x.command.includes('/') && !isAbsolute(x.command) ? join(dir, x.command) : x.command;
  return { ...x, command, env: x.env ?? undefined };
}

/** "127.0.0.1:6443" → "https://127.0.0.1:6443" (as kubectl assumes https); trailing slashes dropped. */
export function normalizeServer(server: string): string {
  const s = /^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `https://${server}`;
  return s.replace(/\/+$/, '');
}
