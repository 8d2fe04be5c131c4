// TLS Secrets checked before nginx sees them: real certificates and keys made by openssl.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tlsKeyPair } from '../src/tls';
import { tlsSecret } from './fixtures';
import { selfSignedCert } from '../../testing/pki';

const dir = mkdtempSync(join(tmpdir(), 'ingress-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (crt: string, key: string) => tlsSecret('s', { 'tls.crt': b64(crt), 'tls.key': b64(key) });

describe('tlsKeyPair', () => {
  const a = selfSignedCert(dir, 'a.test');
  const b = selfSignedCert(dir, 'b.test');

  it('accepts a matching certificate and key, as one PEM of the PEM blocks only', () => {
    const r = tlsKeyPair(secret(`comment before\n${a.crt}`, a.key));
    expect('pem' in r && r.pem).toBe(`${a.crt.trim()}\n${a.key.trim()}\n`);
  });

  it('refuses what nginx would refuse, saying why', () => {
    expect(tlsKeyPair(secret(a.crt, b.key))).toEqual({ error: 'tls.key does not match the certificate in tls.crt' });
    expect(tlsKeyPair(tlsSecret('s', { 'tls.crt': b64(a.crt) }))).toEqual({ error: 'it has no tls.crt or no tls.key' });
    expect(tlsKeyPair(secret('not a certificate', a.key))).toMatchObject({
      error: expect.stringMatching(/^tls\.crt is not a PEM certificate: /),
    });
    expect(tlsKeyPair(secret(a.crt, 'not a key'))).toMatchObject({ error: expect.stringMatching(/^tls\.key is not a PEM private key: /) });
  });
});
