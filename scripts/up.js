#!/usr/bin/env node
'use strict';
// npm run up: build what is missing, start the compose cluster, wait until etcd, the apiserver and
// every node are Ready and the cluster DNS answers, write .minik8s/kubeconfig.
// Settings (environment): MINIK8S_NODES (2), MINIK8S_UP_TIMEOUT seconds (300),
// MINIK8S_APISERVER_PORT (6443), MINIK8S_REGISTRY_PORT (5000), MINIK8S_NODEPORTS (30000-30010), MINIK8S_BASE_IMAGE (node:20-bookworm-slim),
// MINIK8S_INGRESS_HTTP_PORT (80), MINIK8S_INGRESS_HTTPS_PORT (443),
// MINIK8S_SKIP_BUILD=1 (use the existing dist/ instead of running tsc -b first), MINIK8S_WAIT_DNS=0, MINIK8S_WAIT_INGRESS=0.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const c = require('./cluster');
const { ensureEngine } = require('./docker-engine');

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

/**
 * Poll fn until it returns a truthy value. On timeout, fail with what it waited for, since when, and
 * the last lines of the services' logs (hint: a function for anything else worth saying).
 */
async function until(what, fn, services, timeoutMs = TIMEOUT_MS, hint) {
  const start = Date.now();
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > timeoutMs) {
      const tails = services.map((s) => logsTail(s)).join('\n');
      throw new UpError(`timed out after ${secs(timeoutMs)} waiting for ${what}${last ? ` (${last.message})` : ''}; the wait began ${secs(start - t0)} into npm run up${hint ? `\n  ${hint()}` : ''}\n${tails}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    // EACCES: a port below 1024 and no right to bind it here; Docker publishes it, and says so if it is taken
    s.once('error', (e) => resolve(e.code === 'EACCES'));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** The last lines of a service's log, indented, with the command that shows more. */
function logsTail(service, lines = 25) {
  const [cmd, args] = c.composeArgs(['logs', '--no-color', '--tail', String(lines), service]);
  let text;
  try {
    const r = c.run(cmd, args, { timeout: 30_000 });
    text = (r.stdout + r.stderr).trim() || '(no output)';
  } catch (e) {
    text = `(could not read it: ${e.message})`;
  }
  return `--- ${service}: the last ${lines} lines (${cmd} ${args.join(' ')})\n${text.split('\n').map((l) => `  ${l}`).join('\n')}`;
}

/** The apiserver container's run: its start time and restart count (a change: it restarted). */
function apiserverRun() {
  const r = c.run('docker', ['inspect', '-f', '{{.State.StartedAt}} restarts={{.RestartCount}}', c.containerId('apiserver')]);
  return r.stdout.trim();
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

  await stage('Docker', async (status) => {
    let engine;
    let compose;
    try {
      engine = ensureEngine({ status });
      try {
        compose = c.composeCommand();
      } catch (e) {
        // an engine without Compose: as root on Linux, ensure-env.sh --engine installs it
        if (process.platform !== 'linux' || process.getuid?.() !== 0) throw e;
        status('installing Compose (scripts/ensure-env.sh --engine)');
        c.run('bash', ['scripts/ensure-env.sh', '--engine']);
        compose = c.composeCommand();
      }
    } catch (e) {
      throw new UpError(e.message);
    }
    return `${engine}, ${compose.join(' ')}, ${nodes.length} node${nodes.length > 1 ? 's' : ''}`;
  });

  await stage('ports', async () => {
    const own = c.ownPorts();
    const ports = [c.APISERVER_PORT, c.REGISTRY_PORT, c.INGRESS_HTTP_PORT, c.INGRESS_HTTPS_PORT];
    for (let p = c.NODEPORTS[0]; p <= c.NODEPORTS[1]; p++) ports.push(p);
    const named = {
      [c.APISERVER_PORT]: 'the apiserver (MINIK8S_APISERVER_PORT=... to move it)',
      [c.REGISTRY_PORT]: 'the registry (MINIK8S_REGISTRY_PORT=... to move it; on macOS the AirPlay receiver holds 5000)',
      [c.INGRESS_HTTP_PORT]: 'the Ingress controller\'s HTTP (MINIK8S_INGRESS_HTTP_PORT=... to move it, e.g. 8080)',
      [c.INGRESS_HTTPS_PORT]: 'the Ingress controller\'s HTTPS (MINIK8S_INGRESS_HTTPS_PORT=... to move it, e.g. 8443)',
    };
    for (const p of ports) {
      if (own.has(p)) continue;
      if (!(await portFree(p))) {
        const what = named[p] ?? 'NodePorts of node-1';
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

  c.writeNodesOverride(nodes.length);
  const scale = nodes.length === 1 ? ['--scale', 'node-2=0'] : [];

  // One `compose up` for every service; meanwhile, as soon as the registry answers, the pod images
  // are pushed to it (nodes load them from their own image; the registry serves the ones they pull).
  let startedAt = 0;
  await stage('containers', async (status) => {
    startedAt = Date.now();
    const up = c.composeAsync(['up', '-d', '--remove-orphans', ...scale]);
    const registry = until('the registry', async () => (await c.request(`http://127.0.0.1:${c.REGISTRY_PORT}/v2/`)).status === 200, ['registry'], 60_000);
    // a failed `compose up` ends the wait at once
    await Promise.race([registry, up.then(() => registry)]);
    status('pushing pod images');
    const pushed = (await c.pushImages(c.POD_IMAGES)).length;
    status('starting containers');
    await up;
    const running = c.run('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${c.PROJECT}`]).stdout.trim().split('\n').filter(Boolean).length;
    return `${running} running; ${c.POD_IMAGES.length} pod images in the registry at 127.0.0.1:${c.REGISTRY_PORT} (${pushed} pushed)`;
  });

  // healthy, then its version (the stage line reads "etcd — 3.4.23, healthy"): bash's /dev/tcp in the
  // etcd container, a lighter docker exec than a node process
  const etcdGet = (p) => `exec 3<>/dev/tcp/127.0.0.1/2379 && printf 'GET ${p} HTTP/1.0\\r\\n\\r\\n' >&3 && tail -n 1 <&3`;
  await stage('etcd', () =>
    until('etcd', () => {
      const r = c.execIn('etcd', ['bash', '-c', `${etcdGet('/health')}; echo; ${etcdGet('/version')}`]);
      const [health, version] = r.stdout.trim().split('\n');
      return r.status === 0 && /"health":\s*"true"/.test(health) && `${JSON.parse(version).etcdserver}, healthy`;
    }, ['etcd']));

  let apiserverStarted;
  const kubeconfig = await stage('apiserver', async () => {
    await until('the apiserver', async () => (await c.request(`${c.SERVER}/readyz`)).status === 200, ['apiserver', 'etcd']);
    apiserverStarted = apiserverRun();
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
      [...nodes, 'controller-manager'],
    ));

  // Applied once every node is Ready, not earlier: the scheduler then spreads the two replicas over
  // the nodes instead of putting both on the first node that is Ready.
  const manifests = yamlFiles('cluster-dns/manifests');
  if (manifests.length) {
    await stage('cluster DNS', async (status) => {
      const n = await applyManifests(manifests);
      if (process.env.MINIK8S_WAIT_DNS === '0') return `${n} objects applied (not waiting: MINIK8S_WAIT_DNS=0)`;
      status(`${n} objects applied; waiting for an answer`);
      const a = await until('the cluster DNS (10.96.0.10) to answer', () => c.dnsAnswers(), nodes, 180_000, () => `the rest of the cluster is up; see: KUBECONFIG=${c.STATE}/kubeconfig kubectl -n kube-system logs deployment/cluster-dns`);
      return `kubernetes.default → ${a}`;
    });
  } else {
    console.log('- cluster DNS: no manifests in cluster-dns/manifests yet, skipped');
  }
  // the local-path provisioner (a pod per node) and the default StorageClass `standard`
  const storage = yamlFiles('local-path-provisioner/manifests');
  if (storage.length) await stage('storage', async () => `${await applyManifests(storage)} objects applied (default StorageClass standard)`);

  // the Ingress controller (nginx on node-1's ports 80/443, published on the laptop's loopback) and the
  // default IngressClass `nginx`
  const ingress = yamlFiles('ingress-controller/manifests');
  if (ingress.length) {
    await stage('Ingress controller', async (status) => {
      const n = await applyManifests(ingress);
      if (process.env.MINIK8S_WAIT_INGRESS === '0') return `${n} objects applied (not waiting: MINIK8S_WAIT_INGRESS=0)`;
      status(`${n} objects applied; waiting for nginx on 127.0.0.1:${c.INGRESS_HTTP_PORT}`);
      await until(`the Ingress controller on 127.0.0.1:${c.INGRESS_HTTP_PORT}`, () => c.ingressAnswers(), [nodes[0]], 180_000, () => `the rest of the cluster is up; see: KUBECONFIG=${c.STATE}/kubeconfig kubectl -n ingress-nginx logs deployment/ingress-nginx-controller`);
      return `IngressClass nginx (default) on 127.0.0.1:${c.INGRESS_HTTP_PORT} and :${c.INGRESS_HTTPS_PORT}`;
    });
  }

  // Return only to a stable apiserver: the same container run that first answered (it answered every
  // poll since), and answering now; after a restart under us, a few seconds of answers in a row.
  const now = apiserverRun();
  if (now !== apiserverStarted || (await c.request(`${c.SERVER}/readyz`).catch(() => ({ status: 0 }))).status !== 200) {
    await stage('apiserver stable', async (status) => {
      status(`it restarted during start-up (${apiserverStarted} → ${now})`);
      let since = 0;
      let run = '';
      await until('the apiserver to answer /readyz for 3 s in a row', async () => {
        const ok = (await c.request(`${c.SERVER}/readyz`).catch(() => ({ status: 0 }))).status === 200;
        const r = apiserverRun();
        if (!ok || r !== run) [since, run] = [ok ? Date.now() : 0, r];
        return since && Date.now() - since >= 3000;
      }, ['apiserver', 'etcd']);
      return `it restarted during start-up (now ${run}); answering for 3 s`;
    });
  }

  console.log(`
minik8s is up in ${secs(Date.now() - t0)}: ${nodes.length} node${nodes.length > 1 ? 's' : ''}, apiserver ${c.SERVER}, registry 127.0.0.1:${c.REGISTRY_PORT}

  export KUBECONFIG=${kubeconfig}
  npx mkctl get nodes                 # minik8s's own CLI
  kubectl get nodes                   # the real kubectl works too

  npm run load-image -- myapp:dev     # a local image, usable in pods as image: myapp:dev
  curl 127.0.0.1:30007                # NodePorts ${c.NODEPORTS.join('-')} of node-1 are published on loopback
  curl -H 'Host: app.test' http://127.0.0.1${c.INGRESS_HTTP_PORT === 80 ? '' : `:${c.INGRESS_HTTP_PORT}`}/   # Ingresses (class nginx, the default)
  npm run down                        # stop, keeping the data (npm run down -- --volumes wipes it)
`);
}

main().catch((e) => {
  console.error(`\nminik8s: ${e instanceof UpError ? e.message : e.stack || e}`);
  process.exit(1);
});
