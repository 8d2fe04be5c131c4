import { describe, expect, it } from 'vitest';
import type { core } from '@minik8s/shared';
import type { Pod, Service } from '../src/util/types';
import { desiredEndpoints, findPort } from '../src/controllers/endpoints/build';
import { desiredSlices } from '../src/controllers/endpointslice/build';

function pod(name: string, ip: string | undefined, ready: boolean, extra: Partial<core.Pod['metadata']> = {}, phase = 'Running'): Pod {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra },
    spec: {
      nodeName: 'n1',
      containers: [
        {
          name: 'c',
          ports: [
            { name: 'http', containerPort: 8080 },
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
          ],
        },
      ],
    },
    status: { phase, podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}
const svc = (ports: core.ServicePort[], extra: Partial<core.ServiceSpec> = {}): Service => ({
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, ports, ...extra },
});

describe('findPort', () => {
  it.each<[core.ServicePort, number | undefined]>([
    [{ port: 80, targetPort: 'http' }, 8080],
    [{ port: 80, targetPort: 9090 }, 9090],
    [{ port: 80, targetPort: '9091' }, 9091],
    [{ port: 80 }, 80],
    [{ port: 53, targetPort: 'dns', protocol: 'UDP' }, 53],
    [{ port: 53, targetPort: 'dns' }, undefined], // TCP lookup does not match the UDP port
    [{ port: 80, targetPort: 'nope' }, undefined],
  ])('%j → %s', (sp, want) => {
    expect(findPort(pod('a', '10.0.0.1', true), sp)).toBe(want);
  });
});

describe('desiredEndpoints', () => {
  it('splits ready and not-ready, skips pods without IP, terminal or terminating pods', () => {
    const pods = [
      pod('b', '10.0.0.2', true),
      pod('a', '10.0.0.1', true),
      pod('nr', '10.0.0.3', false),
      pod('noip', undefined, true),
      pod('done', '10.0.0.4', true, {}, 'Succeeded'),
      pod('gone', '10.0.0.5', true, { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    ];
    const ep = desiredEndpoints(svc([{ name: 'http', port: 80, targetPort: 'http' }]), pods);
    expect(ep.metadata?.labels).toEqual({ app: 'web' });
    expect(ep.subsets).toEqual([
      {
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
        addresses: [
          { ip: '10.0.0.1', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
          { ip: '10.0.0.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
        ],
        notReadyAddresses: [
          { ip: '10.0.0.3', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'nr', uid: 'uid-nr' } },
        ],
      },
    ]);
  });
  it('drops pods lacking a named port; publishNotReadyAddresses makes all ready', () => {
    const other: Pod = { ...pod('x', '10.0.0.9', false), spec: { containers: [{ name: 'c' }] } };
    const ep = desiredEndpoints(svc([{ port: 80, targetPort: 'http' }], { publishNotReadyAddresses: true }), [
      pod('a', '10.0.0.1', false),
      other,
    ]);
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0].addresses!.map((a) => a.ip)).toEqual(['10.0.0.1']);
    expect(ep.subsets![0].notReadyAddresses).toBeUndefined();
  });
  it('no pods → no subsets; headless label', () => {
    const ep = desiredEndpoints(svc([{ port: 80 }], { clusterIP: 'None' }), []);
    expect(ep.subsets).toEqual([]);
    expect(ep.metadata?.labels?.['service.kubernetes.io/headless']).toBe('');
  });
});

describe('desiredSlices', () => {
  it('one slice per port set with conditions, terminating pods included', () => {
    const pods = [pod('a', '10.0.0.1', true), pod('nr', '10.0.0.3', false), pod('t', '10.0.0.5', true, { deletionTimestamp: 'x' })];
    const s = desiredSlices(svc([{ name: 'http', port: 80, targetPort: 'http' }]), pods);
    expect(s).toHaveLength(1);
    expect(s[0].ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s[0].endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.1', { ready: true, serving: true, terminating: false }],
      ['10.0.0.3', { ready: false, serving: false, terminating: false }],
      ['10.0.0.5', { ready: false, serving: true, terminating: true }],
    ]);
  });
  it('chunks at maxEndpoints', () => {
    const pods = Array.from({ length: 5 }, (_, i) => pod(`p${i}`, `10.0.0.${i + 1}`, true));
    expect(desiredSlices(svc([{ port: 80 }]), pods, 2).map((s) => s.endpoints.length)).toEqual([2, 2, 1]);
  });
});
