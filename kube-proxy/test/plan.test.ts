import { describe, expect, it } from 'vitest';
import { buildServicePorts, groupSlices, type ServicePort } from '@minik8s/shared';
import { planSync, staleUdpFlows } from '../src/plan';
import { generateRules } from '../src/rules';
import { service, slice } from './fixtures';
import type { discovery } from '@minik8s/shared';

const svcs = [
  service('ns1', 'a', { clusterIP: '10.96.0.11', ports: [{ name: 'http', port: 80 }] }),
  service('ns1', 'b', { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }] }),
];

function gen(sl: discovery.EndpointSlice[]) {
  return generateRules(buildServicePorts(svcs, { slices: groupSlices(sl), endpoints: new Map() }), { clusterCIDR: '10.244.0.0/16' });
}
const slA = (ips: string[]) => slice('ns1', 'a', [{ name: 'http', port: 8080 }], ips.map((ip) => ({ ip })));
const slB = (ips: string[]) => slice('ns1', 'b', [{ name: 'http', port: 8080 }], ips.map((ip) => ({ ip })));

describe('planSync', () => {
  it('full sync: writes everything, stale chains come from the kernel listing (service chains only)', () => {
    const g = gen([slA(['10.244.1.2']), slB(['10.244.1.3'])]);
    const p = planSync(g, undefined, ['KUBE-SERVICES', 'KUBE-SVC-OLDOLDOLDOLDOLD1', 'KUBE-SEP-OLDOLDOLDOLDOLD2', 'DOCKER', g.services[0].chains[0]]);
    expect(p.write).toBeUndefined();
    expect(p.stale).toEqual(['KUBE-SVC-OLDOLDOLDOLDOLD1', 'KUBE-SEP-OLDOLDOLDOLDOLD2']);
    expect(p.next.services.size).toBe(2);
  });

  it('nothing changed: writes no service', () => {
    const g = gen([slA(['10.244.1.2']), slB(['10.244.1.3'])]);
    const first = planSync(g, undefined, []);
    const p = planSync(gen([slA(['10.244.1.2']), slB(['10.244.1.3'])]), first.next);
    expect([...p.write!]).toEqual([]);
    expect(p.stale).toEqual([]);
  });

  it('one service scaled down: only it is written; its removed endpoint chain is stale', () => {
    const g1 = gen([slA(['10.244.1.2', '10.244.1.4']), slB(['10.244.1.3'])]);
    const first = planSync(g1, undefined, []);
    const g2 = gen([slA(['10.244.1.2']), slB(['10.244.1.3'])]);
    const p = planSync(g2, first.next);
    expect([...p.write!]).toEqual(['ns1/a:http/TCP']);
    const removed = g1.services[0].chains.filter((c) => !g2.services[0].chains.includes(c));
    expect(removed).toHaveLength(1);
    expect(p.stale).toEqual(removed);
  });

  it('a service losing all endpoints: all its chains are stale', () => {
    const g1 = gen([slA(['10.244.1.2']), slB(['10.244.1.3'])]);
    const first = planSync(g1, undefined, []);
    const p = planSync(gen([slB(['10.244.1.3'])]), first.next);
    expect([...p.write!]).toEqual([]);
    expect(p.stale.sort()).toEqual([...g1.services[0].chains].sort());
  });
});

describe('staleUdpFlows', () => {
  const sp = (ips: string[], nodePort?: number): ServicePort => ({
    namespace: 'kube-system', name: 'dns', spn: 'kube-system/dns:dns', portName: 'dns', protocol: 'UDP',
    clusterIP: '10.96.0.10', port: 53, externalIPs: [], endpoints: ips.map((ip) => ({ ip, port: 53 })), ...(nodePort ? { nodePort } : {}),
  });
  it.each([
    { name: 'unchanged', prev: [sp(['10.244.1.2'])], next: [sp(['10.244.1.2'])], want: [] },
    { name: 'endpoint removed', prev: [sp(['10.244.1.2', '10.244.1.3'])], next: [sp(['10.244.1.2'])], want: [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.3']] },
    {
      name: 'endpoint removed with a NodePort',
      prev: [sp(['10.244.1.3'], 30053)],
      next: [sp(['10.244.1.4'], 30053)],
      want: [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.3'], ['-D', '-p', 'udp', '--dport', '30053', '--dst-nat', '10.244.1.3']],
    },
    { name: 'first endpoint after none', prev: [sp([])], next: [sp(['10.244.1.2'])], want: [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10']] },
    { name: 'service deleted', prev: [sp(['10.244.1.2'])], next: [], want: [['-D', '-p', 'udp', '--orig-dst', '10.96.0.10', '--dst-nat', '10.244.1.2']] },
    { name: 'TCP ignored', prev: [{ ...sp(['10.244.1.2']), protocol: 'TCP' as const }], next: [], want: [] },
  ])('$name', ({ prev, next, want }) => {
    expect(staleUdpFlows(prev, next)).toEqual(want);
  });
});
