// scripts/docker-engine.js's verdict on what a machine has: every case a user meets before the first
// `npm run up`, and whether up may fix it itself (Linux, root, the local socket) or must say how.
import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO } from './compose';

interface Verdict { state: string; fix: string | null; message: string }
const { classify } = createRequire(__filename)(join(REPO, 'scripts/docker-engine.js')) as { classify(p: object): Verdict };

const local = 'unix:///var/run/docker.sock';
const refused = `Cannot connect to the Docker daemon at ${local}. Is the docker daemon running?`;
const base = { client: true, server: '', error: refused, timedOut: false, endpoint: local, dockerHost: false, dockerd: true, platform: 'linux', root: false };

describe('classify: what a machine without a running engine needs', () => {
  const cases: [string, object, string, string | null, RegExp][] = [
    ['an engine answers', { server: '20.10.24' }, 'ready', null, /engine 20\.10\.24/],
    ['no docker command, Linux user', { client: false }, 'no-client', null, /apt-get install docker\.io docker-compose/],
    ['no docker command, Linux root: installed for them', { client: false, root: true }, 'no-client', 'engine', /not installed/],
    ['no docker command, macOS', { client: false, platform: 'darwin' }, 'no-client', null, /Docker Desktop/],
    ['client alone (no dockerd), user', { dockerd: false }, 'no-engine', null, /no Docker engine is \(no dockerd/],
    ['client alone (no dockerd), root: installed for them', { dockerd: false, root: true }, 'no-engine', 'engine', /apt-get install docker\.io/],
    ['engine installed, stopped, user', {}, 'stopped', null, /systemctl start docker/],
    ['engine installed, stopped, root: started for them', { root: true }, 'stopped', 'engine', /installed but not running/],
    ['stopped on /run/docker.sock too', { root: true, endpoint: 'unix:///run/docker.sock' }, 'stopped', 'engine', /run\/docker\.sock/],
    ['socket not ours', { error: `permission denied while trying to connect to the Docker daemon socket at ${local}: dial unix`, root: false }, 'permission', null, /usermod -aG docker/],
    ['Docker Desktop not running', { platform: 'darwin', endpoint: 'unix:///Users/me/.docker/run/docker.sock' }, 'stopped', null, /Docker Desktop is not running/],
    ['DOCKER_HOST at another socket, root: never started in its place', { root: true, dockerHost: true, endpoint: 'unix:///tmp/x/docker.sock' }, 'stopped', null, /unix:\/\/\/tmp\/x\/docker\.sock \(DOCKER_HOST\).*unset DOCKER_HOST/],
    ['a remote engine', { endpoint: 'tcp://10.0.0.5:2376', dockerHost: true, root: true }, 'unreachable', null, /tcp:\/\/10\.0\.0\.5:2376/],
    ['an engine that hangs', { timedOut: true, root: true }, 'unreachable', null, /did not answer within 30 s/],
  ];
  for (const [name, over, state, fix, message] of cases) {
    it(name, () => {
      const v = classify({ ...base, ...over });
      expect(v.state).toBe(state);
      expect(v.fix).toBe(fix);
      expect(v.message).toMatch(message);
    });
  }
});
