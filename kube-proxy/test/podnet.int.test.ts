// --sync-pod-routes across two node network namespaces joined by a "LAN" veth, one kube-proxy
// process per node against a real apiserver: routes to the other node's podCIDR from Node objects,
// pod-to-pod with the source kept, Services and NodePorts across nodes, sink routes. Once per proxy
// mode: iptables (--proxy-mode iptables) and the default, which is nftables on this kernel.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, R, type core, type discovery, type KubeObject } from '@minik8s/shared';
import { connectNodes, createNodeSandbox, kubeChains, linkToRoot, nsTry, nsx, startApiserverOn, type NodeSandbox } from '../../testing/netns';
import { putBehindApiserver, REPO, startProcess, stopAll, waitFor, type Proc } from '../../testing/procs';
import { leftovers, MODES, rejected, type Mode } from './modes';

type Node = core.Node & KubeObject;
const MAIN = join(REPO, 'kube-proxy', 'dist', 'main.js');
const pod = (sb: NodeSandbox, name: string) => sb.pods.find((p) => p.name === name)!;
const servedBy = (rs: string[]) => new Set(rs.map((r) => /served-by=(\w+)/.exec(r)?.[1] ?? r));

afterAll(() => stopAll());

describe.each(MODES)('pod network between nodes (--sync-pod-routes, %s mode)', (mode: Mode) => {
  let n1: NodeSandbox;
  let n2: NodeSandbox;
  let api: ApiClient;
  const procs: Proc[] = [];
  const apiProcs: Proc[] = [];
  let etcd = '';

  async function registerNode(name: string, podCIDR: string, ip: string): Promise<void> {
    const rc = api.resource<Node>(R.nodes);
    const created = await rc.create({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR, podCIDRs: [podCIDR] } });
    await rc.updateStatus({ ...created, status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } });
  }

  beforeAll(async () => {
    const [t1, t2, net] = mode === 'iptables' ? ['pn1', 'pn2', 0] : ['pm1', 'pm2', 16];
    n1 = await createNodeSandbox(t1, ['a'], ['c'], 1);
    n2 = await createNodeSandbox(t2, ['b'], [], 2);
    const [ip1, ip2] = connectNodes(n1.node, n2.node);
    const l1 = linkToRoot(n1.node, `mk${t1}-api`, `169.254.77.${5 + net}`, `169.254.77.${6 + net}`);
    linkToRoot(n2.node, `mk${t2}-api`, `169.254.77.${9 + net}`, `169.254.77.${10 + net}`, l1.rootIP);
    const apiserver = await startApiserverOn(l1.rootIP);
    apiProcs.push(...apiserver.procs);
    etcd = apiserver.etcd;
    api = new ApiClient({ server: apiserver.url });
    await registerNode('node1', '10.244.1.0/24', ip1);
    await registerNode('node2', '10.244.2.0/24', ip2);
    for (const [sb, name] of [[n1, 'node1'], [n2, 'node2']] as const) {
      procs.push(startProcess(`kube-proxy-${name}`, 'ip', [
        'netns', 'exec', sb.node, process.execPath, MAIN, '--master', apiserver.url, '--hostname-override', name,
        '--cluster-cidr', '10.244.0.0/16', '--service-cluster-ip-range', '10.96.0.0/12', '--sync-pod-routes', '--min-sync-period', '100ms',
        '--healthz-bind-address', '127.0.0.1:10256', '--metrics-bind-address', '127.0.0.1:10249',
        ...(mode === 'iptables' ? ['--proxy-mode', 'iptables'] : []),
      ]));
    }
    for (const p of [pod(n1, 'a'), pod(n2, 'b')]) {
      const sb = p.name === 'a' ? n1 : n2;
      await waitFor(`httpd in ${p.name}`, () => sb.get(sb.node, `http://${p.ip}:8080/`) === p.name, 15_000, 200);
    }
  });

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await n1?.destroy();
    await n2?.destroy();
    for (const p of apiProcs.reverse()) await p.kill();
  });

  it('routes the other node podCIDR via its InternalIP and sinks the Service and cluster CIDRs', async () => {
    // the default mode here is nftables (this kernel takes our table); iptables was asked for
    await waitFor('the mode\'s rules', () => leftovers(n1.node).includes('table inet kube-proxy') === (mode === 'nftables') && kubeChains(n1.node).includes('KUBE-FORWARD'), 30_000, 200);
    await waitFor('route on node1', () => nsx(n1.node, ['ip', 'route', 'show', '10.244.2.0/24']).includes('via 192.168.78.2'), 30_000, 200);
    await waitFor('route on node2', () => nsx(n2.node, ['ip', 'route', 'show', '10.244.1.0/24']).includes('via 192.168.78.1'), 30_000, 200);
    const sink = nsx(n1.node, ['ip', 'route', 'show', 'dev', 'kube-sink0']);
    expect(sink).toContain('10.96.0.0/12');
    expect(sink).toContain('10.244.0.0/16');
  });

  it('pod-to-pod across nodes keeps the source IP', () => {
    const c = pod(n1, 'c');
    expect(n1.get(c.ns, `http://${pod(n2, 'b').ip}:8080/cgi-bin/who`)).toBe(`served-by=b client=${c.ip}`);
  });

  it('a Service with endpoints on both nodes: ClusterIP from a pod, NodePort on each node reaching the other node', async () => {
    const svc = await api.resource<core.Service & KubeObject>(R.services).create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' },
      spec: { type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const ip = svc.spec!.clusterIP!;
    const nodePort = svc.spec!.ports![0].nodePort!;
    await api.resource<discovery.EndpointSlice & KubeObject>(R.endpointslices).create({
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
      metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: [pod(n1, 'a').ip], nodeName: 'node1', conditions: { ready: true } },
        { addresses: [pod(n2, 'b').ip], nodeName: 'node2', conditions: { ready: true } },
      ],
    });
    const c = pod(n1, 'c');
    await waitFor('ClusterIP reaches both nodes', () => servedBy(Array.from({ length: 10 }, () => n1.get(c.ns, `http://${ip}/`))).size === 2, 30_000, 200);
    const rs = Array.from({ length: 30 }, () => n1.get(c.ns, `http://${ip}/cgi-bin/who`));
    expect(rs.filter((r) => r.startsWith('FAIL'))).toEqual([]);
    expect(rs.some((r) => r === `served-by=b client=${c.ip}`)).toBe(true);
    for (const sb of [n1, n2]) {
      await waitFor(`NodePort on ${sb.node}`, () => !sb.get(sb.ext, `http://${sb.nodeIP}:${nodePort}/`).startsWith('FAIL'), 20_000, 200);
      const got = servedBy(Array.from({ length: 20 }, () => sb.get(sb.ext, `http://${sb.nodeIP}:${nodePort}/`)));
      expect(got).toEqual(new Set(['a', 'b']));
    }
  });

  it('a pod is refused at once by a Service without endpoints (the pod network accept comes after the REJECT)', async () => {
    const svc = await api.resource<core.Service & KubeObject>(R.services).create({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'none', namespace: 'default' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const c = pod(n1, 'c');
    // curl exit 7: refused; a packet accepted past the REJECT would end in the sink (timeout, exit 28)
    await waitFor('refused from a pod', () => /curl: \(7\)/.test(n1.get(c.ns, `http://${svc.spec!.clusterIP}/`, 3)), 20_000, 200);
    expect(rejected(mode, n1.node)).toBeGreaterThan(0);
    const forward = nsx(n1.node, ['iptables', '-S', 'FORWARD']).split('\n').filter((l) => l.startsWith('-A ')).map((l) => /-j (\S+)/.exec(l)?.[1]);
    // nftables: the REJECT is in our own table (a drop there is final whatever iptables accepts); iptables keeps only the forward accepts
    expect(forward.slice(0, mode === 'iptables' ? 5 : 2)).toEqual(mode === 'iptables'
      ? ['KUBE-PROXY-FIREWALL', 'KUBE-FORWARD', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-PODNET-FORWARD']
      : ['KUBE-FORWARD', 'KUBE-PODNET-FORWARD']);
  });

  it('a Node stored behind the apiserver with podCIDR "default" gets no route (Event, metric); the other routes stay', async () => {
    const before = nsx(n1.node, ['ip', 'route', 'show', 'default']);
    const evil = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'evil', uid: '0b0d3c3e-0000-4000-8000-00000000e412' }, spec: { podCIDR: 'default' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.78.9' }] } };
    putBehindApiserver(etcd, '/registry/minions/evil', evil);
    const event = await waitFor('InvalidValue Event on the Node from node1', async () => {
      const events = await api.resource<core.Event & KubeObject>(R.events).list();
      return events.items.find((e) => e.reason === 'InvalidValue' && e.involvedObject?.name === 'evil' && e.source?.host === 'node1');
    }, 20_000, 200);
    expect(event.message).toBe('kube-proxy on node1 left Node evil out of its pod routes: spec.podCIDR "default" is not an IPv4 CIDR');
    expect(n1.get(n1.node, 'http://127.0.0.1:10249/metrics')).toMatch(/kubeproxy_dropped_objects_total\{kind="Node"\} 1\b/);
    expect(nsx(n1.node, ['ip', 'route', 'show', 'default'])).toBe(before);
    expect(nsx(n1.node, ['ip', 'route', 'show'])).not.toContain('192.168.78.9');
    expect(nsx(n1.node, ['ip', 'route', 'show', '10.244.2.0/24'])).toContain('via 192.168.78.2');
    await api.resource<Node>(R.nodes).delete('evil');
  });

  it('removes the route when the Node goes away; --cleanup removes routes, sink and chains', async () => {
    await api.resource<Node>(R.nodes).delete('node2');
    await waitFor('route gone on node1', () => !nsx(n1.node, ['ip', 'route', 'show', '10.244.2.0/24']).includes('via'), 30_000, 200);
    await procs[1].kill('SIGTERM'); // node2's kube-proxy
    const r = nsTry(n2.node, [process.execPath, MAIN, '--cleanup'], 30_000);
    expect(r.code, r.out + r.err).toBe(0);
    expect(nsx(n2.node, ['ip', 'route', 'show', '10.244.1.0/24'])).toBe('');
    expect(nsTry(n2.node, ['ip', 'link', 'show', 'kube-sink0']).code).not.toBe(0);
    expect(leftovers(n2.node)).toEqual([]);
  });
});
