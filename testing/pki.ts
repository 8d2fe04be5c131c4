// The test harness's PKI: one throwaway cluster PKI (made by shared's ensureClusterPki, the same code as
// `npm run up`) per test run — testing/global-setup.ts makes it and names it in MINIK8S_TEST_PKI; a test
// process started without it makes its own once. Component identities, kubelet serving certificates
// and kubeconfigs come from it, so every integration test talks TLS with real credentials.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { CertificateAuthority, IDENTITIES, PKI_LAYOUT, ensureClusterPki, kubeconfigText, type CertKey } from '@minik8s/shared/pki';

export type Identity = 'admin' | 'scheduler' | 'controller-manager' | 'kube-proxy' | `node:${string}` | { user: string; groups?: string[] };

export interface TestPki {
  dir: string;
  /** Absolute path of a file of the layout (PKI_LAYOUT). */
  file(rel: string): string;
  ca: string;
  admin: CertKey;
}

/** Make the PKI in `dir` (used by the global setup and as the fallback). */
export async function makeTestPki(dir: string): Promise<void> {
  await ensureClusterPki({ dir, server: 'https://127.0.0.1', apiserverIPs: ['127.0.0.1'] });
}

let pki: Promise<TestPki> | undefined;

export function testPki(): Promise<TestPki> {
  pki ??= (async () => {
    let dir = process.env.MINIK8S_TEST_PKI;
    if (!dir) {
      dir = mkdtempSync(join(tmpdir(), 'minik8s-test-pki-'));
      await makeTestPki(dir);
      process.env.MINIK8S_TEST_PKI = dir;
    }
    const file = (rel: string) => join(dir, rel);
    const r = (rel: string) => readFileSync(file(rel), 'utf8');
    return { dir, file, ca: r(PKI_LAYOUT.ca.cert), admin: { cert: r(PKI_LAYOUT.admin.cert), key: r(PKI_LAYOUT.admin.key) } };
  })();
  return pki;
}

let ca: Promise<CertificateAuthority> | undefined;
const issued = new Map<string, Promise<CertKey>>();

function issue(key: string, make: (ca: CertificateAuthority) => Promise<CertKey>): Promise<CertKey> {
  ca ??= testPki().then((p) => CertificateAuthority.load(p.ca, readFileSync(p.file(PKI_LAYOUT.ca.key), 'utf8')));
  if (!issued.has(key)) issued.set(key, ca.then(make));
  return issued.get(key)!;
}

/** A client certificate for an identity, signed by the test CA (cached per process). */
export function credentials(id: Identity): Promise<CertKey> {
  if (typeof id === 'object')
    return issue(`user:${id.user}:${(id.groups ?? []).join(',')}`, (c) =>
      c.issue({ commonName: id.user, organizations: id.groups, usages: ['client'] }),
    );
  if (id === 'admin') return testPki().then((p) => p.admin);
  const spec =
    id === 'scheduler'
      ? IDENTITIES.scheduler
      : id === 'controller-manager'
        ? IDENTITIES.controllerManager
        : id === 'kube-proxy'
          ? IDENTITIES.kubeProxy
          : IDENTITIES.node(id.slice('node:'.length));
  return issue(id, (c) => c.issue({ ...spec, usages: ['client'] }));
}

/** A serving certificate (a kubelet's, or the apiserver's on another address): the name and the IPs as SANs, written to files for its flags. */
export async function kubeletServing(node: string, ips: string[] = ['127.0.0.1']): Promise<{ certFile: string; keyFile: string }> {
  const kp = await issue(`serving:${node}:${ips.join(',')}`, (c) =>
    c.issue({ commonName: node, dnsNames: [node], ipAddresses: ips, usages: ['server'] }),
  );
  const dir = mkdtempSync(join(tmpdir(), `minik8s-kubelet-tls-${node}-`));
  writeFileSync(join(dir, 'kubelet.crt'), kp.cert);
  writeFileSync(join(dir, 'kubelet.key'), kp.key, { mode: 0o600 });
  return { certFile: join(dir, 'kubelet.crt'), keyFile: join(dir, 'kubelet.key') };
}

/** A kubeconfig file for `server` as `id` (client certificate embedded). */
export async function kubeconfigFile(server: string, id: Identity = 'admin'): Promise<string> {
  const p = await testPki();
  const kp = await credentials(id);
  const name = typeof id === 'object' ? id.user : id;
  const dir = mkdtempSync(join(tmpdir(), 'minik8s-kubeconfig-'));
  const path = join(dir, 'kubeconfig');
  writeFileSync(path, kubeconfigText({ server, ca: p.ca, cert: kp.cert, key: kp.key, user: name.replace(/:/g, '-') }), { mode: 0o600 });
  return path;
}

const agents = new Map<string, Agent>();

/**
 * fetch over TLS trusting the test CA, presenting `id`'s client certificate (admin by default; `null`
 * for none): for tests that talk HTTP to the apiserver or a kubelet directly.
 */
export async function tlsFetch(
  url: string,
  init: Parameters<typeof undiciFetch>[1] = {},
  id: Identity | null = 'admin',
): Promise<Awaited<ReturnType<typeof undiciFetch>>> {
  const key = id === null ? 'none' : JSON.stringify(id);
  if (!agents.has(key)) {
    const p = await testPki();
    const c = id === null ? undefined : await credentials(id);
    agents.set(key, new Agent({ connect: { ca: p.ca, cert: c?.cert, key: c?.key } }));
  }
  return undiciFetch(url, { ...init, dispatcher: agents.get(key) });
}

/**
 * A self-signed serving certificate for `host` (CN and DNS SAN), as a user makes one for an Ingress's TLS Secret
 * with openssl: written to `dir/<host>.crt` and `dir/<host>.key`, and returned as PEM.
 */
export function selfSignedCert(dir: string, host: string): { crt: string; key: string; crtFile: string; keyFile: string } {
  const crtFile = join(dir, `${host}.crt`);
  const keyFile = join(dir, `${host}.key`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host}`,
      '-keyout',
      keyFile,
      '-out',
      crtFile,
    ],
    { stdio: 'pipe' },
  );
  return { crt: readFileSync(crtFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), crtFile, keyFile };
}
