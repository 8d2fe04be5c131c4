import { describe, expect, it } from 'vitest';
import { buildServicePorts, groupSlices } from '@minik8s/shared';
import { service, slice } from './fixtures';
import type { core, Dropped } from '@minik8s/shared';

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

describe('buildServicePorts: an object with a value that does not parse is left out whole', () => {
  const ok = () => service('ns', 'ok', { clusterIP: '10.96.0.30', ports: [{ name: 'http', port: 80 }] });
  const okSlice = () => slice('ns', 'ok', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.9' }]);

  // each case: a Service "web" (and its slice) with one bad value; the Service "ok" beside it is always programmed
  const cases: [string, Partial<core.ServiceSpec> | undefined, [string, unknown] | undefined, string][] = [
    ['an external IP with a command', { externalIPs: ['192.168.1.1', '1.2.3.4; flush ruleset'] }, undefined, 'Service ns/web: spec.externalIPs[1] "1.2.3.4; flush ruleset" is not an IPv4 address'],
    ['a nodePort out of range', { type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 70000 }] }, undefined, 'Service ns/web: spec.ports[0].nodePort 70000 is not a port (1-65535)'],
    ['a port name with a quote', { ports: [{ name: 'evil"', port: 81 }] }, undefined, 'Service ns/web: spec.ports[0].name "evil\\"" is not a DNS-1123 label'],
    ['a protocol not in the enum', { ports: [{ name: 'odd', port: 82, protocol: 'ICMP' }] }, undefined, 'Service ns/web: spec.ports[0].protocol "ICMP" is not TCP, UDP or SCTP'],
    ['a port out of range', { ports: [{ name: 'big', port: 65536 }] }, undefined, 'Service ns/web: spec.ports[0].port 65536 is not a port (1-65535)'],
    ['an affinity timeout of a week', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 604800 } } }, undefined, 'Service ns/web: spec.sessionAffinityConfig.clientIP.timeoutSeconds 604800 is not in (0, 86400]'],
    ['a ClusterIP with a space', { clusterIP: '10.96.0.20 x' }, undefined, 'Service ns/web: spec.clusterIP "10.96.0.20 x" is not an IPv4 address'],
    ['a ClusterIP with a leading zero', { clusterIP: '10.96.0.020' }, undefined, 'Service ns/web: spec.clusterIP "10.96.0.020" is not an IPv4 address'],
    ['an endpoint address with a space', undefined, ['ip', '10.244.1.3 . 1'], 'EndpointSlice ns/web-abc: endpoints[0].addresses[0] "10.244.1.3 . 1" is not an IPv4 address'],
    ['an endpoint address out of range', undefined, ['ip', '300.1.1.1'], 'EndpointSlice ns/web-abc: endpoints[0].addresses[0] "300.1.1.1" is not an IPv4 address'],
    ['a condition that is not a boolean', undefined, ['ready', 'yes'], 'EndpointSlice ns/web-abc: endpoints[0].conditions.ready "yes" is not a boolean'],
  ];
  it.each(cases)('%s', (_what, spec, endpoint, reason) => {
    const web = service('ns', 'web', { clusterIP: '10.96.0.20', ports: [{ name: 'http', port: 80 }], ...spec });
    const sl = slice('ns', 'web', [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.2' }]);
    if (endpoint?.[0] === 'ip') sl.endpoints[0].addresses = [endpoint[1] as string];
    if (endpoint?.[0] === 'ready') (sl.endpoints[0].conditions as Record<string, unknown>).ready = endpoint[1];
    const drops: Dropped[] = [];
    const sps = buildServicePorts([web, ok()], { slices: groupSlices([sl, okSlice()]), endpoints: new Map() }, (d) => drops.push(d));
    expect(drops.map((d) => `${d.kind} ${d.namespace}/${d.name}: ${d.reason}`)).toEqual([reason]);
    // the other Service is programmed; a dropped slice leaves its Service without endpoints (never half-read)
    expect(sps.map((s) => [s.spn, s.endpoints.map((e) => e.ip)])).toEqual([
      ['ns/ok:http', ['10.244.1.9']],
      ...(drops[0].kind === 'EndpointSlice' ? [['ns/web:http', []]] : []),
    ]);
  });

  it('a Service whose name would not be a DNS label is left out (it lands in comments)', () => {
    const drops: Dropped[] = [];
    const sps = buildServicePorts([service('ns', 'Bad_Name', { clusterIP: '10.96.0.21', ports: [{ port: 80 }] })], { slices: new Map(), endpoints: new Map() }, (d) => drops.push(d));
    expect(sps).toEqual([]);
    expect(drops).toMatchObject([{ kind: 'Service', name: 'Bad_Name', reason: 'metadata.name "Bad_Name" is not a DNS-1123 label' }]);
  });

  it("another family's values are not ours: skipped silently, not dropped", () => {
    const drops: Dropped[] = [];
    const ep: core.Endpoints = { metadata: { namespace: 'ns', name: 'dual' }, subsets: [{ addresses: [{ ip: 'fd00::5' }, { ip: '10.244.1.5' }], ports: [{ port: 8080 }] }] };
    const sps = buildServicePorts(
      [
        service('ns', 'v6', { clusterIP: 'fd00::10', ports: [{ port: 80 }] }),
        service('ns', 'dual', { clusterIP: '10.96.0.22', externalIPs: ['fd00::1', '192.168.1.1'], ports: [{ port: 80 }] }),
      ],
      { slices: new Map(), endpoints: new Map([['ns/dual', ep]]) },
      (d) => drops.push(d),
    );
    expect(drops).toEqual([]);
    expect(sps).toMatchObject([{ spn: 'ns/dual', externalIPs: ['192.168.1.1'], endpoints: [{ ip: '10.244.1.5', port: 8080 }] }]);
  });

  it('an Endpoints object is read (and checked) only for a Service without EndpointSlices', () => {
    const drops: Dropped[] = [];
    const bad: core.Endpoints = { metadata: { namespace: 'ns', name: 'ok' }, subsets: [{ addresses: [{ ip: 'x' }], ports: [{ port: 8080 }] }] };
    const sps = buildServicePorts([ok()], { slices: groupSlices([okSlice()]), endpoints: new Map([['ns/ok', bad]]) }, (d) => drops.push(d));
    expect(drops).toEqual([]);
    expect(sps[0].endpoints).toEqual([{ ip: '10.244.1.9', port: 8080 }]);
    buildServicePorts([ok()], { slices: new Map(), endpoints: new Map([['ns/ok', bad]]) }, (d) => drops.push(d));
    expect(drops).toMatchObject([{ kind: 'Endpoints', name: 'ok', reason: 'subsets[0].addresses[0].ip "x" is not an IPv4 address' }]);
  });

  it('a long hostile value is cut short in the reason (it lands in an Event)', () => {
    const drops: Dropped[] = [];
    buildServicePorts([service('ns', 'web', { clusterIP: `1.2.3.4 ${'x'.repeat(10000)}`, ports: [{ port: 80 }] })], { slices: new Map(), endpoints: new Map() }, (d) => drops.push(d));
    expect(drops[0].reason.length).toBeLessThan(150);
  });
});
