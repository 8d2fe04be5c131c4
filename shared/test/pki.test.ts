// The cluster PKI (shared/src/pki): what ensureClusterPki makes, that a second run keeps it, that a new
// node or SAN is added without touching the rest, the identities in the certificates, and kubeconfigs
// the client reads back.
import { afterAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PKI_LAYOUT, certStillGood, ensureClusterPki, kubeconfigText, selfSignedServing } from '../src/pki';
import { loadKubeconfig } from '../src/client/kubeconfig';

const dir = mkdtempSync(join(tmpdir(), 'minik8s-pki-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cert = (rel: string) => new X509Certificate(readFileSync(join(dir, rel)));

describe('ensureClusterPki', () => {
  it('makes every component identity, signed by the cluster CA (etcd by its own)', async () => {
    const r = await ensureClusterPki({
      dir,
      server: 'https://apiserver:6443',
      apiserverNames: ['apiserver'],
      apiserverIPs: ['10.96.0.1'],
      etcdNames: ['etcd'],
      nodes: [{ name: 'node-1' }],
    });
    expect(r.kept).toBe(0);
    const ca = cert(PKI_LAYOUT.ca.cert);
    expect(ca.ca).toBe(true);
    const api = cert(PKI_LAYOUT.apiserver.serving.cert);
    expect(api.verify(ca.publicKey)).toBe(true);
    expect(api.subjectAltName).toBe(
      'DNS:localhost, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local, DNS:apiserver, IP Address:127.0.0.1, IP Address:10.96.0.1',
    );
    expect(cert(PKI_LAYOUT.admin.cert).subject).toBe('O=system:masters\nCN=kubernetes-admin');
    expect(cert(`${PKI_LAYOUT.node('node-1').dir}/kubelet-client.crt`).subject).toBe('O=system:nodes\nCN=system:node:node-1');
    expect(cert(PKI_LAYOUT.node('node-1').serving.cert).subjectAltName).toBe('DNS:node-1');
    expect(cert('scheduler/scheduler.crt').subject).toBe('CN=system:kube-scheduler');
    expect(cert('kube-proxy.crt').subject).toBe('CN=system:kube-proxy');
    const etcdCa = cert(PKI_LAYOUT.etcdCa.cert);
    expect(cert(PKI_LAYOUT.etcd.server.cert).verify(etcdCa.publicKey)).toBe(true);
    expect(cert(PKI_LAYOUT.apiserver.etcdClient.cert).verify(etcdCa.publicKey)).toBe(true);
    expect(cert(PKI_LAYOUT.apiserver.etcdClient.cert).verify(ca.publicKey)).toBe(false);
    // keys are the owner's only
    expect(statSync(join(dir, PKI_LAYOUT.ca.key)).mode & 0o077).toBe(0);
    expect(statSync(join(dir, PKI_LAYOUT.apiserver.saKey)).mode & 0o077).toBe(0);
  });

  it('a second run keeps everything; a new node adds only its own; a new SAN reissues only that certificate', async () => {
    const before = readFileSync(join(dir, PKI_LAYOUT.apiserver.serving.cert), 'utf8');
    const again = await ensureClusterPki({
      dir,
      server: 'https://apiserver:6443',
      apiserverNames: ['apiserver'],
      apiserverIPs: ['10.96.0.1'],
      etcdNames: ['etcd'],
      nodes: [{ name: 'node-1' }],
    });
    expect(again.issued).toEqual([]);
    const more = await ensureClusterPki({
      dir,
      server: 'https://apiserver:6443',
      apiserverNames: ['apiserver', 'api.example'],
      apiserverIPs: ['10.96.0.1'],
      etcdNames: ['etcd'],
      nodes: [{ name: 'node-1' }, { name: 'node-2' }],
    });
    expect(more.issued.sort()).toEqual(['apiserver/apiserver.crt', 'nodes/node-2/kubelet-client.crt', 'nodes/node-2/kubelet.crt']);
    expect(readFileSync(join(dir, PKI_LAYOUT.apiserver.serving.cert), 'utf8')).not.toBe(before);
    await expect(ensureClusterPki({ dir, server: 'https://x', nodes: [{ name: 'Bad_Name' }] })).rejects.toThrow(
      'invalid node name "Bad_Name"',
    );
  });

  it("writes kubeconfigs the client reads: the component's certificate, the CA, the server", () => {
    const cfg = loadKubeconfig({ path: join(dir, PKI_LAYOUT.node('node-1').kubeletKubeconfig), env: {} });
    expect(cfg.server).toBe('https://apiserver:6443');
    expect(new X509Certificate(cfg.cert as Buffer).subject).toBe('O=system:nodes\nCN=system:node:node-1');
    expect(String(cfg.ca)).toBe(readFileSync(join(dir, PKI_LAYOUT.ca.cert), 'utf8'));
    // the kube-proxy that routes pod IPs in the apiserver's network namespace has kube-proxy's identity
    const routes = loadKubeconfig({ path: join(dir, PKI_LAYOUT.apiserverRoutes.kubeProxyKubeconfig), env: {} });
    expect(routes.server).toBe('https://apiserver:6443');
    expect(new X509Certificate(routes.cert as Buffer).subject).toBe('CN=system:kube-proxy');
    expect(statSync(join(dir, PKI_LAYOUT.apiserverRoutes.kubeProxyKubeconfig)).mode & 0o077).toBe(0);
    expect(() => kubeconfigText({ server: 'https://x"', ca: '', user: 'u' })).toThrow('quote');
  });

  it('a self-signed serving certificate (kube-apiserver without --tls-cert-file) verifies against its own file', async () => {
    const s = await selfSignedServing('localhost', ['localhost'], ['127.0.0.1']);
    const [leaf, ca] = s.cert.split(/(?<=-----END CERTIFICATE-----\n)/);
    expect(new X509Certificate(leaf).verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(certStillGood(leaf, { ipAddresses: ['127.0.0.1'] })).toBe(true);
    expect(certStillGood(leaf, { ipAddresses: ['10.0.0.1'] })).toBe(false);
    expect(certStillGood(leaf, { renewDays: 400 })).toBe(false);
    expect(certStillGood('not a certificate')).toBe(false);
  });
});
