// Golden-text tests of the nftables generator: the elements and chains a Service contributes, the
// fixed part of the table, partial-sync diffs and the affinity sweep. The same text is loaded into a
// real kernel by rules.int.test.ts.
import { describe, expect, it } from 'vitest';
import { buildServicePorts, groupSlices, type core, type discovery, type ServicePort } from '@minik8s/shared';
import { affinitySweep, generateNftRules, NftModel, renderDeletes, renderFull, renderPartial, type NftRuleset } from '../src/nft-rules';
import type { ProxyConfig } from '../src/rules';
import { service, slice } from './fixtures';

const cfg: ProxyConfig = { clusterCIDR: '10.0.0.0/8', nodeName: 'n1' };

function ports(services: core.Service[], slices: discovery.EndpointSlice[]): ServicePort[] {
  return buildServicePorts(services, { slices: groupSlices(slices), endpoints: new Map() });
}

/** The `add element` lines and the non-fixed chains' rules of a full render, for compact goldens. */
function elementsAndChains(rs: NftRuleset): string {
  const fixed = new Set(generateNftRules([], cfg).chains.keys());
  const lines = renderFull(rs).text.split('\n');
  return lines.filter((l) => l.startsWith('add element') || (l.startsWith('add rule') && !fixed.has(l.split(' ')[4]))).join('\n');
}

describe('generateNftRules + renderFull', () => {
  it('no services: the fixed table, every map declared and flushed except the affinity state', () => {
    const text = renderFull(generateNftRules([], cfg)).text;
    expect(text).toBe(`add table inet kube-proxy { comment "rules for kube-proxy" ; }
add map inet kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; comment "ClusterIP and external IP traffic" ; }
flush map inet kube-proxy service-ips
add map inet kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; comment "NodePort traffic" ; }
flush map inet kube-proxy service-nodeports
add map inet kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "reject traffic to Services without endpoints" ; }
flush map inet kube-proxy no-endpoint-services
add map inet kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; comment "reject NodePort traffic to Services without endpoints" ; }
flush map inet kube-proxy no-endpoint-nodeports
add map inet kube-proxy affinity { type ipv4_addr . ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; size 1048576 ; flags dynamic,timeout ; timeout 10800s ; comment "ClientIP affinity: client . entry point -> endpoint" ; }
add map inet kube-proxy affinity-services { type ipv4_addr . inet_proto . inet_service : verdict ; comment "entry points with ClientIP affinity" ; }
flush map inet kube-proxy affinity-services
add map inet kube-proxy affinity-nodeports { type inet_proto . inet_service : verdict ; comment "NodePorts with ClientIP affinity" ; }
flush map inet kube-proxy affinity-nodeports
add set inet kube-proxy hairpin { type ipv4_addr . ipv4_addr ; comment "endpoint . endpoint: a pod reaching itself through a Service" ; }
flush set inet kube-proxy hairpin
add chain inet kube-proxy filter-input { type filter hook input priority -110 ; }
flush chain inet kube-proxy filter-input
add chain inet kube-proxy filter-forward { type filter hook forward priority -110 ; }
flush chain inet kube-proxy filter-forward
add chain inet kube-proxy filter-output { type filter hook output priority -110 ; }
flush chain inet kube-proxy filter-output
add chain inet kube-proxy nat-prerouting { type nat hook prerouting priority -100 ; }
flush chain inet kube-proxy nat-prerouting
add chain inet kube-proxy nat-output { type nat hook output priority -100 ; }
flush chain inet kube-proxy nat-output
add chain inet kube-proxy nat-postrouting { type nat hook postrouting priority 100 ; }
flush chain inet kube-proxy nat-postrouting
add chain inet kube-proxy services
flush chain inet kube-proxy services
add chain inet kube-proxy endpoints-check
flush chain inet kube-proxy endpoints-check
add chain inet kube-proxy reject-chain
flush chain inet kube-proxy reject-chain
add chain inet kube-proxy mark-for-masquerade
flush chain inet kube-proxy mark-for-masquerade
add chain inet kube-proxy masquerading
flush chain inet kube-proxy masquerading
add chain inet kube-proxy affinity-check
flush chain inet kube-proxy affinity-check
add rule inet kube-proxy filter-input ct state new jump endpoints-check
add rule inet kube-proxy filter-input ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop comment "block incoming localnet connections"
add rule inet kube-proxy filter-input ct state new ct status dnat jump affinity-check
add rule inet kube-proxy filter-forward ct state new jump endpoints-check
add rule inet kube-proxy filter-forward ct state invalid drop
add rule inet kube-proxy filter-output ct state new jump endpoints-check
add rule inet kube-proxy nat-prerouting jump services
add rule inet kube-proxy nat-output jump services
add rule inet kube-proxy nat-postrouting ct status dnat jump affinity-check
add rule inet kube-proxy nat-postrouting jump masquerading
add rule inet kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips
add rule inet kube-proxy services fib daddr type local meta l4proto . th dport vmap @service-nodeports
add rule inet kube-proxy endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services
add rule inet kube-proxy endpoints-check fib daddr type local meta l4proto . th dport vmap @no-endpoint-nodeports
add rule inet kube-proxy reject-chain counter reject
add rule inet kube-proxy mark-for-masquerade meta mark set meta mark | 0x00004000
add rule inet kube-proxy masquerading ct status dnat ip saddr . ip daddr @hairpin jump mark-for-masquerade
add rule inet kube-proxy masquerading meta mark & 0x00004000 == 0 return
add rule inet kube-proxy masquerading meta mark set meta mark ^ 0x00004000
add rule inet kube-proxy masquerading masquerade fully-random
add rule inet kube-proxy affinity-check meta l4proto tcp ct original ip daddr . meta l4proto . ct original proto-dst vmap @affinity-services
add rule inet kube-proxy affinity-check meta l4proto tcp meta l4proto . ct original proto-dst vmap @affinity-nodeports
add rule inet kube-proxy affinity-check meta l4proto udp ct original ip daddr . meta l4proto . ct original proto-dst vmap @affinity-services
add rule inet kube-proxy affinity-check meta l4proto udp meta l4proto . ct original proto-dst vmap @affinity-nodeports
add rule inet kube-proxy affinity-check meta l4proto sctp ct original ip daddr . meta l4proto . ct original proto-dst vmap @affinity-services
add rule inet kube-proxy affinity-check meta l4proto sctp meta l4proto . ct original proto-dst vmap @affinity-nodeports
`);
  });

  const cases: { name: string; services: core.Service[]; slices: discovery.EndpointSlice[]; cfg?: ProxyConfig; want: string }[] = [
    {
      name: 'ClusterIP with one endpoint: a shared cluster-1 chain, one slot, the endpoint is a possible hairpin',
      services: [service('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] })],
      slices: [slice('ns1', 'svc1', [{ name: 'p80', port: 80 }], [{ ip: '10.180.0.1', node: 'n1' }])],
      want: `add rule inet kube-proxy service-slot-0 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-0
add rule inet kube-proxy cluster-1 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule inet kube-proxy cluster-1 goto service-slot-0
add element inet kube-proxy service-ips { 172.30.0.41 . tcp . 80 comment "ns1/svc1:p80" : goto cluster-1 }
add element inet kube-proxy hairpin { 10.180.0.1 . 10.180.0.1 }
add element inet kube-proxy service-endpoints-0 { 172.30.0.41 . tcp . 80 : 10.180.0.1 . 80 }`,
    },
    {
      name: 'NodePort and external IP, three endpoints (one not ready, one on another node): numgen over three slots per entry kind',
      services: [service('ns2', 'svc2', { type: 'NodePort', clusterIP: '172.30.0.42', externalIPs: ['192.168.99.1'], ports: [{ name: 'p80', port: 80, nodePort: 3001 }] })],
      slices: [
        slice('ns2', 'svc2', [{ name: 'p80', port: 8080 }], [
          { ip: '10.180.1.1', node: 'n2' },
          { ip: '10.180.0.2', node: 'n1' },
          { ip: '10.180.0.7', ready: false },
          { ip: '10.180.0.3' },
        ]),
      ],
      want: `add rule inet kube-proxy service-slot-0 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-0
add rule inet kube-proxy service-slot-1 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-1
add rule inet kube-proxy service-slot-2 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-2
add rule inet kube-proxy nodeport-slot-0 dnat ip to meta l4proto . th dport map @nodeport-endpoints-0
add rule inet kube-proxy nodeport-slot-1 dnat ip to meta l4proto . th dport map @nodeport-endpoints-1
add rule inet kube-proxy nodeport-slot-2 dnat ip to meta l4proto . th dport map @nodeport-endpoints-2
add rule inet kube-proxy cluster-3 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
add rule inet kube-proxy cluster-3 numgen random mod 3 vmap { 0 : goto service-slot-0, 1 : goto service-slot-1, 2 : goto service-slot-2 }
add rule inet kube-proxy external-3 jump mark-for-masquerade
add rule inet kube-proxy external-3 numgen random mod 3 vmap { 0 : goto service-slot-0, 1 : goto service-slot-1, 2 : goto service-slot-2 }
add rule inet kube-proxy nodeport-3 jump mark-for-masquerade
add rule inet kube-proxy nodeport-3 numgen random mod 3 vmap { 0 : goto nodeport-slot-0, 1 : goto nodeport-slot-1, 2 : goto nodeport-slot-2 }
add element inet kube-proxy service-ips { 172.30.0.42 . tcp . 80 comment "ns2/svc2:p80" : goto cluster-3, 192.168.99.1 . tcp . 80 comment "ns2/svc2:p80" : goto external-3 }
add element inet kube-proxy service-nodeports { tcp . 3001 comment "ns2/svc2:p80" : goto nodeport-3 }
add element inet kube-proxy hairpin { 10.180.0.2 . 10.180.0.2, 10.180.0.3 . 10.180.0.3 }
add element inet kube-proxy service-endpoints-0 { 172.30.0.42 . tcp . 80 : 10.180.0.2 . 8080, 192.168.99.1 . tcp . 80 : 10.180.0.2 . 8080 }
add element inet kube-proxy service-endpoints-1 { 172.30.0.42 . tcp . 80 : 10.180.0.3 . 8080, 192.168.99.1 . tcp . 80 : 10.180.0.3 . 8080 }
add element inet kube-proxy service-endpoints-2 { 172.30.0.42 . tcp . 80 : 10.180.1.1 . 8080, 192.168.99.1 . tcp . 80 : 10.180.1.1 . 8080 }
add element inet kube-proxy nodeport-endpoints-0 { tcp . 3001 : 10.180.0.2 . 8080 }
add element inet kube-proxy nodeport-endpoints-1 { tcp . 3001 : 10.180.0.3 . 8080 }
add element inet kube-proxy nodeport-endpoints-2 { tcp . 3001 : 10.180.1.1 . 8080 }`,
    },
    {
      name: 'ClientIP affinity on UDP (unnamed port, --masquerade-all): remembered endpoint first, recorded with the Service timeout',
      services: [service('ns3', 'dns', { clusterIP: '172.30.0.43', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, ports: [{ port: 53, protocol: 'UDP' }] })],
      slices: [slice('ns3', 'dns', [{ port: 5353, protocol: 'UDP' }], [{ ip: '10.180.0.5' }, { ip: '10.180.0.4' }])],
      cfg: { masqueradeAll: true, nodeName: 'n1' },
      want: `add rule inet kube-proxy service-slot-0 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-0
add rule inet kube-proxy service-slot-1 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-1
add rule inet kube-proxy cluster-2-affinity jump mark-for-masquerade
add rule inet kube-proxy cluster-2-affinity dnat ip to ip saddr . ip daddr . meta l4proto . th dport map @affinity
add rule inet kube-proxy cluster-2-affinity numgen random mod 2 vmap { 0 : goto service-slot-0, 1 : goto service-slot-1 }
add rule inet kube-proxy affinity-60 meta l4proto tcp update @affinity { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout 60s : ip daddr . th dport }
add rule inet kube-proxy affinity-60 meta l4proto udp update @affinity { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout 60s : ip daddr . th dport }
add rule inet kube-proxy affinity-60 meta l4proto sctp update @affinity { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout 60s : ip daddr . th dport }
add element inet kube-proxy service-ips { 172.30.0.43 . udp . 53 comment "ns3/dns" : goto cluster-2-affinity }
add element inet kube-proxy affinity-services { 172.30.0.43 . udp . 53 : goto affinity-60 }
add element inet kube-proxy hairpin { 10.180.0.4 . 10.180.0.4, 10.180.0.5 . 10.180.0.5 }
add element inet kube-proxy service-endpoints-0 { 172.30.0.43 . udp . 53 : 10.180.0.4 . 5353 }
add element inet kube-proxy service-endpoints-1 { 172.30.0.43 . udp . 53 : 10.180.0.5 . 5353 }`,
    },
    {
      name: 'no endpoints (SCTP NodePort, external IP): REJECT entries only, no dispatch',
      services: [service('ns4', 'svc4', { type: 'NodePort', clusterIP: '172.30.0.44', externalIPs: ['192.168.99.4'], ports: [{ name: 's', port: 9, protocol: 'SCTP', nodePort: 3004 }] })],
      slices: [],
      want: `add element inet kube-proxy no-endpoint-services { 172.30.0.44 . sctp . 9 comment "ns4/svc4:s" : goto reject-chain, 192.168.99.4 . sctp . 9 comment "ns4/svc4:s" : goto reject-chain }
add element inet kube-proxy no-endpoint-nodeports { sctp . 3004 comment "ns4/svc4:s" : goto reject-chain }`,
    },
    {
      name: 'without --cluster-cidr ClusterIP traffic is not masqueraded; two Services claiming one external IP and port: the first wins',
      services: [
        service('ns5', 'a', { clusterIP: '172.30.0.51', externalIPs: ['192.168.99.5'], ports: [{ name: 'p', port: 80 }] }),
        service('ns5', 'b', { clusterIP: '172.30.0.52', externalIPs: ['192.168.99.5'], ports: [{ name: 'p', port: 80 }] }),
      ],
      slices: [slice('ns5', 'a', [{ name: 'p', port: 80 }], [{ ip: '10.180.0.8', node: 'n9' }]), slice('ns5', 'b', [{ name: 'p', port: 80 }], [{ ip: '10.180.0.9', node: 'n9' }])],
      cfg: { nodeName: 'n1' },
      want: `add rule inet kube-proxy service-slot-0 dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-0
add rule inet kube-proxy cluster-1 goto service-slot-0
add rule inet kube-proxy external-1 jump mark-for-masquerade
add rule inet kube-proxy external-1 goto service-slot-0
add element inet kube-proxy service-ips { 172.30.0.51 . tcp . 80 comment "ns5/a:p" : goto cluster-1, 192.168.99.5 . tcp . 80 comment "ns5/a:p" : goto external-1, 172.30.0.52 . tcp . 80 comment "ns5/b:p" : goto cluster-1 }
add element inet kube-proxy service-endpoints-0 { 172.30.0.51 . tcp . 80 : 10.180.0.8 . 80, 192.168.99.5 . tcp . 80 : 10.180.0.8 . 80, 172.30.0.52 . tcp . 80 : 10.180.0.9 . 80 }`,
    },
  ];

  it.each(cases)('$name', (c) => {
    expect(elementsAndChains(generateNftRules(ports(c.services, c.slices), c.cfg ?? cfg))).toBe(c.want);
  });

  it('flushes the chains and maps the kernel has beyond the desired ones, for deletion later', () => {
    const r = renderFull(generateNftRules([], cfg), { chains: ['services', 'cluster-7', 'service-slot-6'], maps: [{ name: 'service-endpoints-6', kind: 'map' }, { name: 'service-ips', kind: 'map' }] });
    expect(r.staleChains).toEqual(['cluster-7', 'service-slot-6']);
    expect(r.staleMaps).toEqual([{ name: 'service-endpoints-6', kind: 'map' }]);
    expect(r.text).toMatch(/flush chain inet kube-proxy cluster-7\nflush chain inet kube-proxy service-slot-6\nflush map inet kube-proxy service-endpoints-6\n$/);
    expect(renderDeletes(r.staleChains, r.staleMaps)).toBe('delete chain inet kube-proxy cluster-7\ndelete chain inet kube-proxy service-slot-6\ndelete map inet kube-proxy service-endpoints-6\n');
  });

  it('a bad masquerade mark never reaches the text', () => {
    expect(() => generateNftRules([], { masqueradeMark: '0x4000; flush ruleset' })).toThrow(/invalid masquerade mark/);
  });
});

describe('renderPartial', () => {
  const svc = (name: string, ip: string) => service('ns', name, { type: 'NodePort', clusterIP: ip, ports: [{ name: 'http', port: 80, nodePort: name === 'a' ? 30001 : 30002 }] });
  const sl = (name: string, ips: string[]) => slice('ns', name, [{ name: 'http', port: 8080 }], ips.map((ip) => ({ ip, node: 'n1' })));
  const state = (a: string[], b: string[]) => ports([svc('a', '10.96.0.11'), svc('b', '10.96.0.12')], [sl('a', a), sl('b', b)]);
  /** What a partial sync writes to go from the first state to the second. */
  const partial = (from: ServicePort[], to: ServicePort[]) => {
    const model = new NftModel(cfg);
    model.update(from);
    const prev = model.structure();
    const { changes } = model.update(to);
    return renderPartial(prev, model.structure(), changes);
  };

  it('nothing changed: nothing to write', () => {
    const r = partial(state(['10.244.1.2'], ['10.244.1.3']), state(['10.244.1.2'], ['10.244.1.3']));
    expect(r).toEqual({ text: '', written: 0, chainsWritten: 0, staleChains: [], staleMaps: [] });
  });

  it('an endpoint replaced: only its elements change (a changed value is a delete and an add)', () => {
    const r = partial(state(['10.244.1.2'], ['10.244.1.3']), state(['10.244.1.2'], ['10.244.1.4']));
    expect(r.text).toBe(`delete element inet kube-proxy hairpin { 10.244.1.3 . 10.244.1.3 }
delete element inet kube-proxy service-endpoints-0 { 10.96.0.12 . tcp . 80 }
delete element inet kube-proxy nodeport-endpoints-0 { tcp . 30002 }
add element inet kube-proxy hairpin { 10.244.1.4 . 10.244.1.4 }
add element inet kube-proxy service-endpoints-0 { 10.96.0.12 . tcp . 80 : 10.244.1.4 . 8080 }
add element inet kube-proxy nodeport-endpoints-0 { tcp . 30002 : 10.244.1.4 . 8080 }
`);
    expect(r.chainsWritten).toBe(0);
  });

  it('scaling 1 -> 2: new slot maps and chains and the 2-endpoint dispatch chains before the elements that use them', () => {
    const r = partial(state(['10.244.1.2'], ['10.244.1.3']), state(['10.244.1.2', '10.244.1.5'], ['10.244.1.3']));
    const lines = r.text.split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'add map inet kube-proxy service-endpoints-1 { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; }',
      'add map inet kube-proxy nodeport-endpoints-1 { type inet_proto . inet_service : ipv4_addr . inet_service ; }',
      'add chain inet kube-proxy service-slot-1',
      'add chain inet kube-proxy nodeport-slot-1',
    ]);
    expect(lines).toContain('add rule inet kube-proxy cluster-2 numgen random mod 2 vmap { 0 : goto service-slot-0, 1 : goto service-slot-1 }');
    expect(lines).toContain('delete element inet kube-proxy service-ips { 10.96.0.11 . tcp . 80 }');
    expect(lines).toContain('add element inet kube-proxy service-ips { 10.96.0.11 . tcp . 80 comment "ns/a:http" : goto cluster-2 }');
    expect(lines.findIndex((l) => l.startsWith('add rule inet kube-proxy cluster-2 '))).toBeLessThan(lines.findIndex((l) => l.includes('goto cluster-2 }')));
    expect(r.staleChains).toEqual([]);
  });

  it('scaling 2 -> 1: the unused slot chains and maps are flushed (deleted later), nothing is left in them', () => {
    const r = partial(state(['10.244.1.2', '10.244.1.5'], ['10.244.1.3']), state(['10.244.1.2'], ['10.244.1.3']));
    expect(r.staleChains).toEqual(['service-slot-1', 'nodeport-slot-1', 'cluster-2', 'nodeport-2']);
    expect(r.staleMaps.map((m) => m.name)).toEqual(['service-endpoints-1', 'nodeport-endpoints-1']);
    expect(r.text).toContain('flush map inet kube-proxy service-endpoints-1\n');
    expect(r.text).not.toContain('delete element inet kube-proxy service-endpoints-1');
  });
});

describe('affinitySweep', () => {
  const sticky = ports(
    [service('ns', 's', { type: 'NodePort', clusterIP: '10.96.0.20', sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, nodePort: 30020 }] })],
    [slice('ns', 's', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }, { ip: '10.244.1.3' }])],
  );
  it.each([
    ['an endpoint the Service still has (ClusterIP and NodePort entries)', [{ key: '10.244.9.9 . 10.96.0.20 . tcp . 80', value: '10.244.1.2 . 8080' }, { key: '192.168.1.5 . 192.168.77.10 . tcp . 30020', value: '10.244.1.3 . 8080' }], undefined],
    ['a removed endpoint', [{ key: '10.244.9.9 . 10.96.0.20 . tcp . 80', value: '10.244.1.4 . 8080' }],
      'add element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.20 . tcp . 80 : 10.244.1.4 . 8080 }\ndelete element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.20 . tcp . 80 }\n'],
    ['a Service that no longer exists', [{ key: '10.244.9.9 . 10.96.0.99 . udp . 53', value: '10.244.1.2 . 53' }],
      'add element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.99 . udp . 53 : 10.244.1.2 . 53 }\ndelete element inet kube-proxy affinity { 10.244.9.9 . 10.96.0.99 . udp . 53 }\n'],
  ])('%s', (_, entries, want) => {
    expect(affinitySweep(sticky, entries)).toBe(want);
  });
});
