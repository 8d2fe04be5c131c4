// Client credentials beyond a static kubeconfig: an exec credential plugin (run once, again after a
// 401), a token file re-read as it rotates, the in-cluster ServiceAccount config; against a real
// HTTPS server that checks them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, CredentialSource, TOKEN_FILE_REFRESH_MS, loadKubeconfig } from '../src';
import { CertificateAuthority } from '../src/pki';

const dir = mkdtempSync(join(tmpdir(), 'minik8s-creds-'));
let server: Server;
let url: string;
let ca: string;
const valid = new Set<string>();
const seen: (string | undefined)[] = [];

beforeAll(async () => {
  const authority = await CertificateAuthority.create('test-ca');
  ca = authority.cert;
  const serving = await authority.issue({ commonName: 'localhost', ipAddresses: ['127.0.0.1'], usages: ['server'] });
  server = createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
    seen.push(req.headers.authorization);
    const ok = valid.has(String(req.headers.authorization ?? '').replace(/^Bearer /, ''));
    res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
    res.end(
      ok
        ? '{"ok":true}'
        : '{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Unauthorized","message":"Unauthorized","code":401}',
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('credentials', () => {
  it('an exec plugin: its ExecCredential token is sent; it runs again after a 401', async () => {
    const plugin = join(dir, 'plugin.sh');
    const count = join(dir, 'runs');
    writeFileSync(
      plugin,
      `#!/bin/sh\necho x >> ${count}\nn=$(wc -l < ${count})\n[ -n "$KUBERNETES_EXEC_INFO" ] || exit 3\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-'$n'"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    writeFileSync(
      join(dir, 'kc'),
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: ${url}\n    certificate-authority-data: ${Buffer.from(ca).toString('base64')}\nusers:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n      args: [get-token]\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n`,
    );
    const c = ApiClient.fromKubeconfig({ path: join(dir, 'kc'), env: {} });
    valid.add('tok-1');
    expect(await c.request('GET', '/x')).toEqual({ ok: true });
    expect(await c.request('GET', '/x')).toEqual({ ok: true });
    expect(seen.slice(-2)).toEqual(['Bearer tok-1', 'Bearer tok-1']); // cached: ran once
    valid.clear();
    valid.add('tok-2');
    expect(await c.request('GET', '/x')).toEqual({ ok: true }); // 401 with tok-1, plugin again, tok-2
    expect(seen.slice(-2)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    c.close();
  });

  it('a plugin that fails or prints something else is a clear error', async () => {
    const bad = new CredentialSource({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'sh', args: ['-c', 'echo nope >&2; exit 1'] },
    });
    await expect(bad.current()).rejects.toThrow('exec plugin "sh" failed: nope');
    const garbage = new CredentialSource({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'echo', args: ['{}'] } });
    await expect(garbage.current()).rejects.toThrow('want an ExecCredential of client.authentication.k8s.io/v1');
    await expect(new CredentialSource({ exec: { apiVersion: 'v9', command: 'true' } }).current()).rejects.toThrow(
      'invalid apiVersion "v9"',
    );
    await expect(
      new CredentialSource({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/no/such/plugin' } }).current(),
    ).rejects.toThrow('executable not found');
  });

  it('a token file is re-read as it rotates (the in-cluster ServiceAccount token)', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'old\n');
    const src = new CredentialSource({ tokenFile });
    expect((await src.current()).token).toBe('old');
    writeFileSync(tokenFile, 'new\n');
    expect((await src.current()).token).toBe('old'); // not before the refresh period
    src.invalidate();
    expect((await src.current()).token).toBe('new');
    expect(TOKEN_FILE_REFRESH_MS).toBeLessThanOrEqual(60_000);
    // the client retries a 401 once with the file read again
    writeFileSync(tokenFile, 'rotated\n');
    valid.clear();
    valid.add('rotated');
    const c = new ApiClient({ server: url, ca, tokenFile });
    expect(await c.request('GET', '/x')).toEqual({ ok: true });
    c.close();
  });

  it('kubeconfig tokenFile is resolved beside the file and must be readable', () => {
    writeFileSync(join(dir, 'tok'), 't');
    const kc = (user: string) =>
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: k\n  cluster:\n    server: ${url}\nusers:\n- name: u\n  user:\n${user}\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n`;
    writeFileSync(join(dir, 'kc2'), kc('    tokenFile: tok'));
    expect(loadKubeconfig({ path: join(dir, 'kc2'), env: {} }).tokenFile).toBe(join(dir, 'tok'));
    writeFileSync(join(dir, 'kc3'), kc('    tokenFile: missing'));
    expect(() => loadKubeconfig({ path: join(dir, 'kc3'), env: {} })).toThrow('unable to read tokenFile');
    writeFileSync(join(dir, 'kc4'), kc('    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      args: [x]'));
    expect(() => loadKubeconfig({ path: join(dir, 'kc4'), env: {} })).toThrow('exec needs a command');
  });
});
