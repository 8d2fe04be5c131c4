import { describe, expect, it } from 'vitest';
import { buildServicePorts, groupSlices } from '@minik8s/shared';
import { service, slice } from './fixtures';
import type { core } from '@minik8s/shared';

describe('buildServicePorts', () => {
  it('skips headless, ExternalName and services without a ClusterIP', () => {
    const sps = buildServicePorts(
      [
        service('ns', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
        service('ns', 'ext', { type: 'ExternalName', externalName: 'example.test', ports: [{ port: 80 }] }),
        service('ns', 'pending', { ports: [{ port: 80 }] }),
      ],
      { slices: new Map(), endpoints: new Map() },
    );
    expect(sps).toEqual([]);
  });

  it('matches slice ports by name and protocol, dedups, sorts, and uses terminating endpoints only when none is ready', () => {
    const svc = service('ns', 'web', {
      type: 'NodePort',
      clusterIP: '10.96.0.20',
      sessionAffinity: 'ClientIP',
      ports: [
        { name: 'http', port: 80, nodePort: 30080 },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ],
    });
    const slices = [
      slice('ns', 'web', [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }], [{ ip: '10.244.2.9', node: 'n2' }, { ip: '10.244.1.10' }], 'a'),
      slice('ns', 'web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.10' }, { ip: '10.244.1.2', ready: false, serving: true, terminating: true }], 'b'),
      slice('ns', 'other', [{ name: 'http', port: 9999 }], [{ ip: '10.244.9.9' }], 'c'),
    ];
    const sps = buildServicePorts([svc], { slices: groupSlices(slices), endpoints: new Map() });
    expect(sps.map((s) => [s.spn, s.protocol, s.nodePort, s.affinitySeconds, s.endpoints])).toEqual([
      ['ns/web:dns', 'UDP', undefined, 10800, [{ ip: '10.244.1.10', port: 5353 }, { ip: '10.244.2.9', port: 5353, nodeName: 'n2' }]],
      ['ns/web:http', 'TCP', 30080, 10800, [{ ip: '10.244.1.10', port: 8080 }, { ip: '10.244.2.9', port: 8080, nodeName: 'n2' }]],
    ]);
    const onlyTerminating = buildServicePorts([svc], { slices: groupSlices([slices[1]].map((s) => ({ ...s, endpoints: [s.endpoints[1]] }))), endpoints: new Map() });
    expect(onlyTerminating[1].endpoints).toEqual([{ ip: '10.244.1.2', port: 8080 }]);
  });

  it('falls back to core/v1 Endpoints when a service has no EndpointSlice', () => {
    const ep: core.Endpoints = {
      metadata: { namespace: 'ns', name: 'web' },
      subsets: [{ addresses: [{ ip: '10.244.1.5' }], notReadyAddresses: [{ ip: '10.244.1.6' }], ports: [{ port: 8080 }] }],
    };
    const sps = buildServicePorts([service('ns', 'web', { clusterIP: '10.96.0.20', ports: [{ port: 80 }] })], {
      slices: new Map(),
      endpoints: new Map([['ns/web', ep]]),
    });
    expect(sps[0].spn).toBe('ns/web');
    expect(sps[0].endpoints).toEqual([{ ip: '10.244.1.5', port: 8080 }]);
  });
});

describe('buildServicePorts: values that do not parse never reach the rules', () => {
  it('skips and reports bad endpoints, ports, protocols, names and external IPs; keeps the rest', () => {
    const bad: string[] = [];
    const svc = service('ns', 'web', {
      type: 'NodePort',
      clusterIP: '10.96.0.20',
      externalIPs: ['192.168.1.1', '1.2.3.4; flush ruleset', 'fd00::1'],
      sessionAffinity: 'ClientIP',
      sessionAffinityConfig: { clientIP: { timeoutSeconds: 999999 } },
      ports: [
        { name: 'http', port: 80, nodePort: 70000 },
        { name: 'evil"', port: 81 },
        { name: 'odd', port: 82, protocol: 'ICMP' },
        { name: 'big', port: 65536 },
      ],
    });
    const sl = slice('ns', 'web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }, { ip: '10.244.1.3 . 1' }, { ip: '300.1.1.1' }]);
    const sps = buildServicePorts([svc, service('ns', 'Bad_Name', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] }), service('ns', 'v6', { clusterIP: 'fd00::10', ports: [{ port: 80 }] })],
      { slices: groupSlices([sl]), endpoints: new Map() }, (p) => bad.push(p));
    expect(sps).toHaveLength(1);
    expect(sps[0]).toMatchObject({ spn: 'ns/web:http', externalIPs: ['192.168.1.1'], affinitySeconds: 10800, endpoints: [{ ip: '10.244.1.2', port: 8080 }] });
    expect(sps[0].nodePort).toBeUndefined();
    expect(bad).toHaveLength(10); // 2 external IPs, the timeout, 3 ports, the nodePort, 2 endpoints, the name
    expect(bad.join('\n')).toMatch(/externalIP "1\.2\.3\.4; flush ruleset"/);
    expect(bad.join('\n')).toMatch(/endpoint "10\.244\.1\.3 \. 1":8080/);
    expect(bad.join('\n')).toMatch(/"ns\/Bad_Name"/);
  });
});
