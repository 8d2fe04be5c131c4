// The real Proxier against real iptables inside network namespaces this test creates (the rig's
// topology: node netns with a bridge, pods running busybox httpd). State is fed directly; the
// process-level test with the apiserver is kube-proxy.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { core, discovery } from '@minik8s/shared';
import { Iptables } from '../src/iptables';
import { Proxier, cleanup } from '../src/proxier';
import { serviceChainName } from '@minik8s/shared';
import { createNodeSandbox, foreignRules, kubeChains, nsTry, nsx, type NodeSandbox } from '../../testing/netns';
import { stopAll, waitFor } from '../../testing/procs';
import { service, slice } from './fixtures';

const silent = { info() {}, warn() {}, error() {}, debug() {} };
let sb: NodeSandbox;
let proxier: Proxier;
let ipt: Iptables;
let foreign: string[];
const cfg = { clusterCIDR: '10.244.0.0/16' };

const ip = (name: string) => sb.pods.find((p) => p.name === name)!.ip;
const ns = (name: string) => sb.pods.find((p) => p.name === name)!.ns;

function setWeb(backends: string[], extra: Partial<core.ServiceSpec> = {}, name = 'web', clusterIP = '10.96.0.50', nodePort = 30080): void {
  proxier.setService(`default/${name}`, service('default', name, { type: 'NodePort', clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort }], ...extra }));
  const sl: discovery.EndpointSlice = slice('default', name, [{ name: 'http', port: 8080 }], backends.map((b) => ({ ip: ip(b) })));
  proxier.setEndpointSlice(`default/${name}-abc`, sl);
}

async function sync() {
  const s = await proxier.syncNow();
  expect(s, 'sync failed').toBeDefined();
  expect(foreignRules(sb.node)).toEqual(foreign);
  return s!;
}

function many(from: string, url: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(from === 'node' ? sb.get(sb.node, url) : from === 'ext' ? sb.get(sb.ext, url) : sb.get(ns(from), url));
  return out;
}
/** Packets that hit REJECT rules in a filter chain. */
const rejected = (chain: string) =>
  nsx(sb.node, ['iptables', '-t', 'filter', '-L', chain, '-n', '-v', '-x'])
    .split('\n')
    .filter((l) => l.includes('REJECT'))
    .reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
const servedBy = (rs: string[]) => new Set(rs.map((r) => /served-by=(\w+)/.exec(r)?.[1] ?? r));

beforeAll(async () => {
  sb = await createNodeSandbox('kpi', ['a', 'b', 'c'], ['d']);
  nsx(sb.node, ['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
  foreign = foreignRules(sb.node);
  ipt = new Iptables(['ip', 'netns', 'exec', sb.node]);
  proxier = new Proxier({ iptables: ipt, commandPrefix: ['ip', 'netns', 'exec', sb.node], config: cfg, minSyncPeriodMs: 0, logger: silent });
  // the pods answer directly before any rule exists
  for (const p of ['a', 'b', 'c']) {
    await waitFor(`httpd in pod ${p}`, () => sb.get(ns('d'), `http://${ip(p)}:8080/cgi-bin/who`) === `served-by=${p} client=${ip('d')}`, 15_000, 200);
  }
});

afterAll(async () => {
  proxier?.stop();
  await sb?.destroy();
  await stopAll();
});

describe('kube-proxy rules in a node network namespace', () => {
  it('ClusterIP balances over the endpoints from a pod (source kept) and from the node', async () => {
    setWeb(['a', 'b', 'c']);
    const s = await sync();
    expect(s.full).toBe(true);
    const fromPod = many('d', 'http://10.96.0.50/cgi-bin/who', 30);
    expect(fromPod.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(fromPod).size).toBeGreaterThanOrEqual(2);
    expect(fromPod.every((r) => r.endsWith(`client=${ip('d')}`))).toBe(true);
    const fromNode = many('node', 'http://10.96.0.50/cgi-bin/who', 30);
    expect(fromNode.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(fromNode).size).toBeGreaterThanOrEqual(2);
  });

  it('NodePort answers on the node IP (masqueraded) and on 127.0.0.1', () => {
    const fromExt = many('ext', `http://${sb.nodeIP}:30080/cgi-bin/who`, 10);
    expect(fromExt.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(fromExt.every((r) => r.endsWith(`client=${sb.bridgeIP}`))).toBe(true);
    const local = many('node', 'http://127.0.0.1:30080/cgi-bin/who', 5);
    expect(local.filter((r) => r.startsWith('FAIL'))).toEqual([]);
  });

  it('hairpin: a pod reaches itself through its Service (SNATed to the bridge)', () => {
    const rs = many('a', 'http://10.96.0.50/cgi-bin/who', 30);
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(rs).toContain(`served-by=a client=${sb.bridgeIP}`);
  });

  it('scaling 3 -> 1 -> 3 is followed by partial syncs that delete stale endpoint chains', async () => {
    setWeb(['a']);
    const down = await sync();
    expect(down.full).toBe(false);
    expect(down.servicesWritten).toBe(1);
    expect(down.staleChains).toBe(2);
    expect(servedBy(many('d', 'http://10.96.0.50/', 10))).toEqual(new Set(['a']));
    expect(kubeChains(sb.node).filter((c) => c.startsWith('KUBE-SEP-'))).toHaveLength(1);
    setWeb(['a', 'b', 'c']);
    await sync();
    expect(servedBy(many('d', 'http://10.96.0.50/', 30)).size).toBeGreaterThanOrEqual(2);
  });

  it('a partial sync leaves unchanged Services chains alone', async () => {
    setWeb(['b'], {}, 'other', '10.96.0.51', 30081);
    await sync();
    const before = nsx(sb.node, ['iptables', '-t', 'nat', '-S', serviceChainName('default/web:http', 'TCP')]);
    setWeb(['c'], {}, 'other', '10.96.0.51', 30081);
    const s = await sync();
    expect(s.servicesWritten).toBe(1);
    expect(nsx(sb.node, ['iptables', '-t', 'nat', '-S', serviceChainName('default/web:http', 'TCP')])).toBe(before);
    expect(servedBy(many('d', 'http://10.96.0.51/', 5))).toEqual(new Set(['c']));
  });

  it('sessionAffinity ClientIP: 20 of 20 requests reach the same pod', async () => {
    setWeb(['a', 'b', 'c'], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    await sync();
    const rs = many('d', 'http://10.96.0.50/', 20);
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(rs).size).toBe(1);
  });

  it('no endpoints: connection refused at once, on the ClusterIP and the NodePort', async () => {
    setWeb([]);
    await sync();
    // curl exit 7 after 0 ms: refused (a sink drop would be a timeout, exit 28)
    expect(sb.get(ns('d'), 'http://10.96.0.50/', 5)).toMatch(/curl: \(7\)/);
    expect(rejected('KUBE-SERVICES')).toBeGreaterThan(0);
    expect(sb.get(sb.ext, `http://${sb.nodeIP}:30080/`, 5)).toMatch(/curl: \(7\)/);
    expect(rejected('KUBE-EXTERNAL-SERVICES')).toBeGreaterThan(0);
    expect(kubeChains(sb.node).filter((c) => c.includes(serviceChainName('default/web:http', 'TCP').slice(9)))).toEqual([]);
  });

  it('a full resync of the same state changes nothing', async () => {
    setWeb(['a', 'b']);
    await sync();
    const save = () => nsx(sb.node, ['iptables-save']).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\[\d+:\d+\]/, '')).join('\n');
    const a = save();
    proxier.forceFullSync();
    expect((await sync()).full).toBe(true);
    expect(save()).toBe(a);
  });

  it('UDP: flows to a removed endpoint are flushed from conntrack', async () => {
    const udp = (backends: string[]) => {
      proxier.setService('default/dns', service('default', 'dns', { clusterIP: '10.96.0.60', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }));
      proxier.setEndpointSlice('default/dns-abc', slice('default', 'dns', [{ name: 'dns', port: 5353, protocol: 'UDP' }], backends.map((b) => ({ ip: ip(b) }))));
    };
    udp(['a']);
    await sync();
    // one datagram creates a conntrack entry DNATed to pod a (no server needed: it stays UNREPLIED)
    nsx(ns('d'), ['bash', '-c', 'echo probe > /dev/udp/10.96.0.60/53']);
    const flows = () => nsTry(sb.node, ['conntrack', '-L', '-p', 'udp', '--orig-dst', '10.96.0.60']).out;
    expect(flows()).toContain(`src=${ip('a')} `); // reply tuple: from the endpoint
    udp(['b']);
    await sync();
    expect(flows()).not.toContain(`src=${ip('a')} `);
    proxier.setService('default/dns', undefined);
    proxier.setEndpointSlice('default/dns-abc', undefined);
    await sync();
  });

  it('--cleanup removes every KUBE-* chain and leaves the foreign rules', async () => {
    expect(kubeChains(sb.node).length).toBeGreaterThan(5);
    await cleanup(ipt, cfg);
    expect(kubeChains(sb.node)).toEqual([]);
    expect(nsx(sb.node, ['iptables-save'])).not.toMatch(/KUBE-/);
    expect(foreignRules(sb.node)).toEqual(foreign);
  });
});
