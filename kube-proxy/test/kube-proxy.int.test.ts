// The kube-proxy process, run inside a node network namespace (`ip netns exec`), against a real
// apiserver: Services and EndpointSlices are created through the API (no controllers needed).
// The apiserver listens on the root end of a link-local veth /30 that only the node netns shares.
// Once per proxy mode (--proxy-mode iptables / nftables).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, R, type core, type discovery, type KubeObject } from '@minik8s/shared';
import { createNodeSandbox, foreignRules, kubeChains, linkToRoot, nsTry, nsx, startApiserverOn, type NodeSandbox } from '../../testing/netns';
import { putBehindApiserver, REPO, startProcess, stopAll, waitFor, type Proc } from '../../testing/procs';
import { affinityRules, dnatTargets, leftovers, MODES, type Mode } from './modes';

type Svc = core.Service & KubeObject;
type Slice = discovery.EndpointSlice & KubeObject;

afterAll(() => stopAll());

describe.each(MODES)('kube-proxy process in a node network namespace (%s mode)', (mode: Mode) => {
  let sb: NodeSandbox;
  let api: ApiClient;
  let proxy: Proc;
  let apiProcs: Proc[] = [];
  let foreign: string[];
  let link: { rootIP: string; nsIP: string };
  let etcd = '';
  let clusterIP = '';
  let nodePort = 0;
  const MAIN = join(REPO, 'kube-proxy', 'dist', 'main.js');

  const ip = (name: string) => sb.pods.find((p) => p.name === name)!.ip;
  const ns = (name: string) => sb.pods.find((p) => p.name === name)!.ns;
  const many = (from: string, url: string, n: number) => Array.from({ length: n }, () => sb.get(from, url));
  /** Endpoints the rules send default/web's port to. */
  const webTargets = () => dnatTargets(mode, sb.node, 'default/web:http', `${clusterIP} . tcp . 80`).length;
  const servedBy = (rs: string[]) => new Set(rs.map((r) => /served-by=(\w+)/.exec(r)?.[1] ?? r));

  function endpointSlice(backends: string[]): Slice {
    return {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abcde', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: backends.map((b) => ({ addresses: [ip(b)], conditions: { ready: true }, nodeName: 'node1' })),
    };
  }

  async function setBackends(backends: string[]): Promise<void> {
    const rc = api.resource<Slice>(R.endpointslices);
    const cur = await rc.get('web-abcde', 'default');
    await rc.update({ ...endpointSlice(backends), metadata: { ...cur.metadata, labels: cur.metadata.labels } });
  }

  beforeAll(async () => {
    const tag = mode === 'iptables' ? 'kpp' : 'kpq';
    sb = await createNodeSandbox(tag, ['a', 'b', 'c'], ['d']);
    link = mode === 'iptables' ? linkToRoot(sb.node, `mk${tag}-api`) : linkToRoot(sb.node, `mk${tag}-api`, '169.254.77.13', '169.254.77.14');
    const apiserver = await startApiserverOn(link.rootIP, ['--service-cluster-ip-range', '10.96.0.0/12']);
    apiProcs = apiserver.procs;
    etcd = apiserver.etcd;
    api = new ApiClient({ server: apiserver.url });
    foreign = foreignRules(sb.node);
    proxy = startProcess('kube-proxy', 'ip', [
      'netns', 'exec', sb.node, process.execPath, MAIN,
      '--master', apiserver.url, '--hostname-override', 'node1', '--cluster-cidr', '10.244.0.0/16', '--min-sync-period', '100ms', '--proxy-mode', mode,
      '--healthz-bind-address', `${link.nsIP}:10256`, '--metrics-bind-address', `${link.nsIP}:10249`,
    ]);
    await waitFor(`kube-proxy /healthz (log ${proxy.logFile})`, async () => (await fetch(`http://${link.nsIP}:10256/healthz`)).ok, 30_000, 200);
    for (const p of ['a', 'b', 'c']) {
      await waitFor(`httpd in pod ${p}`, () => sb.get(ns('d'), `http://${ip(p)}:8080/`) === p, 15_000, 200);
    }
  });

  afterAll(async () => {
    await proxy?.kill('SIGTERM');
    await sb?.destroy();
    for (const p of apiProcs.reverse()) await p.kill();
  });

  it('sets route_localnet and serves /healthz and /metrics', async () => {
    expect(nsx(sb.node, ['sysctl', '-n', 'net.ipv4.conf.all.route_localnet']).trim()).toBe('1');
    const text = await (await fetch(`http://${link.nsIP}:10249/metrics`)).text();
    expect(text).toMatch(/kubeproxy_sync_full_proxy_rules_duration_seconds_count [1-9]/);
    expect(text).toMatch(/kubeproxy_sync_proxy_rules_duration_seconds_count [1-9]/);
    expect(text).toMatch(/kubeproxy_sync_proxy_rules_last_timestamp_seconds [1-9]/);
    expect(text).toMatch(new RegExp(`kubeproxy_sync_proxy_rules_${mode}_last [1-9]`));
    // only this mode's rules: the other mode's are removed at start
    expect(leftovers(sb.node).includes('table inet kube-proxy')).toBe(mode === 'nftables');
    expect(kubeChains(sb.node).includes('KUBE-SERVICES')).toBe(mode === 'iptables');
  });

  it('programs a NodePort Service created through the API', async () => {
    const svc = await api.resource<Svc>(R.services).create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    clusterIP = svc.spec!.clusterIP!;
    nodePort = svc.spec!.ports![0].nodePort!;
    expect(clusterIP).toMatch(/^10\.(9[6-9]|10\d|11[01])\./);
    // no endpoints yet: refused at once
    await waitFor('REJECT for a Service without endpoints', () => /curl: \(7\)/.test(sb.get(ns('d'), `http://${clusterIP}/`, 5)), 20_000, 200);
    await api.resource<Slice>(R.endpointslices).create(endpointSlice(['a', 'b', 'c']));
    await waitFor('ClusterIP answers', () => !sb.get(ns('d'), `http://${clusterIP}/`).startsWith('FAIL'), 20_000, 100);
    const fromPod = many(ns('d'), `http://${clusterIP}/cgi-bin/who`, 30);
    expect(fromPod.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(fromPod).size).toBeGreaterThanOrEqual(2);
    const fromNode = many(sb.node, `http://${clusterIP}/`, 30);
    expect(servedBy(fromNode).size).toBeGreaterThanOrEqual(2);
    expect(servedBy(many(sb.ext, `http://${sb.nodeIP}:${nodePort}/`, 5)).has('FAIL')).toBe(false);
    expect(servedBy(many(sb.node, `http://127.0.0.1:${nodePort}/`, 5)).has('FAIL')).toBe(false);
    expect(foreignRules(sb.node)).toEqual(foreign);
  });

  it('follows endpoint changes 3 -> 1 -> 3', async () => {
    await setBackends(['a']);
    await waitFor('only pod a serves', () => [...servedBy(many(ns('d'), `http://${clusterIP}/`, 5))].join() === 'a', 20_000, 100);
    expect(servedBy(many(ns('d'), `http://${clusterIP}/`, 10))).toEqual(new Set(['a']));
    expect(webTargets()).toBe(1);
    await setBackends(['a', 'b', 'c']);
    await waitFor('three endpoints in the rules', () => webTargets() === 3, 20_000, 100);
    expect(servedBy(many(ns('d'), `http://${clusterIP}/`, 30)).size).toBeGreaterThanOrEqual(2);
    expect(foreignRules(sb.node)).toEqual(foreign);
  });

  it('sessionAffinity ClientIP set through the API: 20 of 20 to one pod', async () => {
    await api.resource<Svc>(R.services).patch('web', { spec: { sessionAffinity: 'ClientIP' } }, 'merge', { namespace: 'default' });
    await waitFor('affinity rules', () => affinityRules(mode, sb.node) > 0, 20_000, 100);
    const rs = many(ns('d'), `http://${clusterIP}/`, 20);
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(servedBy(rs).size).toBe(1);
  });

  it('an EndpointSlice stored behind the apiserver with a hostile address is left out (Event, metric); the Service keeps its other endpoints', async () => {
    // the apiserver refuses it (validation), so it goes straight into etcd, as an object stored before validation would be
    const evil = { ...endpointSlice(['a']), metadata: { name: 'web-evil', namespace: 'default', uid: '0b0d3c3e-0000-4000-8000-00000000e411', labels: { 'kubernetes.io/service-name': 'web' }, resourceVersion: undefined } };
    evil.endpoints = [{ addresses: ['10.244.0.99\n-A KUBE-SERVICES -j ACCEPT'], conditions: { ready: true } }, { addresses: ['1.2.3.4 x'], conditions: { ready: true } }];
    putBehindApiserver(etcd, '/registry/endpointslices/default/web-evil', evil);
    const event = await waitFor('InvalidValue Event on the slice', async () => {
      const events = await api.resource<core.Event & KubeObject>(R.events).list({ namespace: 'default' });
      return events.items.find((e) => e.reason === 'InvalidValue' && e.involvedObject?.name === 'web-evil');
    }, 20_000, 200);
    expect(event).toMatchObject({ type: 'Warning', involvedObject: { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1' }, source: { component: 'kube-proxy', host: 'node1' } });
    expect(event.message).toBe(`kube-proxy on node1 left EndpointSlice default/web-evil out of its ${mode} rules: endpoints[0].addresses[0] "10.244.0.99\\n-A KUBE-SERVICES -j ACCEPT" is not an IPv4 address`);
    const metrics = await (await fetch(`http://${link.nsIP}:10249/metrics`)).text();
    expect(metrics).toMatch(/kubeproxy_dropped_objects_total\{kind="EndpointSlice"\} 1\b/);
    // the syncs go on (a change to the good slice is programmed), nothing of the bad one is in the kernel
    await setBackends(['a', 'b']);
    await waitFor('two endpoints in the rules', () => webTargets() === 2, 20_000, 100);
    expect(servedBy(many(ns('d'), `http://${clusterIP}/`, 10)).has('FAIL')).toBe(false);
    const kernel = mode === 'iptables' ? nsx(sb.node, ['iptables-save']) : nsx(sb.node, ['nft', 'list', 'table', 'inet', 'kube-proxy']);
    expect(kernel).not.toContain('10.244.0.99');
    expect(kernel).not.toContain('1.2.3.4');
    expect(kernel.split('\n')).not.toContain('-A KUBE-SERVICES -j ACCEPT');
    await api.resource<Slice>(R.endpointslices).delete('web-evil', { namespace: 'default' });
    await setBackends(['a', 'b', 'c']);
    await waitFor('three endpoints in the rules', () => webTargets() === 3, 20_000, 100);
  });

  it('deleting the Service removes its rules; --cleanup removes everything kube-proxy wrote', async () => {
    await api.resource<Svc>(R.services).delete('web', { namespace: 'default' });
    await waitFor('web rules gone', () => webTargets() === 0, 20_000, 100);
    await proxy.kill('SIGTERM');
    const r = nsTry(sb.node, [process.execPath, MAIN, '--cleanup'], 30_000);
    expect(r.code, r.out + r.err).toBe(0);
    expect(leftovers(sb.node)).toEqual([]);
    expect(foreignRules(sb.node)).toEqual(foreign);
  });
});
