// `npm run bench:proxy`: kube-proxy sync cost and data-path latency, inside network namespaces this
// script creates (never the root namespace). Last line: one JSON object with the figures.
//  - full sync of 1000 Services x 10 endpoints (state unknown: iptables-save + generation + one
//    iptables-restore), beside iptables-restore of the same payload alone into the same state;
//  - partial sync after one Service among 1000 changed;
//  - request latency through a ClusterIP beside the pod IP directly.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { core, discovery } from '@minik8s/shared';
import { Iptables, run } from '../iptables';
import { buildServicePorts, groupSlices } from '@minik8s/shared';
import { IptablesBackend } from '../iptables-backend';
import { Proxier } from '../proxier';
import { generateRules, renderPayload } from '../rules';

const SERVICES = 1000;
const ENDPOINTS = 10;
const ROUNDS = 3;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const tag = `mkbench${process.pid % 10000}`;
const made: string[] = [];

function sh(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
}
const nsx = (ns: string, argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);

function newNode(name: string): string {
  const ns = `${tag}-${name}`;
  sh(['ip', 'netns', 'add', ns]);
  made.push(ns);
  nsx(ns, ['ip', 'link', 'set', 'lo', 'up']);
  nsx(ns, ['ip', 'link', 'add', 'svc0', 'type', 'ifb']);
  nsx(ns, ['ip', 'link', 'set', 'svc0', 'up']);
  nsx(ns, ['ip', 'route', 'add', '10.96.0.0/12', 'dev', 'svc0']);
  nsx(ns, ['ip', 'route', 'add', '10.244.0.0/16', 'dev', 'svc0']);
  return ns;
}

function objects(version: number): { services: core.Service[]; slices: discovery.EndpointSlice[] } {
  const services: core.Service[] = [];
  const slices: discovery.EndpointSlice[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${i}`;
    services.push({ metadata: { namespace: 'bench', name }, spec: { type: 'ClusterIP', clusterIP: `10.100.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80 }] } });
    const shift = i === 0 ? version : 0; // only svc-0 changes between versions
    slices.push({
      metadata: { namespace: 'bench', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ENDPOINTS }, (_, e) => ({ addresses: [`10.244.${(i * ENDPOINTS + e + shift) >> 8 & 255}.${(i * ENDPOINTS + e + shift) & 255}`] })),
    });
  }
  return { services, slices };
}

function load(p: Proxier, version: number): void {
  const { services, slices } = objects(version);
  services.forEach((s) => p.setService(`bench/${s.metadata!.name}`, s));
  slices.forEach((s) => p.setEndpointSlice(`bench/${s.metadata!.name}`, s));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeRestore(ns: string, payload: string): Promise<number> {
  const t = performance.now();
  const r = await run(['ip', 'netns', 'exec', ns, 'iptables-restore', '-w', '5', '-W', '100000', '--noflush', '--counters'], payload);
  if (r.code !== 0) throw new Error(r.stderr);
  return performance.now() - t;
}

/** curl's own time_total for n sequential requests (one process, so spawn cost is not measured). */
function latencies(ns: string, url: string, n: number): number[] {
  const args = ['netns', 'exec', ns, 'curl', '--noproxy', '*', '-s', '-o', '/dev/null', '-m', '3', '-w', '%{time_total}\\n'];
  for (let i = 0; i < n; i++) args.push(url);
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  const xs = r.stdout.trim().split('\n').map(Number).filter((x) => x > 0);
  if (xs.length < n * 0.9) throw new Error(`latency run failed: ${r.stderr}`);
  return xs;
}

async function main(): Promise<void> {
  // generation alone
  const { services, slices } = objects(0);
  let t = performance.now();
  const payload = renderPayload(generateRules(buildServicePorts(services, { slices: groupSlices(slices), endpoints: new Map() }), { clusterCIDR: '10.244.0.0/16' }));
  const generationMs = performance.now() - t;

  const node = newNode('node');
  const ipt = new Iptables(['ip', 'netns', 'exec', node]);
  const proxier = new Proxier({ backend: new IptablesBackend(ipt, { clusterCIDR: '10.244.0.0/16' }), commandPrefix: ['ip', 'netns', 'exec', node], minSyncPeriodMs: 0, logger: silent });
  load(proxier, 0);
  const first = await proxier.syncNow();
  if (!first) throw new Error('first sync failed');

  // Full sync (state unknown) vs restore of the same full payload alone, alternating, same state.
  const fulls: number[] = [];
  const restores: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    proxier.forceFullSync();
    const s = await proxier.syncNow();
    if (!s?.full) throw new Error('full sync failed');
    fulls.push(s.durationMs);
    restores.push(await timeRestore(node, payload));
  }
  // Partial: one Service's endpoints change among 1000.
  const partials: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    // as the informer would: one EndpointSlice update
    const changed = objects(i).slices[0];
    proxier.setEndpointSlice(`bench/${changed.metadata!.name}`, changed);
    const s = await proxier.syncNow();
    if (!s || s.full || s.servicesWritten !== 1) throw new Error(`unexpected partial sync ${JSON.stringify(s)}`);
    partials.push(s.durationMs);
  }

  // Data path: a client pod and a server pod on a bridge in the node, one more Service.
  nsx(node, ['ip', 'link', 'add', 'cbr0', 'type', 'bridge']);
  nsx(node, ['ip', 'addr', 'add', '10.244.250.1/24', 'dev', 'cbr0']);
  nsx(node, ['ip', 'link', 'set', 'cbr0', 'up']);
  nsx(node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  nsx(node, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  const pods: Record<string, string> = { server: '10.244.250.2', client: '10.244.250.3' };
  let httpd: ReturnType<typeof import('node:child_process').spawn> | undefined;
  for (const [i, [name, ip]] of Object.entries(pods).entries()) {
    const ns = `${tag}-${name}`;
    sh(['ip', 'netns', 'add', ns]);
    made.push(ns);
    nsx(ns, ['ip', 'link', 'set', 'lo', 'up']);
    sh(['ip', 'link', 'add', `vb${i}`, 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    nsx(node, ['ip', 'link', 'set', `vb${i}`, 'master', 'cbr0']);
    nsx(node, ['ip', 'link', 'set', `vb${i}`, 'up']);
    nsx(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    nsx(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    nsx(ns, ['ip', 'route', 'add', 'default', 'via', '10.244.250.1']);
  }
  const www = mkdtempSync(join(tmpdir(), 'minik8s-bench-'));
  writeFileSync(join(www, 'index.html'), 'ok\n');
  const { spawn } = await import('node:child_process');
  httpd = spawn('ip', ['netns', 'exec', `${tag}-server`, '/bin/busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', www], { stdio: 'ignore' });
  proxier.setService('bench/lat', { metadata: { namespace: 'bench', name: 'lat' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80 }] } });
  proxier.setEndpointSlice('bench/lat-x', {
    metadata: { namespace: 'bench', name: 'lat-x', labels: { 'kubernetes.io/service-name': 'lat' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [pods.server] }],
  });
  await proxier.syncNow();
  try {
    for (let i = 0; i < 50 && spawnSync('ip', ['netns', 'exec', `${tag}-client`, 'curl', '-s', '-m', '1', `http://${pods.server}:8080/`]).status !== 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    latencies(`${tag}-client`, 'http://10.96.0.50/', 20); // warm-up
    const direct: number[] = [];
    const viaSvc: number[] = [];
    for (let i = 0; i < 4; i++) {
      direct.push(...latencies(`${tag}-client`, `http://${pods.server}:8080/`, 100));
      viaSvc.push(...latencies(`${tag}-client`, 'http://10.96.0.50/', 100));
    }
    const fullMs = median(fulls);
    const restoreMs = median(restores);
    const result = {
      bench: 'proxy',
      services: SERVICES,
      endpoints_per_service: ENDPOINTS,
      rules: first.rules,
      generation_ms: +generationMs.toFixed(1),
      first_sync_ms: +first.durationMs.toFixed(1),
      full_sync_ms: +fullMs.toFixed(1),
      restore_alone_ms: +restoreMs.toFixed(1),
      full_sync_ratio_vs_restore: +(fullMs / restoreMs).toFixed(2),
      partial_sync_ms: +median(partials).toFixed(1),
      pod_ip_latency_ms: +(median(direct) * 1000).toFixed(3),
      clusterip_latency_ms: +(median(viaSvc) * 1000).toFixed(3),
      clusterip_latency_ratio: +(median(viaSvc) / median(direct)).toFixed(2),
    };
    console.log(`full sync (iptables-save + generation + restore): ${result.full_sync_ms} ms; iptables-restore alone: ${result.restore_alone_ms} ms`);
    console.log(`partial sync (1 of ${SERVICES} changed): ${result.partial_sync_ms} ms; ClusterIP ${result.clusterip_latency_ms} ms vs pod IP ${result.pod_ip_latency_ms} ms`);
    console.log(JSON.stringify(result));
  } finally {
    httpd?.kill('SIGKILL');
  }
}

function removeNamespaces(): void {
  for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    removeNamespaces();
    process.exit(130);
  });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(removeNamespaces);
