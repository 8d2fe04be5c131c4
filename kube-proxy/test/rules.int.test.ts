// The real Proxier against the real kernel inside network namespaces this test creates (the rig's
// topology: node netns with a bridge, pods running busybox httpd), once per proxy mode: the same
// traffic must behave the same with iptables rules and with the nftables table. State is fed
// directly; the process-level test with the apiserver is kube-proxy.int.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { core, discovery } from '@minik8s/shared';
import { cleanupAll } from '../src/cleanup';
import { Iptables } from '../src/iptables';
import { Nft } from '../src/nftables';
import { Proxier, type ProxyBackend } from '../src/proxier';
import { createNodeSandbox, foreignRules, nsTry, nsx, type NodeSandbox } from '../../testing/netns';
import { stopAll, waitFor } from '../../testing/procs';
import { service, slice } from './fixtures';
import { backendFor, dnatTargets, dump, flushOurRules, hasServiceRules, leftovers, MODES, rejected, type Mode } from './modes';

const logger = { info() {}, debug() {}, warn: console.error, error: console.error };
const cfg = { clusterCIDR: '10.244.0.0/16', nodeName: 'node1' };
const WEB = { spn: 'default/web:http', vip: '10.96.0.50 . tcp . 80' };
const OTHER = { spn: 'default/other:http', vip: '10.96.0.51 . tcp . 80' };

afterAll(() => stopAll());

describe.each(MODES)('kube-proxy rules in a node network namespace (%s mode)', (mode: Mode) => {
  let sb: NodeSandbox;
  let proxier: Proxier;
  let backend: ProxyBackend;
  let foreign: string[];
  const ip = (name: string) => sb.pods.find((p) => p.name === name)!.ip;
  const ns = (name: string) => sb.pods.find((p) => p.name === name)!.ns;

  function setWeb(backends: string[], extra: Partial<core.ServiceSpec> = {}, name = 'web', clusterIP = '10.96.0.50', nodePort = 30080): void {
    proxier.setService(`default/${name}`, service('default', name, { type: 'NodePort', clusterIP, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort }], ...extra }));
    const sl: discovery.EndpointSlice = slice('default', name, [{ name: 'http', port: 8080 }], backends.map((b) => ({ ip: ip(b), node: 'node1' })));
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
  const servedBy = (rs: string[]) => new Set(rs.map((r) => /served-by=(\w+)/.exec(r)?.[1] ?? r));

  beforeAll(async () => {
    sb = await createNodeSandbox(mode === 'iptables' ? 'kpi' : 'kpn', ['a', 'b', 'c'], ['d']);
    nsx(sb.node, ['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
    foreign = foreignRules(sb.node);
    backend = backendFor(mode, sb.node, cfg, logger);
    proxier = new Proxier({ backend, commandPrefix: ['ip', 'netns', 'exec', sb.node], minSyncPeriodMs: 0, logger });
    // the pods answer directly before any rule exists
    for (const p of ['a', 'b', 'c']) {
      await waitFor(`httpd in pod ${p}`, () => sb.get(ns('d'), `http://${ip(p)}:8080/cgi-bin/who`) === `served-by=${p} client=${ip('d')}`, 15_000, 200);
    }
  });

  afterAll(async () => {
    proxier?.stop();
    await sb?.destroy();
  });

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

  it('scaling 3 -> 1 -> 3 is followed by partial syncs that remove the stale endpoints', async () => {
    setWeb(['a']);
    const down = await sync();
    expect(down.full).toBe(false);
    expect(down.servicesWritten).toBe(1);
    expect(down.staleChains).toBeGreaterThan(0); // iptables: 2 KUBE-SEP; nftables: the 3-endpoint dispatch and slot chains
    expect(servedBy(many('d', 'http://10.96.0.50/', 10))).toEqual(new Set(['a']));
    expect(dnatTargets(mode, sb.node, WEB.spn, WEB.vip)).toEqual([`${ip('a')}:8080`]);
    setWeb(['a', 'b', 'c']);
    await sync();
    expect(dnatTargets(mode, sb.node, WEB.spn, WEB.vip)).toHaveLength(3);
    expect(servedBy(many('d', 'http://10.96.0.50/', 30)).size).toBeGreaterThanOrEqual(2);
  });

  it('a partial sync leaves unchanged Services alone', async () => {
    setWeb(['b'], {}, 'other', '10.96.0.51', 30081);
    await sync();
    const before = dnatTargets(mode, sb.node, WEB.spn, WEB.vip);
    setWeb(['c'], {}, 'other', '10.96.0.51', 30081);
    const s = await sync();
    expect(s.servicesWritten).toBe(1);
    expect(dnatTargets(mode, sb.node, WEB.spn, WEB.vip)).toEqual(before);
    expect(dnatTargets(mode, sb.node, OTHER.spn, OTHER.vip)).toEqual([`${ip('c')}:8080`]);
    expect(servedBy(many('d', 'http://10.96.0.51/', 5))).toEqual(new Set(['c']));
  });

  it('sessionAffinity ClientIP: 20 of 20 requests reach the same pod, also through the NodePort', async () => {
    setWeb(['a', 'b', 'c'], { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    await sync();
    const rs = many('d', 'http://10.96.0.50/', 20);
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(rs).size).toBe(1);
    const ext = many('ext', `http://${sb.nodeIP}:30080/`, 10);
    expect(ext.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(ext).size).toBe(1);
  });

  it('sessionAffinity: when the chosen endpoint goes away, the client moves to one that is left and stays there', async () => {
    const first = [...servedBy(many('d', 'http://10.96.0.50/', 1))][0];
    const rest = ['a', 'b', 'c'].filter((p) => p !== first);
    setWeb(rest, { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } });
    await sync();
    const rs = many('d', 'http://10.96.0.50/', 10);
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(rs).size).toBe(1);
    expect(rest).toContain([...servedBy(rs)][0]);
  });

  it('no endpoints: connection refused at once, on the ClusterIP and the NodePort', async () => {
    setWeb([]);
    await sync();
    const before = rejected(mode, sb.node);
    // curl exit 7 after 0 ms: refused (a sink drop would be a timeout, exit 28)
    expect(sb.get(ns('d'), 'http://10.96.0.50/', 5)).toMatch(/curl: \(7\)/);
    expect(rejected(mode, sb.node)).toBeGreaterThan(before);
    expect(sb.get(sb.ext, `http://${sb.nodeIP}:30080/`, 5)).toMatch(/curl: \(7\)/);
    expect(rejected(mode, sb.node)).toBeGreaterThan(before + 1);
    expect(hasServiceRules(mode, sb.node, WEB.spn, WEB.vip)).toBe(false);
  });

  it('a full resync of the same state changes nothing', async () => {
    setWeb(['a', 'b']);
    await sync();
    await new Promise((r) => setTimeout(r, 1100)); // nftables: chains the last syncs left unused are deleted a second later
    await sync();
    const a = dump(mode, sb.node);
    proxier.forceFullSync();
    expect((await sync()).full).toBe(true);
    expect(dump(mode, sb.node)).toBe(a);
  });

  it('someone flushes our rules: the periodic check notices and the full sync it asks for repairs them', async () => {
    expect(await backend.checkRules()).toBeUndefined();
    flushOurRules(mode, sb.node);
    expect(sb.get(ns('d'), 'http://10.96.0.50/', 2)).toMatch(/^FAIL/); // into the sink: nothing answers for the ClusterIP
    expect(await backend.checkRules()).toMatch(mode === 'nftables' ? /instead of|was deleted/ : /canary/);
    proxier.forceFullSync();
    expect((await sync()).full).toBe(true);
    expect(await backend.checkRules()).toBeUndefined();
    expect(sb.get(ns('d'), 'http://10.96.0.50/')).toMatch(/^(a|b)$/);
  });

  it('after random churn with partial syncs, a full sync finds nothing to change', async () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let i = 0; i < 25; i++) {
      const name = `churn${rand(4)}`;
      const pods = ['a', 'b', 'c'].filter(() => rand(2) === 1);
      const extra: Partial<core.ServiceSpec> = rand(3) === 0 ? { sessionAffinity: 'ClientIP' } : {};
      if (rand(6) === 0) {
        proxier.setService(`default/${name}`, undefined);
        proxier.setEndpointSlice(`default/${name}-abc`, undefined);
      } else {
        setWeb(pods, extra, name, `10.96.1.${10 + Number(name.slice(5))}`, 30090 + Number(name.slice(5)));
      }
      expect((await sync()).full).toBe(false);
    }
    await new Promise((r) => setTimeout(r, 1100)); // stale chains and maps are deleted a second later
    await sync();
    const partial = dump(mode, sb.node);
    proxier.forceFullSync();
    await sync();
    expect(dump(mode, sb.node)).toBe(partial);
    for (let k = 0; k < 4; k++) {
      proxier.setService(`default/churn${k}`, undefined);
      proxier.setEndpointSlice(`default/churn${k}-abc`, undefined);
    }
    await sync();
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

  it('--cleanup removes everything kube-proxy wrote and leaves the foreign rules', async () => {
    expect(leftovers(sb.node).length).toBeGreaterThan(0);
    const prefix = ['ip', 'netns', 'exec', sb.node];
    await cleanupAll(new Iptables(prefix), new Nft(prefix), cfg, prefix);
    expect(leftovers(sb.node)).toEqual([]);
    expect(nsx(sb.node, ['iptables-save'])).not.toMatch(/KUBE-/);
    expect(foreignRules(sb.node)).toEqual(foreign);
  });
});
