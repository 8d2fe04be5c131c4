// The cluster PKI on disk, one folder per component so that each container mounts only its own
// credentials (kubeadm's /etc/kubernetes/pki, split up): `npm run up`, the test harness, the all-in-one
// image and the README's by-hand cluster all make it with ensureClusterPki. Existing files are kept
// while they are still good (signed by the CA, not expiring within 30 days, every wanted SAN present);
// anything missing or stale is (re)issued, so a second run changes nothing and a new node only adds
// its own folder.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CertificateAuthority, certStillGood, signingKeyPair, type CertKey, type CertSpec } from './x509';
import { kubeconfigText } from './kubeconfig';

/** The identities of upstream's components (CN = user name, O = groups). */
export const IDENTITIES = {
  admin: { commonName: 'kubernetes-admin', organizations: ['system:masters'] },
  scheduler: { commonName: 'system:kube-scheduler' },
  controllerManager: { commonName: 'system:kube-controller-manager' },
  kubeProxy: { commonName: 'system:kube-proxy' },
  node: (name: string) => ({ commonName: `system:node:${name}`, organizations: ['system:nodes'] }),
  // allowed the kubelets' API by the system:kubelet-api-admin binding the apiserver makes for it
  apiserverKubeletClient: { commonName: 'kube-apiserver-kubelet-client' },
  apiserverEtcdClient: { commonName: 'kube-apiserver-etcd-client' },
};

/** Names the apiserver answers to in the cluster (its Service, as upstream's serving certificate lists them). */
export const APISERVER_DNS_NAMES = [
  'localhost',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local',
];

export interface PkiNode {
  name: string;
  /** IP SANs of its kubelet's serving certificate (its name is always a DNS SAN). */
  ips?: string[];
}

export interface ClusterPkiOptions {
  dir: string;
  /** The apiserver URL written into the components' kubeconfigs. */
  server: string;
  /** Extra DNS SANs of the apiserver (e.g. the compose service name); APISERVER_DNS_NAMES are always in. */
  apiserverNames?: string[];
  /** IP SANs of the apiserver (127.0.0.1 and the first Service IP, for example). */
  apiserverIPs?: string[];
  etcdNames?: string[];
  etcdIPs?: string[];
  nodes?: PkiNode[];
}

/** Where each file lives, relative to nothing: join with the PKI folder. */
export const PKI_LAYOUT = {
  ca: { cert: 'ca.crt', key: 'ca.key' },
  etcdCa: { cert: 'etcd-ca.crt', key: 'etcd-ca.key' },
  admin: { cert: 'admin.crt', key: 'admin.key' },
  etcd: {
    dir: 'etcd',
    ca: 'etcd/ca.crt',
    server: { cert: 'etcd/server.crt', key: 'etcd/server.key' },
    peer: { cert: 'etcd/peer.crt', key: 'etcd/peer.key' },
  },
  apiserver: {
    dir: 'apiserver',
    ca: 'apiserver/ca.crt',
    etcdCa: 'apiserver/etcd-ca.crt',
    serving: { cert: 'apiserver/apiserver.crt', key: 'apiserver/apiserver.key' },
    etcdClient: { cert: 'apiserver/apiserver-etcd-client.crt', key: 'apiserver/apiserver-etcd-client.key' },
    kubeletClient: { cert: 'apiserver/apiserver-kubelet-client.crt', key: 'apiserver/apiserver-kubelet-client.key' },
    saKey: 'apiserver/sa.key',
    saPub: 'apiserver/sa.pub',
  },
  scheduler: { dir: 'scheduler', kubeconfig: 'scheduler/kubeconfig' },
  controllerManager: { dir: 'controller-manager', ca: 'controller-manager/ca.crt', kubeconfig: 'controller-manager/kubeconfig' },
  /** The kube-proxy that routes pod IPs in the apiserver's own network namespace (pods/ and services/proxy dial them). */
  apiserverRoutes: { dir: 'apiserver-routes', kubeProxyKubeconfig: 'apiserver-routes/kube-proxy.kubeconfig' },
  node: (name: string) => ({
    dir: `nodes/${name}`,
    ca: `nodes/${name}/ca.crt`,
    serving: { cert: `nodes/${name}/kubelet.crt`, key: `nodes/${name}/kubelet.key` },
    kubeletKubeconfig: `nodes/${name}/kubelet.kubeconfig`,
    kubeProxyKubeconfig: `nodes/${name}/kube-proxy.kubeconfig`,
  }),
};

/** What ensureClusterPki did, for the caller's progress line. */
export interface PkiResult {
  dir: string;
  issued: string[];
  kept: number;
}

const NODE_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function writeIfChanged(path: string, text: string, mode: number): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (existsSync(path) && readFileSync(path, 'utf8') === text) {
    chmodSync(path, mode);
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);

class Writer {
  readonly issued: string[] = [];
  kept = 0;
  constructor(readonly dir: string) {}

  path(rel: string): string {
    return join(this.dir, rel);
  }

  text(rel: string, text: string, secret = false): void {
    writeIfChanged(this.path(rel), text, secret ? 0o600 : 0o644);
  }

  /** The kept pair when it is still good, else a new one from `make`. */
  async pair(files: { cert: string; key: string }, good: (cert: string) => boolean, make: () => Promise<CertKey>): Promise<CertKey> {
    const cert = read(this.path(files.cert));
    const key = read(this.path(files.key));
    if (cert && key && good(cert)) {
      this.kept++;
      return { cert, key };
    }
    const made = await make();
    this.text(files.key, made.key, true);
    this.text(files.cert, made.cert);
    this.issued.push(files.cert);
    return made;
  }
}

/** Make (or complete) the cluster PKI in `o.dir`. */
export async function ensureClusterPki(o: ClusterPkiOptions): Promise<PkiResult> {
  for (const n of o.nodes ?? [])
    if (!NODE_NAME.test(n.name)) throw new Error(`invalid node name ${JSON.stringify(n.name)}: lower-case letters, digits, '-' and '.'`);
  const w = new Writer(o.dir);
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const L = PKI_LAYOUT;

  let caFresh = false;
  const caPair = await w.pair(
    L.ca,
    (c) => certStillGood(c, { renewDays: 365 }),
    async () => {
      caFresh = true;
      const ca = await CertificateAuthority.create('kubernetes');
      return { cert: ca.cert, key: ca.key };
    },
  );
  const ca = await CertificateAuthority.load(caPair.cert, caPair.key);
  const etcdCaPair = await w.pair(
    L.etcdCa,
    (c) => certStillGood(c, { renewDays: 365 }),
    async () => {
      const e = await CertificateAuthority.create('etcd-ca');
      return { cert: e.cert, key: e.key };
    },
  );
  const etcdCa = await CertificateAuthority.load(etcdCaPair.cert, etcdCaPair.key);

  const leaf = (files: { cert: string; key: string }, by: CertificateAuthority, spec: CertSpec) =>
    w.pair(
      files,
      (c) => !caFresh && certStillGood(c, { issuer: by.cert, dnsNames: spec.dnsNames, ipAddresses: spec.ipAddresses }),
      () => by.issue(spec),
    );

  // etcd: its own CA; the server certificate is also its client certificate for its own health checks
  const etcdNames = ['localhost', ...(o.etcdNames ?? [])];
  const etcdIPs = ['127.0.0.1', ...(o.etcdIPs ?? [])];
  w.text(L.etcd.ca, etcdCa.cert);
  await leaf(L.etcd.server, etcdCa, { commonName: 'kube-etcd', dnsNames: etcdNames, ipAddresses: etcdIPs, usages: ['server', 'client'] });
  await leaf(L.etcd.peer, etcdCa, {
    commonName: 'kube-etcd-peer',
    dnsNames: etcdNames,
    ipAddresses: etcdIPs,
    usages: ['server', 'client'],
  });

  // the apiserver
  w.text(L.apiserver.ca, ca.cert);
  w.text(L.apiserver.etcdCa, etcdCa.cert);
  await leaf(L.apiserver.serving, ca, {
    commonName: 'kube-apiserver',
    dnsNames: [...new Set([...APISERVER_DNS_NAMES, ...(o.apiserverNames ?? [])])],
    ipAddresses: [...new Set(['127.0.0.1', ...(o.apiserverIPs ?? [])])],
    usages: ['server'],
  });
  await leaf(L.apiserver.etcdClient, etcdCa, { ...IDENTITIES.apiserverEtcdClient, usages: ['client'] });
  await leaf(L.apiserver.kubeletClient, ca, { ...IDENTITIES.apiserverKubeletClient, usages: ['client'] });
  if (!existsSync(w.path(L.apiserver.saKey)) || !existsSync(w.path(L.apiserver.saPub))) {
    const sa = await signingKeyPair();
    w.text(L.apiserver.saKey, sa.privateKey, true);
    w.text(L.apiserver.saPub, sa.publicKey);
    w.issued.push(L.apiserver.saKey);
  } else w.kept++;

  const kubeconfig = async (rel: string, files: { cert: string; key: string }, spec: CertSpec, user: string) => {
    const pair = await leaf(files, ca, spec);
    w.text(rel, kubeconfigText({ server: o.server, ca: ca.cert, cert: pair.cert, key: pair.key, user }), true);
  };
  await kubeconfig(
    L.scheduler.kubeconfig,
    { cert: 'scheduler/scheduler.crt', key: 'scheduler/scheduler.key' },
    { ...IDENTITIES.scheduler, usages: ['client'] },
    'system:kube-scheduler',
  );
  w.text(L.controllerManager.ca, ca.cert);
  await kubeconfig(
    L.controllerManager.kubeconfig,
    { cert: 'controller-manager/controller-manager.crt', key: 'controller-manager/controller-manager.key' },
    { ...IDENTITIES.controllerManager, usages: ['client'] },
    'system:kube-controller-manager',
  );
  await leaf(L.admin, ca, { ...IDENTITIES.admin, usages: ['client'] });

  const proxyPair = await leaf({ cert: 'kube-proxy.crt', key: 'kube-proxy.key' }, ca, { ...IDENTITIES.kubeProxy, usages: ['client'] });
  const proxyKubeconfig = kubeconfigText({
    server: o.server,
    ca: ca.cert,
    cert: proxyPair.cert,
    key: proxyPair.key,
    user: 'system:kube-proxy',
  });
  w.text(L.apiserverRoutes.kubeProxyKubeconfig, proxyKubeconfig, true);
  for (const n of o.nodes ?? []) {
    const nl = L.node(n.name);
    w.text(nl.ca, ca.cert);
    await leaf(nl.serving, ca, { commonName: n.name, dnsNames: [n.name], ipAddresses: n.ips ?? [], usages: ['server'] });
    await kubeconfig(
      nl.kubeletKubeconfig,
      { cert: `${nl.dir}/kubelet-client.crt`, key: `${nl.dir}/kubelet-client.key` },
      { ...IDENTITIES.node(n.name), usages: ['client'] },
      `system:node:${n.name}`,
    );
    w.text(nl.kubeProxyKubeconfig, proxyKubeconfig, true);
  }
  return { dir: o.dir, issued: w.issued, kept: w.kept };
}

/** The admin credentials and the CA of a PKI folder (for a kubeconfig of the user's). */
export function adminCredentials(dir: string): { ca: string; cert: string; key: string } {
  const r = (rel: string) => readFileSync(join(dir, rel), 'utf8');
  return { ca: r(PKI_LAYOUT.ca.cert), cert: r(PKI_LAYOUT.admin.cert), key: r(PKI_LAYOUT.admin.key) };
}
