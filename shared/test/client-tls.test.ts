// ApiClient over HTTPS: CA verification, insecure-skip-tls-verify, client certificates and bearer tokens,
// configured through a kubeconfig with inline data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, ConnectionError } from '../src';

const dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
const f = (n: string) => join(dir, n);
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function issue(name: string, cn: string, ext: string): void {
  ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  writeFileSync(f(`${name}.ext`), ext);
  ssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  );
}

let server: Server;
let url: string;
const seen: { cn?: string; auth?: string }[] = [];

beforeAll(async () => {
  ssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  issue('server', '127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  issue('client', 'admin', 'extendedKeyUsage=clientAuth\n');
  server = createServer(
    {
      key: readFileSync(f('server.key')),
      cert: readFileSync(f('server.crt')),
      ca: readFileSync(f('ca.crt')),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const sock = req.socket as TLSSocket;
      seen.push({
        cn: sock.authorized ? (sock.getPeerCertificate().subject?.CN as string | undefined) : undefined,
        auth: req.headers.authorization,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"major":"1","minor":"32"}');
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('ApiClient over TLS', () => {
  it('verifies the server against the kubeconfig CA and presents the client certificate', async () => {
    const b64 = (n: string) => readFileSync(f(n)).toString('base64');
    writeFileSync(
      f('kubeconfig'),
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${b64('ca.crt')}\nusers:\n- name: u\n  user:\n    client-certificate-data: ${b64('client.crt')}\n    client-key-data: ${b64('client.key')}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n`,
    );
    const c = ApiClient.fromKubeconfig({ path: f('kubeconfig') });
    expect(await c.request('GET', '/version')).toEqual({ major: '1', minor: '32' });
    expect(seen.at(-1)).toEqual({ cn: 'admin', auth: undefined });
    c.close();
  });

  it('rejects an unknown server certificate unless insecureSkipTLSVerify, and sends the token', async () => {
    const strict = new ApiClient({ server: url });
    const e = await strict.request('GET', '/version').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConnectionError);
    expect((e as Error).message).toMatch(/Unable to connect to the server 127\.0\.0\.1:\d+: .*certificate/);
    strict.close();
    const loose = new ApiClient({ server: url, insecureSkipTLSVerify: true, token: 'sekret' });
    expect(await loose.request('GET', '/version')).toEqual({ major: '1', minor: '32' });
    expect(seen.at(-1)).toEqual({ cn: undefined, auth: 'Bearer sekret' });
    loose.close();
  });

  it('presents the client certificate on every connection of a burst (one TLS context for all)', async () => {
    const c = new ApiClient({
      server: url,
      ca: readFileSync(f('ca.crt')),
      cert: readFileSync(f('client.crt')),
      key: readFileSync(f('client.key')),
    });
    const before = seen.length;
    // concurrent requests: the keep-alive agent opens a connection for each
    await Promise.all(Array.from({ length: 8 }, () => c.request('GET', '/version')));
    expect(seen.slice(before)).toEqual(Array.from({ length: 8 }, () => ({ cn: 'admin', auth: undefined })));
    c.close();
  });

  it('a key that does not match the certificate fails the request, not the construction', async () => {
    ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', 'other.key');
    const c = new ApiClient({
      server: url,
      ca: readFileSync(f('ca.crt')),
      cert: readFileSync(f('client.crt')),
      key: readFileSync(f('other.key')),
    });
    const e = await c.request('GET', '/version').catch((x: unknown) => x);
    expect((e as Error).message).toMatch(/key values mismatch/);
    c.close();
  });
});
