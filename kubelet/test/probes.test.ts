// Probe handlers against loopback servers, and the probe manager's verdicts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@minik8s/shared';
import { ProbeManager, resolvePort, runProbe, type ProbeTarget } from '../src/pod/probes';

let http: Server;
let tcp: TcpServer;
let httpPort = 0;
let tcpPort = 0;

beforeAll(async () => {
  http = createServer((req, res) => {
    res.writeHead(req.url === '/ok' ? 200 : req.url === '/redirect' ? 302 : 500);
    res.end(req.headers['x-probe'] ?? '');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  tcp = createTcpServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  tcpPort = (tcp.address() as AddressInfo).port;
});

afterAll(() => {
  http.close();
  tcp.close();
});

const target = (spec: ProbeTarget['spec'] = { name: 'c', ports: [{ name: 'web', containerPort: 0 }] }): ProbeTarget => ({ podKey: 'ns/p', podIP: '127.0.0.1', containerId: 'cid', spec });
const noExec = async () => ({ exitCode: 0, output: '' });

describe('runProbe', () => {
  it('httpGet: 2xx/3xx succeed, 5xx fails with the status code', async () => {
    expect((await runProbe({ httpGet: { path: '/ok', port: httpPort } }, target(), noExec)).ok).toBe(true);
    expect((await runProbe({ httpGet: { path: '/redirect', port: httpPort } }, target(), noExec)).ok).toBe(true);
    expect(await runProbe({ httpGet: { path: '/bad', port: httpPort } }, target(), noExec)).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 500' });
  });
  it('httpGet with a named port', async () => {
    const t = target({ name: 'c', ports: [{ name: 'web', containerPort: httpPort }] });
    expect((await runProbe({ httpGet: { path: '/ok', port: 'web' } }, t, noExec)).ok).toBe(true);
    expect(() => resolvePort('nope', t.spec)).toThrow('port "nope" not found');
  });
  it('tcpSocket: open port succeeds, closed port fails', async () => {
    expect((await runProbe({ tcpSocket: { port: tcpPort } }, target(), noExec)).ok).toBe(true);
    const closed = await new Promise<number>((r) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const res = await runProbe({ tcpSocket: { port: closed } }, target(), noExec);
    expect(res.ok).toBe(false);
    expect(res.message).toMatch(/ECONNREFUSED/);
  });
  it('exec: exit code decides', async () => {
    expect((await runProbe({ exec: { command: ['true'] } }, target(), async () => ({ exitCode: 0, output: '' }))).ok).toBe(true);
    expect(await runProbe({ exec: { command: ['false'] } }, target(), async () => ({ exitCode: 1, output: 'nope\n' }))).toEqual({ ok: false, message: 'command exited with 1: nope' });
  });
});

describe('ProbeManager', () => {
  it('readiness flips ready; liveness failure marks the container for a kill', { timeout: 40_000 }, async () => {
    let healthy = true;
    const changes: string[] = [];
    const m = new ProbeManager(async () => ({ ok: healthy, message: healthy ? '' : 'command exited with 1: ' }), (_k, kind, _c, ok) => changes.push(`${kind}:${ok}`), createLogger('test', { level: 'silent' }));
    const spec = { name: 'c', readinessProbe: { exec: { command: ['x'] }, periodSeconds: 1 }, livenessProbe: { exec: { command: ['x'] }, periodSeconds: 1, failureThreshold: 1 } };
    expect(m.isReady('cid', spec)).toBe(false);
    m.ensure({ ...target(spec) }, Date.now());
    await expect.poll(() => m.isReady('cid', spec), { timeout: 15_000 }).toBe(true);
    healthy = false;
    await expect.poll(() => m.failed.get('cid'), { timeout: 15_000 }).toBe('Container c failed liveness probe, will be restarted');
    await expect.poll(() => m.isReady('cid', spec), { timeout: 15_000 }).toBe(false);
    expect(changes).toContain('liveness:false');
    m.retain(new Set());
    expect(m.failed.size).toBe(0);
    expect(m.isReady('cid', { name: 'c' })).toBe(true);
  });
});
