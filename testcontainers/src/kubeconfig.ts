// The kubeconfig the all-in-one writes for itself (server https://127.0.0.1:6443 or http://...), made
// usable from the host: only the server changes, so its certificates and credentials carry over.
import YAML from 'yaml';

interface NamedCluster {
  name: string;
  cluster: { server?: string; 'certificate-authority-data'?: string; 'insecure-skip-tls-verify'?: boolean; 'tls-server-name'?: string };
}
interface NamedUser {
  name: string;
  user?: { 'client-certificate-data'?: string; 'client-key-data'?: string; token?: string; username?: string; password?: string };
}
interface NamedContext {
  name: string;
  context: { cluster: string; user?: string };
}
interface KubeConfigDoc {
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  'current-context'?: string;
}

/** What a client needs to talk to the apiserver of the current context. */
export interface Credentials {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  basic?: string;
  insecureSkipTlsVerify?: boolean;
  /** The name the server's certificate is checked against, when not the server's host. */
  servername?: string;
}

function parse(text: string): { doc: YAML.Document; cfg: KubeConfigDoc; cluster: NamedCluster; user?: NamedUser } {
  const doc = YAML.parseDocument(text);
  if (doc.errors.length) throw new Error(`the cluster's kubeconfig is not valid YAML: ${doc.errors[0].message}`, { cause: doc.errors[0] });
  const cfg = (doc.toJS() ?? {}) as KubeConfigDoc;
  const ctx = cfg.contexts?.find((c) => c.name === cfg['current-context']) ?? cfg.contexts?.[0];
  const cluster = cfg.clusters?.find((c) => c.name === ctx?.context.cluster) ?? cfg.clusters?.[0];
  if (!cluster?.cluster?.server) throw new Error("the cluster's kubeconfig names no cluster with a server");
  const user = cfg.users?.find((u) => u.name === ctx?.context.user);
  return { doc, cfg, cluster, user };
}

/** The server URL with another host and port, the scheme kept. */
export function serverAt(server: string, host: string, port: number): string {
  const u = new URL(server);
  return `${u.protocol}//${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

/**
 * The TLS server name for an https server moved to host: the apiserver's certificate names the
 * loopback and the container's own addresses, not the engine's host (a bridge gateway, a remote
 * engine's name), so there the certificate is checked for "localhost" instead (kubeconfig's
 * tls-server-name). Undefined where the host itself is in the certificate.
 */
export function serverNameFor(server: string, host: string): string | undefined {
  return new URL(server).protocol === 'https:' && !LOOPBACK.includes(host) ? 'localhost' : undefined;
}

/** The kubeconfig with its current cluster's server moved to host:port; everything else as written. */
export function withServer(text: string, host: string, port: number): string {
  const { doc, cfg, cluster } = parse(text);
  const i = cfg.clusters!.indexOf(cluster);
  doc.setIn(['clusters', i, 'cluster', 'server'], serverAt(cluster.cluster.server!, host, port));
  const name = serverNameFor(cluster.cluster.server!, host);
  if (name && !cluster.cluster['tls-server-name']) doc.setIn(['clusters', i, 'cluster', 'tls-server-name'], name);
  return doc.toString();
}

const b64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64') : undefined);

export function credentialsOf(text: string): Credentials {
  const { cluster, user } = parse(text);
  const u = user?.user ?? {};
  return {
    server: cluster.cluster.server!,
    ca: b64(cluster.cluster['certificate-authority-data']),
    insecureSkipTlsVerify: cluster.cluster['insecure-skip-tls-verify'] === true || undefined,
    servername: cluster.cluster['tls-server-name'],
    cert: b64(u['client-certificate-data']),
    key: b64(u['client-key-data']),
    token: u.token,
    basic: u.username !== undefined ? Buffer.from(`${u.username}:${u.password ?? ''}`).toString('base64') : undefined,
  };
}
