// `npm run bench:proxy`: kube-proxy sync cost and data-path latency in both proxy modes, inside
// network namespaces this script creates (never the root namespace). Last line: one JSON object.
//  - full sync of 1000 Services x 10 endpoints (state unknown: listing + generation + one
//    transaction), beside the same payload applied alone (iptables-restore / nft -f) into the same state;
//  - partial sync after one Service among 1000 changed;
//  - nftables only: full sync of 10 000 Services x 10 endpoints;
//  - request latency through a ClusterIP beside the pod IP directly, with the 1000 Services installed.
// Endpoints carry node names spread over 100 nodes, as the EndpointSlice controller writes them.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServicePorts, groupSlices, type core, type discovery } from '@minik8s/shared';
import { Iptables, run } from '../iptables';
import { IptablesBackend } from '../iptables-backend';
import { NftBackend } from '../nft-backend';
import { generateNftRules, renderFull } from '../nft-rules';
import { Nft } from '../nftables';
import { Proxier } from '../proxier';
import { generateRules, renderPayload, type ProxyConfig } from '../rules';

const SERVICES = 1000;
const SERVICES_10K = 10_000;
const ENDPOINTS = 10;
const NODES = 100;
/** iptables-restore of 32k rules takes 24-50 s on a loaded machine: fewer rounds there. */
const IPTABLES_ROUNDS = Number(process.env.BENCH_IPTABLES_ROUNDS ?? 3);
const ROUNDS = 5;
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const tag = `mkbench${process.pid % 10000}`;
const made: string[] = [];
const children: ChildProcess[] = [];
const cfg: ProxyConfig = { clusterCIDR: '10.244.0.0/16', nodeName: 'node-0' };

function sh(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
}
const nsx = (ns: string, argv: string[]) => sh(['ip', 'netns', 'exec', ns, ...argv]);
const netns = (ns: string) => ['ip', 'netns', 'exec', ns];

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

/** n Services with ENDPOINTS endpoints each; only svc-0's endpoints differ between versions. */
function objects(n: number, version: number): { services: core.Service[]; slices: discovery.EndpointSlice[] } {
  const services: core.Service[] = [];
  const slices: discovery.EndpointSlice[] = [];
  for (let i = 0; i < n; i++) {
    const name = `svc-${i}`;
    services.push({ metadata: { namespace: 'bench', name }, spec: { type: 'ClusterIP', clusterIP: `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, ports: [{ name: 'http', port: 80 }] } });
    const shift = i === 0 ? version : 0;
    slices.push({
      metadata: { namespace: 'bench', name: `${name}-x`, labels: { 'kubernetes.io/service-name': name } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: Array.from({ length: ENDPOINTS }, (_, e) => {
        const k = i * ENDPOINTS + e + shift;
        return { addresses: [`10.${200 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`], nodeName: `node-${k % NODES}` };
      }),
    });
  }
  return { services, slices };
}

function load(p: Proxier, n: number, version: number): void {
  const { services, slices } = objects(n, version);
  services.forEach((s) => p.setService(`bench/${s.metadata!.name}`, s));
  slices.forEach((s) => p.setEndpointSlice(`bench/${s.metadata!.name}`, s));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => +x.toFixed(1);

async function timed(argv: string[], input: string): Promise<number> {
  const t = performance.now();
  const r = await run(argv, input);
  if (r.code !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr.slice(0, 500)}`);
  return performance.now() - t;
}

function proxierFor(mode: 'iptables' | 'nftables', node: string): Proxier {
  const backend = mode === 'iptables'
    ? new IptablesBackend(new Iptables(netns(node)), cfg)
    : new NftBackend({ nft: new Nft(netns(node)), config: cfg, logger: silent });
  return new Proxier({ backend, commandPrefix: netns(node), minSyncPeriodMs: 0, logger: silent });
}

interface SyncFigures {
  firstMs: number;
  fullMs: number;
  aloneMs: number;
  partialMs: number;
  rules: number;
}

/** First sync, forced full syncs beside the payload applied alone (alternating), then partial syncs. */
async function syncFigures(p: Proxier, rounds: number, alone: () => Promise<number>): Promise<SyncFigures> {
  const first = await p.syncNow();
  if (!first) throw new Error('first sync failed');
  const fulls: number[] = [];
  const alones: number[] = [];
  for (let i = 0; i < rounds; i++) {
    p.forceFullSync();
    const s = await p.syncNow();
    if (!s?.full) throw new Error('full sync failed');
    fulls.push(s.durationMs);
    alones.push(await alone());
  }
  const partials: number[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    // as the informer would: one EndpointSlice update
    const changed = objects(1, i).slices[0];
    p.setEndpointSlice(`bench/${changed.metadata!.name}`, changed);
    const s = await p.syncNow();
    if (!s || s.full || s.servicesWritten !== 1) throw new Error(`unexpected partial sync ${JSON.stringify(s)}`);
    partials.push(s.durationMs);
  }
  return { firstMs: first.durationMs, fullMs: median(fulls), aloneMs: median(alones), partialMs: median(partials), rules: first.rules };
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

/** A client and a server pod on a bridge in `node`, one more Service to the server: ClusterIP vs pod IP latency. */
async function latency(p: Proxier, node: string, name: string): Promise<{ pod: number; clusterIP: number }> {
  nsx(node, ['ip', 'link', 'add', 'cbr0', 'type', 'bridge']);
  nsx(node, ['ip', 'addr', 'add', '10.244.250.1/24', 'dev', 'cbr0']);
  nsx(node, ['ip', 'link', 'set', 'cbr0', 'up']);
  nsx(node, ['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
  nsx(node, ['sysctl', '-qw', 'net.bridge.bridge-nf-call-iptables=1']);
  const pods: Record<string, string> = { server: '10.244.250.2', client: '10.244.250.3' };
  for (const [i, [pod, ip]] of Object.entries(pods).entries()) {
    const ns = `${tag}-${name}-${pod}`;
    sh(['ip', 'netns', 'add', ns]);
    made.push(ns);
    nsx(ns, ['ip', 'link', 'set', 'lo', 'up']);
    sh(['ip', 'link', 'add', `v${name}${i}`, 'netns', node, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    nsx(node, ['ip', 'link', 'set', `v${name}${i}`, 'master', 'cbr0']);
    nsx(node, ['ip', 'link', 'set', `v${name}${i}`, 'up']);
    nsx(ns, ['ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
    nsx(ns, ['ip', 'link', 'set', 'eth0', 'up']);
    nsx(ns, ['ip', 'route', 'add', 'default', 'via', '10.244.250.1']);
  }
  const www = mkdtempSync(join(tmpdir(), 'minik8s-bench-'));
  writeFileSync(join(www, 'index.html'), 'ok\n');
  children.push(spawn('ip', ['netns', 'exec', `${tag}-${name}-server`, '/bin/busybox', 'httpd', '-f', '-p', '0.0.0.0:8080', '-h', www], { stdio: 'ignore' }));
  p.setService('bench/lat', { metadata: { namespace: 'bench', name: 'lat' }, spec: { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80 }] } });
  p.setEndpointSlice('bench/lat-x', {
    metadata: { namespace: 'bench', name: 'lat-x', labels: { 'kubernetes.io/service-name': 'lat' } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    endpoints: [{ addresses: [pods.server], nodeName: 'node-0' }],
  });
  if (!(await p.syncNow())) throw new Error('sync failed');
  const client = `${tag}-${name}-client`;
  for (let i = 0; i < 50 && spawnSync('ip', ['netns', 'exec', client, 'curl', '-s', '-m', '1', `http://${pods.server}:8080/`]).status !== 0; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  latencies(client, 'http://10.96.0.50/', 20); // warm-up
  const direct: number[] = [];
  const viaSvc: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    direct.push(...latencies(client, `http://${pods.server}:8080/`, 100));
    viaSvc.push(...latencies(client, 'http://10.96.0.50/', 100));
  }
  return { pod: median(direct), clusterIP: median(viaSvc) };
}

async function main(): Promise<void> {
  const base = objects(SERVICES, 0);
  const ports = buildServicePorts(base.services, { slices: groupSlices(base.slices), endpoints: new Map() });
  let t = performance.now();
  const payload = renderPayload(generateRules(ports, cfg));
  const generationMs = performance.now() - t;
  t = performance.now();
  const nftText = renderFull(generateNftRules(ports, cfg)).text;
  const nftGenerationMs = performance.now() - t;

  // nftables, 1000 x 10
  const nftNode = newNode('nft');
  const nftProxier = proxierFor('nftables', nftNode);
  load(nftProxier, SERVICES, 0);
  const nft = await syncFigures(nftProxier, ROUNDS, () => timed([...netns(nftNode), 'nft', '-f', '-'], nftText));
  // the fixed cost of one nft transaction on this table: what a partial sync cannot go below
  const oneElement = 'add element inet kube-proxy hairpin { 127.0.0.9 . 127.0.0.9 }\ndelete element inet kube-proxy hairpin { 127.0.0.9 . 127.0.0.9 }\n';
  const floors: number[] = [];
  for (let i = 0; i < ROUNDS; i++) floors.push(await timed([...netns(nftNode), 'nft', '-f', '-'], oneElement));
  console.log(`nftables: full sync ${ms(nft.fullMs)} ms (nft -f alone ${ms(nft.aloneMs)} ms), partial ${ms(nft.partialMs)} ms (one-element nft -f ${ms(median(floors))} ms)`);
  const nftLat = await latency(nftProxier, nftNode, 'n');
  console.log(`nftables: ClusterIP ${(nftLat.clusterIP * 1000).toFixed(3)} ms vs pod IP ${(nftLat.pod * 1000).toFixed(3)} ms`);

  // nftables, 10 000 x 10
  const big10k = objects(SERVICES_10K, 0);
  const bigText = renderFull(generateNftRules(buildServicePorts(big10k.services, { slices: groupSlices(big10k.slices), endpoints: new Map() }), cfg)).text;
  const bigNode = newNode('nft10k');
  const bigProxier = proxierFor('nftables', bigNode);
  load(bigProxier, SERVICES_10K, 0);
  const big = await syncFigures(bigProxier, ROUNDS, () => timed([...netns(bigNode), 'nft', '-f', '-'], bigText));
  console.log(`nftables, ${SERVICES_10K} Services: full sync ${ms(big.fullMs)} ms (nft -f alone ${ms(big.aloneMs)} ms), partial ${ms(big.partialMs)} ms`);

  // iptables, 1000 x 10
  const iptNode = newNode('ipt');
  const iptProxier = proxierFor('iptables', iptNode);
  load(iptProxier, SERVICES, 0);
  const ipt = await syncFigures(iptProxier, IPTABLES_ROUNDS, () =>
    timed([...netns(iptNode), 'iptables-restore', '-w', '5', '-W', '100000', '--noflush', '--counters'], payload));
  console.log(`iptables: full sync ${ms(ipt.fullMs)} ms (iptables-restore alone ${ms(ipt.aloneMs)} ms), partial ${ms(ipt.partialMs)} ms`);
  const iptLat = await latency(iptProxier, iptNode, 'i');

  const result = {
    bench: 'proxy',
    services: SERVICES,
    endpoints_per_service: ENDPOINTS,
    iptables_rounds: IPTABLES_ROUNDS,
    rounds: ROUNDS,
    rules: ipt.rules,
    generation_ms: ms(generationMs),
    first_sync_ms: ms(ipt.firstMs),
    full_sync_ms: ms(ipt.fullMs),
    restore_alone_ms: ms(ipt.aloneMs),
    full_sync_ratio_vs_restore: +(ipt.fullMs / ipt.aloneMs).toFixed(2),
    partial_sync_ms: ms(ipt.partialMs),
    pod_ip_latency_ms: +(iptLat.pod * 1000).toFixed(3),
    clusterip_latency_ms: +(iptLat.clusterIP * 1000).toFixed(3),
    clusterip_latency_ratio: +(iptLat.clusterIP / iptLat.pod).toFixed(2),
    nft_elements_and_rules: nft.rules,
    nft_generation_ms: ms(nftGenerationMs),
    nft_first_sync_ms: ms(nft.firstMs),
    nft_full_sync_ms: ms(nft.fullMs),
    nft_alone_ms: ms(nft.aloneMs),
    nft_full_sync_ratio_vs_nft_alone: +(nft.fullMs / nft.aloneMs).toFixed(2),
    nft_partial_sync_ms: ms(nft.partialMs),
    nft_one_element_transaction_ms: ms(median(floors)),
    nft_full_sync_ms_10k: ms(big.fullMs),
    nft_alone_ms_10k: ms(big.aloneMs),
    nft_full_sync_ratio_vs_nft_alone_10k: +(big.fullMs / big.aloneMs).toFixed(2),
    nft_partial_sync_ms_10k: ms(big.partialMs),
    nft_pod_ip_latency_ms: +(nftLat.pod * 1000).toFixed(3),
    nft_clusterip_latency_ms: +(nftLat.clusterIP * 1000).toFixed(3),
    nft_clusterip_latency_ratio: +(nftLat.clusterIP / nftLat.pod).toFixed(2),
    nft_full_sync_ratio_vs_iptables: +(nft.fullMs / ipt.fullMs).toFixed(3),
  };
  console.log(JSON.stringify(result));
}

function teardown(): void {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const ns of made.splice(0)) spawnSync('ip', ['netns', 'del', ns]);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    teardown();
    process.exit(130);
  });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(teardown);
