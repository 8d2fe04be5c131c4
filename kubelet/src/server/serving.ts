// The kubelet API's TLS: --tls-cert-file/--tls-private-key-file, else a self-signed certificate kept in
// --cert-dir (kubelet.crt, kubelet.key) for the node's name and IP, as upstream's kubelet makes one;
// --client-ca-file for client certificates. And the plain-HTTP /healthz listener (--healthz-port), which
// answers nothing else.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

export interface ServingFlags {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  /** '' keeps a self-signed certificate in memory only (hollow nodes). */
  certDir: string;
  clientCaFile?: string;
}

export interface ServingTls {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
}

function read(what: string, p: string): Buffer {
  try {
    return readFileSync(p);
  } catch (e) {
    throw new Error(`${what}: cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
}

function keptFor(cert: Buffer, names: string[], ips: string[]): boolean {
  try {
    const c = new X509Certificate(cert);
    const sans = (c.subjectAltName ?? '').split(', ');
    return (
      Date.parse(c.validTo) > Date.now() + 86_400_000 &&
      names.every((n) => sans.includes(`DNS:${n}`)) &&
      ips.every((ip) => sans.includes(`IP Address:${ip}`))
    );
  } catch {
    return false;
  }
}

export async function servingTls(f: ServingFlags, names: string[], ips: string[]): Promise<ServingTls> {
  const clientCa = f.clientCaFile ? read('--client-ca-file', f.clientCaFile) : undefined;
  if (f.tlsCertFile && f.tlsPrivateKeyFile)
    return { cert: read('--tls-cert-file', f.tlsCertFile), key: read('--tls-private-key-file', f.tlsPrivateKeyFile), clientCa };
  const { selfSignedServing } = await import('@minik8s/shared/pki');
  if (!f.certDir) {
    const made = await selfSignedServing(names[0] ?? 'kubelet', names, ips);
    return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), clientCa };
  }
  const certFile = join(f.certDir, 'kubelet.crt');
  const keyFile = join(f.certDir, 'kubelet.key');
  if (existsSync(certFile) && existsSync(keyFile) && keptFor(readFileSync(certFile), names, ips))
    return { cert: readFileSync(certFile), key: readFileSync(keyFile), clientCa };
  const made = await selfSignedServing(names[0] ?? 'kubelet', names, ips);
  mkdirSync(f.certDir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, made.key, { mode: 0o600 });
  writeFileSync(certFile, made.cert);
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key), clientCa };
}

/** GET /healthz over plain HTTP on a local port (upstream's --healthz-port), for probes and supervisors. */
export function startHealthz(port: number, address: string, healthy: () => boolean): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('404 page not found');
    }
    const ok = healthy();
    res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(ok ? 'ok' : 'container runtime is down');
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, address, () => ok(server));
  });
}
