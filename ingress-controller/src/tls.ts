// A kubernetes.io/tls Secret's certificate and key, checked before nginx ever sees them: a Secret that
// does not parse, or whose key does not belong to its certificate, is skipped (with an Event), so a
// broken Secret can never make a configuration fail its test.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import type { KeyPair, Secret } from './model';

const MAX_BYTES = 1 << 20;

/** The PEM nginx gets (certificate chain, then key), or why the Secret cannot be used. */
export function tlsKeyPair(secret: Secret): KeyPair {
  const crt = secret.data?.['tls.crt'];
  const key = secret.data?.['tls.key'];
  if (!crt || !key) return { error: 'it has no tls.crt or no tls.key' };
  const certPem = Buffer.from(crt, 'base64').toString('utf8');
  const keyPem = Buffer.from(key, 'base64').toString('utf8');
  if (certPem.length > MAX_BYTES || keyPem.length > MAX_BYTES) return { error: 'tls.crt or tls.key is larger than 1 MiB' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch (e) {
    return { error: `tls.crt is not a PEM certificate: ${(e as Error).message}` };
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return { error: 'tls.key does not match the certificate in tls.crt' };
  } catch (e) {
    return { error: `tls.key is not a PEM private key: ${(e as Error).message}` };
  }
  // only PEM blocks go into the file: nothing else from the Secret reaches nginx
  const blocks = (s: string) => s.match(/-----BEGIN [A-Z0-9 ]+-----[\s\S]+?-----END [A-Z0-9 ]+-----/g) ?? [];
  return { pem: [...blocks(certPem), ...blocks(keyPem)].join('\n') + '\n' };
}
