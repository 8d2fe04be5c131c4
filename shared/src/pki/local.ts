// A cluster PKI for components on one machine's loopback (the test harness and the benchmarks): the
// flags that make etcd take only TLS clients with certificates, the apiserver's secure flags, and
// kubeconfigs for each identity, all from one ensureClusterPki folder.
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { PKI_LAYOUT, ensureClusterPki } from './cluster';
import { kubeconfigText } from './kubeconfig';

export type LocalIdentity = 'admin' | 'scheduler' | 'controller-manager' | 'kube-proxy' | `node:${string}`;

export interface LocalPki {
  dir: string;
  file(rel: string): string;
  /** etcd's flags for a client URL https://127.0.0.1:clientPort (peers on plain loopback). */
  etcdArgs(clientPort: number, peerPort: number): { endpoint: string; args: string[] };
  /** The apiserver's flags for talking to etcd at `endpoint` (TLS with its etcd client certificate). */
  etcdClientArgs(endpoint: string): string[];
  /** The apiserver's etcd client certificate as an etcd3 (gRPC) client takes it, for tools that read etcd beside the apiserver. */
  etcdClientCredentials(): { rootCertificate: Buffer; certChain: Buffer; privateKey: Buffer };
  /** etcd's /health with the apiserver's etcd client certificate: true, or undefined while it is not healthy (for polling helpers). */
  etcdHealthy(endpoint: string): Promise<true | undefined>;
  /** The apiserver's secure flags (serving certificate for 127.0.0.1, client CA, ServiceAccount keys, kubelet client certificate). */
  apiserverArgs(): string[];
  /** A kubeconfig file for `server` as `id`; nodes must have been named to localPki. */
  kubeconfig(server: string, id: LocalIdentity): string;
  /** The kubelet flags for node `name`: identity, serving certificate, client CA. */
  kubeletArgs(server: string, name: string): string[];
  admin: { ca: string; cert: string; key: string };
}

/** Make (or reuse) the PKI in `dir` for loopback components and the given node names. */
export async function localPki(dir: string, nodes: string[] = []): Promise<LocalPki> {
  await ensureClusterPki({
    dir,
    server: 'https://127.0.0.1',
    apiserverIPs: ['127.0.0.1'],
    nodes: nodes.map((name) => ({ name, ips: ['127.0.0.1'] })),
  });
  const file = (rel: string) => join(dir, rel);
  const read = (rel: string) => readFileSync(file(rel), 'utf8');
  const L = PKI_LAYOUT;
  const A = L.apiserver;
  const admin = { ca: read(L.ca.cert), cert: read(L.admin.cert), key: read(L.admin.key) };
  const pair = (id: LocalIdentity): { cert: string; key: string } => {
    if (id === 'admin') return admin;
    const rel =
      id === 'scheduler'
        ? 'scheduler/scheduler'
        : id === 'controller-manager'
          ? 'controller-manager/controller-manager'
          : id === 'kube-proxy'
            ? 'kube-proxy'
            : `${L.node(id.slice(5)).dir}/kubelet-client`;
    return { cert: read(`${rel}.crt`), key: read(`${rel}.key`) };
  };
  let n = 0;
  const pki: LocalPki = {
    dir,
    file,
    admin,
    etcdArgs: (clientPort, peerPort) => {
      const endpoint = `https://127.0.0.1:${clientPort}`;
      const peer = `http://127.0.0.1:${peerPort}`;
      return {
        endpoint,
        args: [
          '--listen-client-urls',
          endpoint,
          '--advertise-client-urls',
          endpoint,
          '--cert-file',
          file(L.etcd.server.cert),
          '--key-file',
          file(L.etcd.server.key),
          '--trusted-ca-file',
          file(L.etcd.ca),
          '--client-cert-auth',
          '--listen-peer-urls',
          peer,
          '--initial-advertise-peer-urls',
          peer,
          '--initial-cluster',
          `default=${peer}`,
        ],
      };
    },
    etcdClientArgs: (endpoint) => [
      '--etcd-servers',
      endpoint,
      '--etcd-cafile',
      file(L.etcd.ca),
      '--etcd-certfile',
      file(A.etcdClient.cert),
      '--etcd-keyfile',
      file(A.etcdClient.key),
    ],
    etcdClientCredentials: () => ({
      rootCertificate: readFileSync(file(L.etcd.ca)),
      certChain: readFileSync(file(A.etcdClient.cert)),
      privateKey: readFileSync(file(A.etcdClient.key)),
    }),
    etcdHealthy: (endpoint) =>
      new Promise((ok) => {
        const r = request(
          `${endpoint}/health`,
          { ca: read(L.etcd.ca), cert: read(A.etcdClient.cert), key: read(A.etcdClient.key), timeout: 2000 },
          (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => ok((res.statusCode === 200 && /"health":\s*"true"/.test(b)) || undefined));
          },
        );
        r.on('error', () => ok(undefined));
        r.on('timeout', () => r.destroy());
        r.end();
      }),
    apiserverArgs: () => [
      '--tls-cert-file',
      file(A.serving.cert),
      '--tls-private-key-file',
      file(A.serving.key),
      '--client-ca-file',
      file(A.ca),
      '--service-account-signing-key-file',
      file(A.saKey),
      '--service-account-key-file',
      file(A.saPub),
      '--service-account-issuer',
      'https://kubernetes.default.svc.cluster.local',
      '--kubelet-client-certificate',
      file(A.kubeletClient.cert),
      '--kubelet-client-key',
      file(A.kubeletClient.key),
      '--kubelet-certificate-authority',
      file(A.ca),
      '--kubelet-preferred-address-types',
      'InternalIP,Hostname',
      '--anonymous-auth=false',
      '--authorization-mode',
      'Node,RBAC',
    ],
    kubeconfig: (server, id) => {
      const p = join(dir, `kubeconfig-${id.replace(/:/g, '-')}-${process.pid}-${n++}`);
      writeFileSync(p, kubeconfigText({ server, ca: admin.ca, ...pair(id), user: id.replace(/:/g, '-') }), { mode: 0o600 });
      return p;
    },
    kubeletArgs: (server, name) => {
      const nl = L.node(name);
      return [
        '--kubeconfig',
        pki.kubeconfig(server, `node:${name}`),
        '--tls-cert-file',
        file(nl.serving.cert),
        '--tls-private-key-file',
        file(nl.serving.key),
        '--client-ca-file',
        file(L.ca.cert),
        '--authorization-mode',
        'Webhook',
      ];
    },
  };
  return pki;
}
