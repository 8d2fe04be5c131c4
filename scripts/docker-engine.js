'use strict';
// The Docker engine `npm run up` needs, and when there is none, why not and what to do. Four ways it
// is missing, each with its own fix: no `docker` command; the command but no engine installed (a
// client-only machine); an engine installed but not running; a socket the user may not open. On
// Linux as root, for the local engine, scripts/ensure-env.sh --engine installs and starts it (the
// same steps `npm test` takes); elsewhere the message says how.
// `node scripts/docker-engine.js` runs that check alone.
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
/** Where a dockerd started by ensure-env.sh (or systemd's docker.service) listens. */
const LOCAL_SOCKETS = ['unix:///var/run/docker.sock', 'unix:///run/docker.sock'];
const PROBE_TIMEOUT_MS = 30_000;

function docker(args, env, timeout = PROBE_TIMEOUT_MS) {
  return spawnSync('docker', args, { encoding: 'utf8', env, timeout });
}

/** dockerd on PATH or where Linux packages put it (a user's PATH often lacks the sbin folders). */
function dockerdInstalled(env) {
  const dirs = [...(env.PATH || '').split(path.delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/usr/local/bin', '/usr/local/sbin'];
  return dirs.some((d) => d && existsSync(path.join(d, 'dockerd')));
}

/** The engine address the client uses: DOCKER_HOST, else the current context's, else the one it names. */
function endpointOf(env, error) {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  const r = docker(['context', 'inspect', '--format', '{{.Endpoints.docker.Host}}'], env, 10_000);
  if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  const named = /\b((?:unix|tcp|ssh|npipe):\/\/\S+?)[.:]?(?:\s|$)/.exec(error);
  return named ? named[1] : LOCAL_SOCKETS[0];
}

/** What the machine says: the client's answer, and when no engine answered, the facts to tell why. */
function probe(env = process.env) {
  const who = { platform: process.platform, root: process.getuid?.() === 0 };
  const v = docker(['version', '--format', '{{.Server.Version}}'], env);
  if (v.error?.code === 'ENOENT') return { client: false, ...who };
  const timedOut = v.error?.code === 'ETIMEDOUT';
  if (v.error && !timedOut) throw new Error(`running docker: ${v.error.message}`, { cause: v.error });
  if (v.status === 0 && v.stdout.trim()) return { client: true, server: v.stdout.trim() };
  const error = (v.stderr || '').trim();
  return {
    client: true,
    server: '',
    error,
    timedOut,
    endpoint: endpointOf(env, error),
    dockerHost: !!env.DOCKER_HOST,
    dockerd: dockerdInstalled(env),
    ...who,
  };
}

const AGAIN = 'then run npm run up again';

/**
 * Pure: what a probe means. state: ready | no-client | no-engine | stopped | permission | unreachable;
 * fix: 'engine' when ensure-env.sh --engine can install or start what is missing (Linux, root, the
 * local socket), else null and the message says what to do.
 */
function classify(p) {
  if (p.client && p.server) return { state: 'ready', fix: null, message: `engine ${p.server}` };
  const linux = p.platform === 'linux';
  if (!p.client) {
    return {
      state: 'no-client',
      fix: linux && p.root ? 'engine' : null,
      message: linux
        ? `Docker is not installed (no docker command): install Docker Engine and Compose (Debian/Ubuntu: sudo apt-get install docker.io docker-compose; npm run up as root installs them itself), ${AGAIN}`
        : `Docker is not installed (no docker command): install Docker Desktop and start it, ${AGAIN}`,
    };
  }
  const at = p.dockerHost ? `${p.endpoint} (DOCKER_HOST)` : p.endpoint;
  if (/permission denied/i.test(p.error)) {
    return {
      state: 'permission',
      fix: null,
      message: `permission denied on the Docker socket ${at}: add your user to the docker group (sudo usermod -aG docker $USER, then log out and in again), ${AGAIN} (or run it with sudo)`,
    };
  }
  if (p.timedOut) {
    return { state: 'unreachable', fix: null, message: `the Docker engine at ${at} did not answer within ${PROBE_TIMEOUT_MS / 1000} s: restart it, ${AGAIN}` };
  }
  const local = LOCAL_SOCKETS.includes(p.endpoint);
  if (!p.endpoint.startsWith('unix://')) {
    return { state: 'unreachable', fix: null, message: `no Docker engine answers at ${at}: start it, or point DOCKER_HOST (or docker context use) at a running one, ${AGAIN}` };
  }
  if (!linux) {
    return { state: 'stopped', fix: null, message: `Docker Desktop is not running (nothing answers at ${at}): start it and wait until it says it is running, ${AGAIN}` };
  }
  if (!local) {
    return {
      state: p.dockerd ? 'stopped' : 'no-engine',
      fix: null,
      message: `nothing answers at ${at}: start the Docker engine that socket belongs to, or unset DOCKER_HOST to use the local one, ${AGAIN}`,
    };
  }
  if (!p.dockerd) {
    return {
      state: 'no-engine',
      fix: p.root ? 'engine' : null,
      message: `the docker command is installed but no Docker engine is (no dockerd, nothing answers at ${at}): install it (Debian/Ubuntu: sudo apt-get install docker.io; npm run up as root installs it itself), ${AGAIN}`,
    };
  }
  return {
    state: 'stopped',
    fix: p.root ? 'engine' : null,
    message: `Docker Engine is installed but not running (nothing answers at ${at}): start it with sudo systemctl start docker (without systemd: sudo dockerd &; npm run up as root starts it itself), ${AGAIN}`,
  };
}

/**
 * An engine that answers, or an Error saying why not and what to do. Runs ensure-env.sh --engine
 * first where that can fix it; status(text) reports progress.
 */
function ensureEngine({ env = process.env, status = () => {} } = {}) {
  const first = classify(probe(env));
  if (first.state === 'ready') return first.message;
  if (!first.fix) throw new Error(first.message);
  status(first.state === 'stopped' ? 'starting the Docker engine (scripts/ensure-env.sh --engine)' : 'installing Docker (scripts/ensure-env.sh --engine)');
  const r = spawnSync('bash', [path.join(REPO, 'scripts/ensure-env.sh'), '--engine'], { encoding: 'utf8', env, cwd: REPO });
  const after = classify(probe(env));
  if (after.state === 'ready') return `${after.message} (${first.state === 'stopped' ? 'started' : 'installed'} by scripts/ensure-env.sh --engine)`;
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim().split('\n').slice(-10).join('\n  ');
  throw new Error(`${first.message}\n  scripts/ensure-env.sh --engine did not fix it (exit ${r.status}):\n  ${out}\n  now: ${after.message}`);
}

module.exports = { probe, classify, ensureEngine, LOCAL_SOCKETS };

if (require.main === module) {
  try {
    console.log(`minik8s: Docker ${ensureEngine({ status: (s) => console.log(`minik8s: ${s}`) })}`);
  } catch (e) {
    console.error(`minik8s: ${e.message}`);
    process.exit(1);
  }
}
