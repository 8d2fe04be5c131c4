// `npm run up` on a machine without a working Docker engine, on the real parts: the real docker
// client against a dead socket, the machine's real socket as a user outside the docker group, a PATH
// without docker, and — in private mount, network and pid namespaces, so the machine's own engine
// is never stopped — an engine that is installed but not running, which up starts as root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './compose';

const NOBODY = 65534;
let dir: string;
let deadSocket: string;

/** Run scripts/up.js (as `user` when given); resolves with its exit code and output. */
function up(env: NodeJS.ProcessEnv, user?: number): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts/up.js')], {
      cwd: REPO,
      env: { PATH: process.env.PATH, HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user === undefined ? {} : { uid: user, gid: user }),
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => ok({ code: code ?? 1, out, ms: Date.now() - started }));
  });
}

const dockerdPids = () => spawnSync('pgrep', ['-x', 'dockerd'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).sort();
const engineAnswers = () => spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).status === 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'minik8s-docker-check-'));
  chmodSync(dir, 0o755);
  chownSync(dir, NOBODY, NOBODY);
  // the socket file of a process that died without cleaning up (a crashed engine): connect() is refused
  deadSocket = join(dir, 'docker.sock');
  const crash = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(deadSocket)},()=>process.kill(process.pid,'SIGKILL'))`]);
  expect(crash.signal).toBe('SIGKILL');
  chownSync(deadSocket, NOBODY, NOBODY);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm run up without a working Docker engine', () => {
  it('a client whose DOCKER_HOST socket is dead: names the socket and what to do, starts nothing', async () => {
    const before = dockerdPids();
    for (const user of [NOBODY, undefined]) {
      const r = await up({ DOCKER_HOST: `unix://${deadSocket}` }, user);
      expect(r.code, r.out).toBe(1);
      expect(r.out).toContain('✘ Docker');
      expect(r.out).toContain(`nothing answers at unix://${deadSocket} (DOCKER_HOST)`);
      expect(r.out).toContain('unset DOCKER_HOST');
      expect(r.out).not.toContain('Docker is not installed');
      expect(r.out).not.toContain('images');
    }
    // as root too, an engine is only ever started on the local socket, never in another's place
    expect(dockerdPids()).toEqual(before);
    expect(engineAnswers()).toBe(true);
  });

  it('a user outside the docker group: permission denied on the real socket, with the fix', async () => {
    const r = await up({}, NOBODY);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('permission denied on the Docker socket unix:///var/run/docker.sock');
    expect(r.out).toContain('sudo usermod -aG docker $USER');
  });

  it('no docker command at all: "Docker is not installed", with how to install it', async () => {
    const r = await up({ PATH: dir }, NOBODY);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('Docker is not installed (no docker command)');
    expect(r.out).toContain('apt-get install docker.io docker-compose');
  });

  it('as root, an installed engine that is not running is started as npm test does (private namespaces)', async () => {
    const hostEngine = dockerdPids();
    // /run (the default socket, pid files), /var/lib/docker and /var/log are empty tmpfs in a mount
    // namespace of its own, in a network namespace of its own; when bash (pid 1 there) exits, the
    // kernel ends every process of that pid namespace, the dockerd up started among them. An apiserver
    // port held in that namespace stops up at its next stage: only the Docker stage runs.
    const script = [
      'set -e',
      'mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /var/lib/docker; mount -t tmpfs tmpfs /var/log',
      'ip link set lo up',
      `${JSON.stringify(process.execPath)} -e "require('net').createServer().listen(16999,'127.0.0.1')" & sleep 0.5`,
      `MINIK8S_APISERVER_PORT=16999 ${JSON.stringify(process.execPath)} scripts/up.js || true`,
      'echo "engine: $(docker version --format "{{.Server.Version}}")"',
      'echo "dockerd: $(pgrep -x dockerd)"',
    ].join('\n');
    const r = spawnSync('unshare', ['--mount', '--net', '--pid', '--fork', '--mount-proc', 'bash', '-c', script], { cwd: REPO, encoding: 'utf8', timeout: 90_000 });
    const out = r.stdout + r.stderr;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/✔ Docker — engine \S+ \(started by scripts\/ensure-env\.sh --engine\)/);
    expect(out).toContain('port 127.0.0.1:16999 is taken');
    expect(out).toMatch(/engine: \d+\.\d+/);
    // the dockerd it started lived in that namespace (a low pid there) and is gone with it
    expect(out).toMatch(/dockerd: \d+/);
    expect(dockerdPids()).toEqual(hostEngine);
    expect(engineAnswers()).toBe(true);
  }, 120_000);
});
