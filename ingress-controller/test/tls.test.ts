// TLS Secrets checked before nginx sees them: real certificates and keys made by openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tlsKeyPair } from '../src/tls';
import { tlsSecret } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'ingress-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pair(name: string): { crt: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`], { cwd: dir, stdio: 'pipe' });
  return { crt: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}
const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (crt: string, key: string) => tlsSecret('s', { 'tls.crt': b64(crt), 'tls.key': b64(key) });

describe('tlsKeyPair', () => {
  const a = pair('a.test');
  const b = pair('b.test');

  it('accepts a matching certificate and key, as one PEM of the PEM blocks only', () => {
    const r = tlsKeyPair(secret(`comment before\n${a.crt}`, a.key));
    expect('pem' in r && r.pem).toBe(`${a.crt.trim()}\n${a.key.trim()}\n`);
  });

  it('refuses what nginx would refuse, saying why', () => {
    expect(tlsKeyPair(secret(a.crt, b.key))).toEqual({ error: 'tls.key does not match the certificate in tls.crt' });
    expect(tlsKeyPair(tlsSecret('s', { 'tls.crt': b64(a.crt) }))).toEqual({ error: 'it has no tls.crt or no tls.key' });
    expect(tlsKeyPair(secret('not a certificate', a.key))).toMatchObject({ error: expect.stringMatching(/^tls\.crt is not a PEM certificate: /) });
    expect(tlsKeyPair(secret(a.crt, 'not a key'))).toMatchObject({ error: expect.stringMatching(/^tls\.key is not a PEM private key: /) });
  });
});
