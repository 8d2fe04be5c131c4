// scripts/cluster.js's HTTP requests (up.js, bench:up, the e2e tests) across a server replaced while
// the caller was blocked in spawnSync, as bench:up's warm run met it: the cold run's apiserver was
// removed and a new one started on the same port during `up.js`, and the next request went out on a
// keep-alive socket of the old one ("socket hang up"). Real processes and sockets on loopback.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../testing/procs';
import { REPO, type ClusterLib } from './compose';

const dir = mkdtempSync(join(tmpdir(), 'minik8s-request-'));
const lib = createRequire(__filename)(join(REPO, 'scripts/cluster.js')) as ClusterLib;

/** Start a keep-alive HTTP server in its own process (outliving the shell that starts it); its pid goes to pidFile. */
function serverCommand(port: number, name: string, pidFile: string): string {
  const js = `require('fs').writeFileSync(${JSON.stringify(pidFile)},String(process.pid));require('http').createServer({keepAliveTimeout:60000},(q,r)=>r.end(${JSON.stringify(name)})).listen(${port},'127.0.0.1',()=>console.log('listening'))`;
  return `(setsid ${JSON.stringify(process.execPath)} -e ${JSON.stringify(js)} </dev/null >${JSON.stringify(join(dir, `${name}.log`))} 2>&1 &); for i in $(seq 100); do grep -q listening ${JSON.stringify(join(dir, `${name}.log`))} 2>/dev/null && break; sleep 0.05; done`;
}

const pids: string[] = [];
afterAll(() => {
  for (const f of pids) {
    try {
      process.kill(Number(readFileSync(f, 'utf8')), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster.js request', () => {
  it('reaches the new server after the old one was replaced during a blocking spawnSync', async () => {
    const port = await freePort();
    const [a, b] = [join(dir, 'a.pid'), join(dir, 'b.pid')];
    pids.push(a, b);
    expect(spawnSync('bash', ['-c', serverCommand(port, 'old', a)]).status).toBe(0);
    expect((await lib.request(`http://127.0.0.1:${port}/`)).text).toBe('old');
    // the event loop is blocked while the old server goes and a new one takes its port
    const swap = spawnSync('bash', ['-c', `kill ${readFileSync(a, 'utf8')}; sleep 0.3; ${serverCommand(port, 'new', b)}`]);
    expect(swap.status, String(swap.stderr)).toBe(0);
    expect((await lib.request(`http://127.0.0.1:${port}/`)).text).toBe('new');
  });
});
