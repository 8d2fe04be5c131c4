#!/usr/bin/env node
'use strict';
// npm run up: build what is missing, start the compose cluster, wait until etcd, the apiserver and
// every node are Ready and the cluster DNS answers, write .minik8s/kubeconfig.
// Settings (environment): MINIK8S_NODES (2), MINIK8S_UP_TIMEOUT seconds (300),
// MINIK8S_APISERVER_PORT (6443), MINIK8S_REGISTRY_PORT (5000), MINIK8S_NODEPORTS (30000-30010), MINIK8S_BASE_IMAGE (node:20-bookworm-slim),
// MINIK8S_SKIP_BUILD=1 (use the existing dist/ instead of running tsc -b first), MINIK8S_WAIT_DNS=0.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const c = require('./cluster');

const t0 = Date.now();
const tty = process.stdout.isTTY;
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const TIMEOUT_MS = Number(process.env.MINIK8S_UP_TIMEOUT || 300) * 1000;

class UpError extends Error {}

/** One line per stage; on a terminal a spinner with the stage's live status. */
async function stage(title, fn) {
  const start = Date.now();
  let status = '';
  let timer;
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  let i = 0;
  const draw = () => process.stdout.write(`\r\x1b[K${frames[i++ % frames.length]} ${title}${status ? ` — ${status}` : ''} (${secs(Date.now() - start)})`);
  if (tty) timer = setInterval(draw, 120);
  else console.log(`… ${title}`);
  try {
    const result = await fn((s) => (status = s));
    if (timer) clearInterval(timer);
    process.stdout.write(`${tty ? '\r\x1b[K' : ''}✔ ${title}${result ? ` — ${result}` : ''} (${secs(Date.now() - start)})\n`);
    return result;
  } catch (e) {
    if (timer) clearInterval(timer);
    process.stdout.write(`${tty ? '\r\x1b[K' : ''}✘ ${title}${status ? ` — ${status}` : ''}\n`);
    throw e;
  }
}

/** Poll fn until it returns a truthy value; on timeout, fail with the hint. */
async function until(what, fn, hint, timeoutMs = TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new UpError(`timed out after ${secs(timeoutMs)} waiting for ${what}${last ? ` (${last.message})` : ''}\n  ${hint}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function logsHint(service) {
  const [cmd, args] = c.composeArgs(['logs', '--tail', '40', service]);
  return `see: ${cmd} ${args.join(' ')}`;
}

/** The YAML files of a folder of the repo, in name order. */
function yamlFiles(dir) {
  const d = path.join(c.REPO, dir);
  return existsSync(d) ? readdirSync(d).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(d, f)) : [];
}

/** Create (or merge-patch) every object of the YAML manifests, finding each kind's path by discovery. */
async function applyManifests(files) {
  const YAML = require('yaml');
  const discovery = new Map();
  const resourceFor = async (apiVersion, kind) => {
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    if (!discovery.has(base)) {
      const r = await c.request(c.SERVER + base);
      if (r.status !== 200) throw new Error(`discovery ${base}: HTTP ${r.status}`);
      discovery.set(base, r.json.resources);
    }
    const res = discovery.get(base).find((x) => x.kind === kind && !x.name.includes('/'));
    if (!res) throw new Error(`the apiserver does not serve ${kind} in ${apiVersion}`);
    return { base, res };
  };
  let n = 0;
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(readFileSync(file, 'utf8'))) {
      const obj = doc.toJSON();
      if (!obj || !obj.kind) continue;
      const { base, res } = await resourceFor(obj.apiVersion, obj.kind);
      const ns = res.namespaced ? `/namespaces/${obj.metadata.namespace || 'default'}` : '';
      const url = `${c.SERVER}${base}${ns}/${res.name}`;
      let r = await c.request(url, { method: 'POST', body: obj });
      if (r.status === 409) r = await c.request(`${url}/${obj.metadata.name}`, { method: 'PATCH', body: obj, contentType: 'application/merge-patch+json' });
      if (r.status >= 300) throw new Error(`${obj.kind} ${obj.metadata.name} from ${path.relative(c.REPO, file)}: HTTP ${r.status} ${r.json?.message || r.text}`);
      n++;
    }
  }
  return n;
}

async function main() {
  const nodes = c.nodeNames();

  await stage('Docker', async () => {
    if (!c.ok('docker', ['version', '--format', '{{.Client.Version}}'])) {
      throw new UpError('Docker is not installed: install Docker Desktop (macOS, Windows) or Docker Engine (Linux), then run npm run up again');
    }
    if (!c.ok('docker', ['info'])) {
      if (process.platform === 'linux' && process.getuid?.() === 0 && existsSync(path.join(c.REPO, 'scripts/ensure-env.sh'))) {
        const r = c.run('bash', ['scripts/ensure-env.sh'], { stdio: 'inherit' });
        if (r.status !== 0 || !c.ok('docker', ['info'])) throw new UpError('the Docker engine does not answer (docker info fails)');
      } else {
        throw new UpError('the Docker engine does not answer (docker info fails): start Docker (Docker Desktop, or `sudo systemctl start docker`) and run npm run up again');
      }
    }
    return `${c.composeCommand().join(' ')}, ${nodes.length} node${nodes.length > 1 ? 's' : ''}`;
  });

  await stage('ports', async () => {
    const own = c.ownPorts();
    const ports = [c.APISERVER_PORT, c.REGISTRY_PORT];
    for (let p = c.NODEPORTS[0]; p <= c.NODEPORTS[1]; p++) ports.push(p);
    for (const p of ports) {
      if (own.has(p)) continue;
      if (!(await portFree(p))) {
        const what = p === c.APISERVER_PORT ? 'the apiserver (MINIK8S_APISERVER_PORT=... to move it)' : p === c.REGISTRY_PORT ? 'the registry (MINIK8S_REGISTRY_PORT=... to move it; on macOS the AirPlay receiver holds 5000)' : 'NodePorts of node-1';
        throw new UpError(`port 127.0.0.1:${p} is taken by another program; minik8s needs it for ${what}`);
      }
    }
    return own.size ? 'the cluster already holds its ports' : `${ports.length} free`;
  });

  await stage('images', async (status) => {
    if (!existsSync(path.join(c.REPO, 'node_modules'))) {
      status('npm ci');
      const r = c.run('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
      if (r.status !== 0) throw new UpError('npm ci failed');
    }
    try {
      await c.buildImages({ status, echo: tty ? undefined : (d) => process.stdout.write(d), timeoutMs: TIMEOUT_MS, args: process.env.MINIK8S_SKIP_BUILD === '1' ? ['--no-app-build'] : [] });
    } catch (e) {
      throw new UpError(e.message);
    }
    const built = c.run('docker', ['images', '--filter', 'reference=minik8s/*', '-q']).stdout.trim().split('\n').length;
    return `${built} images ready`;
  });

  // Kept in .minik8s (not a volume): the laptop's kubeconfig needs the CA and the admin certificate,
  // and each container gets only its own folder, read-only.
  await stage('certificates', async () => {
    const r = await c.ensurePki(nodes);
    return r.issued.length ? `${r.issued.length} issued in ${path.relative(c.REPO, c.PKI)}` : `kept (${path.relative(c.REPO, c.PKI)})`;
  });

  c.writeNodesOverride(nodes.length);
  const scale = nodes.length === 1 ? ['--scale', 'node-2=0'] : [];

  // One `compose up` for every service; meanwhile, as soon as the registry answers, the pod images
  // are pushed to it (nodes load them from their own image; the registry serves the ones they pull).
  let startedAt = 0;
  await stage('containers', async (status) => {
    startedAt = Date.now();
    const up = c.composeAsync(['up', '-d', '--remove-orphans', ...scale]);
    const registry = until('the registry', async () => (await c.request(`http://127.0.0.1:${c.REGISTRY_PORT}/v2/`)).status === 200, logsHint('registry'), 60_000);
    // a failed `compose up` ends the wait at once
    await Promise.race([registry, up.then(() => registry)]);
    status('pushing pod images');
    c.pushImages(c.POD_IMAGES);
    status('starting containers');
    await up;
    const running = c.run('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${c.PROJECT}`]).stdout.trim().split('\n').filter(Boolean).length;
    return `${running} running; ${c.POD_IMAGES.length} pod images in the registry at 127.0.0.1:${c.REGISTRY_PORT}`;
  });

  await stage('etcd', () =>
    // etcd's plain health endpoint on the container's loopback (its clients need certificates)
    until('etcd', () => c.execIn('etcd', ['node', '-e', "require('http').get('http://127.0.0.1:2381/health',r=>{let b='';r.on('data',d=>b+=d);r.on('end',()=>process.exit(/true/.test(b)?0:1))}).on('error',()=>process.exit(1))"]).status === 0, logsHint('etcd')));

  const kubeconfig = await stage('apiserver', async () => {
    await until('the apiserver', async () => (await c.request(`${c.SERVER}/readyz`)).status === 200, logsHint('apiserver'));
    return c.writeKubeconfig();
  });

  await stage('nodes Ready', (status) =>
    until(
      `nodes ${nodes.join(', ')} Ready`,
      async () => {
        const ready = await c.readyNodes(c.SERVER, startedAt - 2000);
        status(`${nodes.filter((n) => ready.includes(n)).length}/${nodes.length}`);
        return nodes.every((n) => ready.includes(n)) && nodes.join(', ');
      },
      logsHint('node-1'),
    ));

  // Applied once every node is Ready, not earlier: the scheduler then spreads the two replicas over
  // the nodes instead of putting both on the first node that is Ready.
  const manifests = yamlFiles('cluster-dns/manifests');
  if (manifests.length) {
    await stage('cluster DNS', async (status) => {
      const n = await applyManifests(manifests);
      if (process.env.MINIK8S_WAIT_DNS === '0') return `${n} objects applied (not waiting: MINIK8S_WAIT_DNS=0)`;
      status(`${n} objects applied; waiting for an answer`);
      const a = await until('the cluster DNS (10.96.0.10) to answer', () => c.dnsAnswers(), `the rest of the cluster is up; see: KUBECONFIG=${c.STATE}/kubeconfig kubectl -n kube-system logs deployment/cluster-dns`, 180_000);
      return `kubernetes.default → ${a}`;
    });
  } else {
    console.log('- cluster DNS: no manifests in cluster-dns/manifests yet, skipped');
  }
  // the local-path provisioner (a pod per node) and the default StorageClass `standard`
  const storage = yamlFiles('local-path-provisioner/manifests');
  if (storage.length) await stage('storage', async () => `${await applyManifests(storage)} objects applied (default StorageClass standard)`);

  console.log(`
minik8s is up in ${secs(Date.now() - t0)}: ${nodes.length} node${nodes.length > 1 ? 's' : ''}, apiserver ${c.SERVER}, registry 127.0.0.1:${c.REGISTRY_PORT}

  export KUBECONFIG=${kubeconfig}
  npx mkctl get nodes                 # minik8s's own CLI
  kubectl get nodes                   # the real kubectl works too

  npm run load-image -- myapp:dev     # a local image, usable in pods as image: myapp:dev
  curl 127.0.0.1:30007                # NodePorts ${c.NODEPORTS.join('-')} of node-1 are published on loopback
  npm run down                        # stop, keeping the data (npm run down -- --volumes wipes it)
`);
}

main().catch((e) => {
  console.error(`\nminik8s: ${e instanceof UpError ? e.message : e.stack || e}`);
  process.exit(1);
});
