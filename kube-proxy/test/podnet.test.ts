import { describe, expect, it } from 'vitest';
import { desiredPodRoutes, routeCommands } from '../src/podnet';
import type { core } from '@minik8s/shared';

const node = (name: string, podCIDR?: string, ip?: string): core.Node => ({
  metadata: { name },
  spec: podCIDR ? { podCIDR } : {},
  status: ip
    ? {
        addresses: [
          { type: 'Hostname', address: name },
          { type: 'InternalIP', address: ip },
        ],
      }
    : {},
});

describe('pod routes', () => {
  it('routes every other node podCIDR via its InternalIP', () => {
    const nodes = [
      node('n1', '10.244.1.0/24', '172.18.0.2'),
      node('n3', '10.244.3.0/24', '172.18.0.4'),
      node('n2', '10.244.2.0/24', '172.18.0.3'),
      node('n4'),
      node('n5', '10.244.5.0/24'),
    ];
    expect(desiredPodRoutes(nodes, 'n1')).toEqual([
      { cidr: '10.244.2.0/24', via: '172.18.0.3' },
      { cidr: '10.244.3.0/24', via: '172.18.0.4' },
    ]);
  });

  it('turns the difference into ip route commands', () => {
    const installed = [
      { cidr: '10.244.2.0/24', via: '172.18.0.3' },
      { cidr: '10.244.3.0/24', via: '172.18.0.4' },
    ];
    const desired = [
      { cidr: '10.244.2.0/24', via: '172.18.0.9' },
      { cidr: '10.244.4.0/24', via: '172.18.0.5' },
    ];
    expect(routeCommands(installed, desired)).toEqual([
      ['ip', 'route', 'del', '10.244.3.0/24', 'via', '172.18.0.4', 'proto', '151'],
      ['ip', 'route', 'replace', '10.244.2.0/24', 'via', '172.18.0.9', 'proto', '151'],
      ['ip', 'route', 'replace', '10.244.4.0/24', 'via', '172.18.0.5', 'proto', '151'],
    ]);
    expect(routeCommands(desired, desired)).toEqual([]);
  });
});
