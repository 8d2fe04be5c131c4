'use strict';
// What `npm run up`, `down`, `load-image`, `bench:up` and the e2e tests share about the compose
// cluster: the compose command and files, the node count, containers, the registry, HTTP checks.
// Plain Node (no build step), so it works before `npm run build` and on any laptop.
const { spawnSync, spawn } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync } = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const PROJECT = process.env.COMPOSE_PROJECT_NAME || 'minik8s';
// Another project (the e2e tests use minik8s-e2e) keeps its kubeconfig and override apart.
const STATE = PROJECT === 'minik8s' ? path.join(REPO, '.minik8s') : path.join(REPO, '.minik8s', PROJECT);
const NODES_OVERRIDE = path.join(STATE, 'compose.nodes.yml');
const APISERVER_PORT = Number(process.env.MINIK8S_APISERVER_PORT || 6443);
const REGISTRY_PORT = Number(process.env.MINIK8S_REGISTRY_PORT || 5000);
const NODEPORTS = (process.env.MINIK8S_NODEPORTS || '30000-30010').split('-').map(Number);
const INGRESS_HTTP_PORT = Number(process.env.MINIK8S_INGRESS_HTTP_PORT || 80);
const INGRESS_HTTPS_PORT = Number(process.env.MINIK8S_INGRESS_HTTPS_PORT || 443);
const SERVER = `http://127.0.0.1:${APISERVER_PORT}`;
/** Images every node needs from the registry: the pod sandbox, busybox, the tools, the cluster DNS, storage and Ingress add-ons. */
const POD_IMAGES = ['minik8s/pause:3.10', 'minik8s/busybox:1.36', 'busybox:latest', 'minik8s/tools:1.0', 'minik8s/cluster-dns:latest', 'minik8s/local-path-provisioner:latest', 'minik8s/ingress-nginx:latest'];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: REPO, ...opts });
  if (r.error) throw r.error;
  return r;
}

function ok(cmd, args, opts) {
  try {
    return run(cmd, args, opts).status === 0;
  } catch {
    return false;
  }
}

let composeCached;
/** `docker compose` (v2) where present, else `docker-compose` (v1.29). */
function composeCommand() {
  if (composeCached) return composeCached;
  if (ok('docker', ['compose', 'version'])) composeCached = ['docker', 'compose'];
  // found on PATH, not run: `docker-compose version` starts Python, half a second per `up`
  else if ((process.env.PATH || '').split(path.delimiter).some((d) => d && existsSync(path.join(d, 'docker-compose')))) composeCached = ['docker-compose'];
  else throw new Error('neither `docker compose` nor `docker-compose` is installed (install Docker Desktop, or the docker-compose package)');
  return composeCached;
}

function nodeCount() {
  const n = Number(process.env.MINIK8S_NODES || 2);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new Error(`MINIK8S_NODES must be a whole number from 1 to 20, not ${process.env.MINIK8S_NODES}`);
  return n;
}

function nodeNames(n = nodeCount()) {
  return Array.from({ length: n }, (_, i) => `node-${i + 1}`);
}

/** node-3... go to an override file (JSON is YAML) that copies node-2's settings. */
function writeNodesOverride(n) {
  if (n <= 2) {
    rmSync(NODES_OVERRIDE, { force: true });
    return;
  }
  const services = {};
  const volumes = {};
  for (const name of nodeNames(n).slice(2)) {
    services[name] = {
      extends: { file: path.join(REPO, 'docker-compose.yml'), service: 'node-2' },
      hostname: name,
      environment: { NODE_NAME: name },
      volumes: ['/sys/fs/cgroup:/sys/fs/cgroup', `${name}-docker:/var/lib/docker`, `${name}-local-path:/var/lib/minik8s/local-path`],
    };
    volumes[`${name}-docker`] = {};
    volumes[`${name}-local-path`] = {};
  }
  mkdirSync(STATE, { recursive: true });
  writeFileSync(NODES_OVERRIDE, JSON.stringify({ services, volumes }, null, 2) + '\n');
}

function composeArgs(args) {
  const [cmd, ...pre] = composeCommand();
  const files = ['-f', path.join(REPO, 'docker-compose.yml')];
  if (existsSync(NODES_OVERRIDE)) files.push('-f', NODES_OVERRIDE);
  return [cmd, [...pre, '-p', PROJECT, ...files, ...args]];
}

/** Run a compose command; throws with its output when it fails. */
function compose(args, { quiet = true } = {}) {
  const [cmd, full] = composeArgs(args);
  const r = run(cmd, full, { stdio: quiet ? 'pipe' : 'inherit' });
  if (r.status !== 0) throw new Error(`${cmd} ${full.join(' ')} failed:\n${(r.stderr || '') + (r.stdout || '')}`);
  return r.stdout || '';
}

/** compose() without blocking: resolves when the command succeeds, rejects with its output otherwise. */
function composeAsync(args) {
  const [cmd, full] = composeArgs(args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, full, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${full.join(' ')} failed:\n${out}`))));
  });
}

/** The container id of a compose service ('' when it does not exist). */
function containerId(service, all = false) {
  const r = run('docker', ['ps', ...(all ? ['-a'] : []), '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', `label=com.docker.compose.service=${service}`]);
  return (r.stdout || '').trim().split('\n')[0] || '';
}

/** Host ports published by this project's running containers (a running cluster may hold its own ports). */
function ownPorts() {
  const r = run('docker', ['ps', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--format', '{{.Ports}}']);
  const ports = new Set();
  for (const m of (r.stdout || '').matchAll(/:(\d+)(?:-(\d+))?->/g)) {
    const a = Number(m[1]);
    const b = Number(m[2] || m[1]);
    for (let p = a; p <= b; p++) ports.add(p);
  }
  return ports;
}

/** Run a command in a service's container. */
function execIn(service, args) {
  const id = containerId(service);
  if (!id) throw new Error(`${service} is not running`);
  return run('docker', ['exec', id, ...args]);
}

/**
 * The registry path of an image so that nodes pull it under the SAME reference through their Docker
 * Hub mirror: `myapp:dev` → `library/myapp:dev`, `me/app` → `me/app:latest`. References naming
 * another registry cannot go through a mirror.
 */
function registryPath(ref) {
  let name = ref;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) throw new Error(`${ref}: push a tag, not a digest`);
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > slash) {
    suffix = name.slice(colon);
    name = name.slice(0, colon);
  } else suffix = ':latest';
  const parts = name.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    if (parts[0] !== 'docker.io' && parts[0] !== 'index.docker.io') {
      throw new Error(`${ref} names the registry ${parts[0]}; nodes pull Docker Hub-style names (like myapp:dev or me/app:1.0) from the cluster registry: tag it so first`);
    }
    parts.shift();
  }
  if (parts.length === 1) parts.unshift('library');
  return parts.join('/') + suffix;
}

/** Run a command without blocking the event loop: resolves with { status, stdout, stderr }. */
function runAsync(cmd, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

/** The image id the registry holds under a path:tag (its manifest's config digest), or ''. */
async function registryImageId(pathTag) {
  const colon = pathTag.lastIndexOf(':');
  const url = `http://127.0.0.1:${REGISTRY_PORT}/v2/${pathTag.slice(0, colon)}/manifests/${pathTag.slice(colon + 1)}`;
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: 5000, headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 ? JSON.parse(text).config?.digest || '' : '');
        } catch {
          resolve('');
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(''));
  });
}

/**
 * Tag + push local images to the cluster registry, so pods can use them under the same names. An
 * image the registry already holds under that name (same image id) is not pushed again: a warm
 * `npm run up` pushes nothing. Resolves with the references it pushed.
 */
async function pushImages(refs, log = () => {}) {
  const pushed = [];
  for (const ref of refs) {
    const pathTag = registryPath(ref);
    const target = `127.0.0.1:${REGISTRY_PORT}/${pathTag}`;
    const local = await runAsync('docker', ['image', 'inspect', '-f', '{{.Id}}', ref]);
    if (local.status !== 0) throw new Error(`no local image ${ref} (docker images shows what there is)`);
    if ((await registryImageId(pathTag)) === local.stdout.trim()) {
      log(`${ref} → pods can use image: ${ref} (already in the registry)`);
      continue;
    }
    let r = await runAsync('docker', ['tag', ref, target]);
    if (r.status !== 0) throw new Error(`docker tag ${ref} ${target}: ${r.stderr}`);
    r = await runAsync('docker', ['push', target]);
    await runAsync('docker', ['rmi', target]);
    if (r.status !== 0) throw new Error(`docker push ${target} failed (is the cluster up? npm run up):\n${r.stderr || r.stdout}`);
    log(`${ref} → pods can use image: ${ref}`);
    pushed.push(ref);
  }
  return pushed;
}

/**
 * One image build at a time per checkout: every run (another compose project's `up`, bench:up, the
 * e2e tests, the testcontainers module) stages its files in the same .build/images. A lock directory
 * holding the owner's pid; a lock whose owner is gone is taken over.
 */
async function withBuildLock(status, fn, timeoutMs) {
  const lock = path.join(REPO, '.build', 'images.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {
      // being written: wait
    }
    let alive = true;
    try {
      if (owner > 0) process.kill(owner, 0);
    } catch (e) {
      alive = e.code === 'EPERM';
    }
    if (!alive) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another image build in this checkout (pid ${owner}) holds ${lock}; remove it if that process is gone`);
    status(`waiting for another image build in this checkout (pid ${owner})`);
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * `npm run up`'s image step (scripts/images.sh ...args), under the build lock: status() gets each
 * progress line, echo() the raw output. Rejects with the last lines of the output.
 */
function buildImages({ status = () => {}, echo, timeoutMs = 300_000, args = [] } = {}) {
  return withBuildLock(status, () => new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/images.sh', ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let out = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      out += d;
      const lines = out.trim().split('\n');
      status(lines[lines.length - 1].replace(/^minik8s:\s*/, '').replace(/\s+/g, ' '));
      if (echo) echo(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the images failed:\n${out.split('\n').slice(-25).join('\n')}`))));
  }), timeoutMs);
}

/**
 * GET (or other method) → { status, body } ; never throws on HTTP status, throws on connection errors.
 * A new connection each time (agent: false), never Node's keep-alive pool: these scripts block their
 * event loop in spawnSync (docker exec, compose, up.js itself) while the apiserver behind a kept
 * socket may be restarted or removed, and a pooled socket whose close was not read yet would carry
 * the next request into a dead connection ("socket hang up"). Loopback connections cost little.
 */
function request(url, { method = 'GET', body, contentType = 'application/json', timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(url, { method, agent: false, timeout: timeoutMs, headers: data ? { 'content-type': contentType, 'content-length': Buffer.byteLength(data) } : {} }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Nodes that are Ready and have their pod subnet (pods started before it would land on Docker's
 * default bridge); with `since`, only nodes whose kubelet has posted a heartbeat since then (a node
 * object kept in etcd across down/up still says Ready before its kubelet is back).
 */
async function readyNodes(server = SERVER, since = 0) {
  const r = await request(`${server}/api/v1/nodes`);
  if (r.status !== 200 || !r.json) return [];
  return r.json.items
    .filter((n) => n.spec?.podCIDR)
    .filter((n) => (n.status?.conditions || []).some((c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime || 0) >= since))
    .map((n) => n.metadata.name);
}

/**
 * Resolve a name through the cluster DNS from inside node-1 (the Service VIP lives there): one A query
 * over UDP through bash's /dev/udp, encoded and decoded here with dns-packet. A docker exec of bash,
 * not of node: a poll every few hundred ms must not load the machine it waits on. '' when no answer.
 */
function dnsAnswers(name = 'kubernetes.default.svc.cluster.local') {
  const packet = require('dns-packet');
  const id = 1 + Math.floor(Math.random() * 65534);
  const query = packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
  const bytes = [...query].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  // (dd: one write, one datagram; printf alone may write the query in pieces)
  const script = `exec 3<>/dev/udp/10.96.0.10/53 && printf '${bytes}' | dd bs=${query.length} count=1 iflag=fullblock >&3 2>/dev/null && timeout 1 dd bs=4096 count=1 <&3 2>/dev/null | od -An -v -tx1`;
  try {
    const r = execIn('node-1', ['bash', '-c', script]);
    const hex = (r.stdout || '').replace(/\s+/g, '');
    if (!hex) return '';
    const reply = packet.decode(Buffer.from(hex, 'hex'));
    if (reply.id !== id || reply.rcode !== 'NOERROR') return '';
    return reply.answers.filter((a) => a.type === 'A').map((a) => a.data).join(',');
  } catch {
    return '';
  }
}

/** The Ingress controller answers on the published HTTP port (nginx's 404 for a host no Ingress names). */
async function ingressAnswers() {
  try {
    const r = await request(`http://127.0.0.1:${INGRESS_HTTP_PORT}/`, { timeoutMs: 2000 });
    return r.status === 404 && /nginx/.test(r.text);
  } catch {
    return false;
  }
}

function kubeconfigText(server = SERVER) {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: minik8s',
    '  cluster:',
    `    server: ${server}`,
    'users:',
    '- name: admin',
    '  user: {}',
    'contexts:',
    '- name: minik8s',
    '  context:',
    '    cluster: minik8s',
    '    user: admin',
    '    namespace: default',
    'current-context: minik8s',
    '',
  ].join('\n');
}

function writeKubeconfig() {
  mkdirSync(STATE, { recursive: true });
  const file = path.join(STATE, 'kubeconfig');
  writeFileSync(file, kubeconfigText());
  return file;
}

module.exports = {
  REPO, STATE, PROJECT, SERVER, APISERVER_PORT, REGISTRY_PORT, NODEPORTS, INGRESS_HTTP_PORT, INGRESS_HTTPS_PORT, POD_IMAGES,
  run, ok, spawn, buildImages, composeCommand, composeArgs, compose, composeAsync, nodeCount, nodeNames, writeNodesOverride,
  containerId, ownPorts, execIn, registryPath, pushImages, request, readyNodes, dnsAnswers, ingressAnswers, writeKubeconfig,
};
