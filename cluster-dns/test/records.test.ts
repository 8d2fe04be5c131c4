import { describe, expect, it } from 'vitest';
import * as dnsPacket from 'dns-packet';
import type { core, discovery } from '@minik8s/shared';
import { answer, buildIndex, DEFAULT_CONFIG } from '../src/records';
import { respond } from '../src/server';

const svc = (ns: string, name: string, spec: core.ServiceSpec): core.Service => ({ metadata: { namespace: ns, name }, spec });
const slice = (ns: string, svcName: string, ports: discovery.EndpointPort[], eps: discovery.Endpoint[]): discovery.EndpointSlice => ({
  metadata: { namespace: ns, name: `${svcName}-x`, labels: { 'kubernetes.io/service-name': svcName } },
  addressType: 'IPv4',
  ports,
  endpoints: eps,
});

const index = buildIndex(
  [
    svc('default', 'web', { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { port: 8443 }] }),
    svc('kube-system', 'kube-dns', {
      clusterIP: '10.96.0.10',
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP' },
        { name: 'dns-tcp', port: 53, protocol: 'TCP' },
      ],
    }),
    svc('default', 'db', { clusterIP: 'None', ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] }),
    svc('default', 'empty', { clusterIP: 'None', ports: [{ name: 'x', port: 1 }] }),
    svc('default', 'ext', { type: 'ExternalName', externalName: 'db.example.test' }),
  ],
  [
    slice(
      'default',
      'db',
      [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      [
        { addresses: ['10.244.1.7'], hostname: 'db-0', conditions: { ready: true } },
        { addresses: ['10.244.2.3'], conditions: { ready: true } },
        { addresses: ['10.244.2.9'], conditions: { ready: false } },
      ],
    ),
  ],
  [],
);

const A = (name: string, ip: string) => ({ name, type: 'A', ttl: 5, data: ip });
const SOA = {
  name: 'cluster.local',
  type: 'SOA',
  ttl: 5,
  data: {
    mname: 'ns.dns.cluster.local',
    rname: 'hostmaster.cluster.local',
    serial: 1,
    refresh: 7200,
    retry: 1800,
    expire: 86400,
    minimum: 5,
  },
};
const nx = { rcode: 'NXDOMAIN', aa: true, answers: [], authorities: [SOA], additionals: [] };
const nodata = { rcode: 'NOERROR', aa: true, answers: [], authorities: [SOA], additionals: [] };

describe('answer', () => {
  it.each([
    [
      'ClusterIP Service A',
      'web.default.svc.cluster.local',
      'A',
      { rcode: 'NOERROR', aa: true, answers: [A('web.default.svc.cluster.local', '10.96.0.50')], authorities: [], additionals: [] },
    ],
    [
      'case-insensitive, trailing dot',
      'WEB.Default.svc.cluster.local.',
      'A',
      { rcode: 'NOERROR', aa: true, answers: [A('web.default.svc.cluster.local', '10.96.0.50')], authorities: [], additionals: [] },
    ],
    ['AAAA for an IPv4 Service: NODATA', 'web.default.svc.cluster.local', 'AAAA', nodata],
    [
      'headless: ready pod IPs',
      'db.default.svc.cluster.local',
      'A',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [A('db.default.svc.cluster.local', '10.244.1.7'), A('db.default.svc.cluster.local', '10.244.2.3')],
        authorities: [],
        additionals: [],
      },
    ],
    [
      'headless endpoint by hostname',
      'db-0.db.default.svc.cluster.local',
      'A',
      { rcode: 'NOERROR', aa: true, answers: [A('db-0.db.default.svc.cluster.local', '10.244.1.7')], authorities: [], additionals: [] },
    ],
    [
      'headless endpoint by dashed IP',
      '10-244-2-3.db.default.svc.cluster.local',
      'A',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [A('10-244-2-3.db.default.svc.cluster.local', '10.244.2.3')],
        authorities: [],
        additionals: [],
      },
    ],
    ['headless without endpoints', 'empty.default.svc.cluster.local', 'A', nx],
    [
      'SRV for a named port',
      '_http._tcp.web.default.svc.cluster.local',
      'SRV',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [
          {
            name: '_http._tcp.web.default.svc.cluster.local',
            type: 'SRV',
            ttl: 5,
            data: { priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' },
          },
        ],
        authorities: [],
        additionals: [A('web.default.svc.cluster.local', '10.96.0.50')],
      },
    ],
    [
      'SRV for a UDP port',
      '_dns._udp.kube-dns.kube-system.svc.cluster.local',
      'SRV',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [
          {
            name: '_dns._udp.kube-dns.kube-system.svc.cluster.local',
            type: 'SRV',
            ttl: 5,
            data: { priority: 0, weight: 100, port: 53, target: 'kube-dns.kube-system.svc.cluster.local' },
          },
        ],
        authorities: [],
        additionals: [A('kube-dns.kube-system.svc.cluster.local', '10.96.0.10')],
      },
    ],
    [
      'SRV on a headless Service: one per endpoint',
      '_pg._tcp.db.default.svc.cluster.local',
      'SRV',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [
          {
            name: '_pg._tcp.db.default.svc.cluster.local',
            type: 'SRV',
            ttl: 5,
            data: { priority: 0, weight: 50, port: 5432, target: 'db-0.db.default.svc.cluster.local' },
          },
          {
            name: '_pg._tcp.db.default.svc.cluster.local',
            type: 'SRV',
            ttl: 5,
            data: { priority: 0, weight: 50, port: 5432, target: '10-244-2-3.db.default.svc.cluster.local' },
          },
        ],
        authorities: [],
        additionals: [A('db-0.db.default.svc.cluster.local', '10.244.1.7'), A('10-244-2-3.db.default.svc.cluster.local', '10.244.2.3')],
      },
    ],
    ['SRV for a port of the wrong protocol', '_http._udp.web.default.svc.cluster.local', 'SRV', nx],
    ['SRV for an unknown port', '_nope._tcp.web.default.svc.cluster.local', 'SRV', nx],
    [
      'ExternalName: CNAME',
      'ext.default.svc.cluster.local',
      'A',
      {
        rcode: 'NOERROR',
        aa: true,
        answers: [{ name: 'ext.default.svc.cluster.local', type: 'CNAME', ttl: 5, data: 'db.example.test' }],
        authorities: [],
        additionals: [],
      },
    ],
    [
      'pod A record',
      '10-244-1-7.default.pod.cluster.local',
      'A',
      { rcode: 'NOERROR', aa: true, answers: [A('10-244-1-7.default.pod.cluster.local', '10.244.1.7')], authorities: [], additionals: [] },
    ],
    ['pod name that is not an IP', '10-244-1-999.default.pod.cluster.local', 'A', nx],
    ['unknown service', 'nope.default.svc.cluster.local', 'A', nx],
    ['unknown namespace', 'web.nope.svc.cluster.local', 'A', nx],
    ['search-path miss (ndots:5)', 'web.default.svc.cluster.local.default.svc.cluster.local', 'A', nx],
    ['namespace name: empty non-terminal', 'default.svc.cluster.local', 'A', nodata],
    ['unknown subdomain', 'foo.cluster.local', 'A', nx],
    ['zone apex SOA', 'cluster.local', 'SOA', { rcode: 'NOERROR', aa: true, answers: [SOA], authorities: [], additionals: [] }],
    [
      'outside the cluster domain: refused, never forwarded',
      'example.com',
      'A',
      { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] },
    ],
    [
      'suffix trick is not the domain',
      'evilcluster.local',
      'A',
      { rcode: 'REFUSED', aa: false, answers: [], authorities: [], additionals: [] },
    ],
  ])('%s', (_, name, type, want) => {
    expect(answer(name, type, index, DEFAULT_CONFIG)).toEqual(want);
  });

  it('custom cluster domain', () => {
    expect(answer('web.default.svc.k8s.test', 'A', index, { domain: 'k8s.test', ttl: 30 }).answers).toEqual([
      { name: 'web.default.svc.k8s.test', type: 'A', ttl: 30, data: '10.96.0.50' },
    ]);
    expect(answer('web.default.svc.cluster.local', 'A', index, { domain: 'k8s.test', ttl: 30 }).rcode).toBe('REFUSED');
  });
});

describe('respond (wire format)', () => {
  const query = (name: string, type: string, id = 42) =>
    dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', class: 'IN', name }] });

  it('encodes an authoritative answer with the query id', () => {
    const r = dnsPacket.decode(respond(query('web.default.svc.cluster.local', 'A'), index, DEFAULT_CONFIG).buf);
    expect(r.id).toBe(42);
    expect(r.flag_aa).toBe(true);
    expect(r.flag_rd).toBe(true);
    expect(r.flag_ra).toBe(false);
    expect((r as { rcode?: string }).rcode).toBe('NOERROR');
    expect(r.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.96.0.50']);
  });

  it('NXDOMAIN carries the SOA in the authority section', () => {
    const r = dnsPacket.decode(respond(query('nope.default.svc.cluster.local', 'A'), index, DEFAULT_CONFIG).buf);
    expect((r as { rcode?: string }).rcode).toBe('NXDOMAIN');
    expect(r.authorities?.[0].type).toBe('SOA');
  });

  it('REFUSED outside the cluster domain', () => {
    const r = dnsPacket.decode(respond(query('example.com', 'A'), index, DEFAULT_CONFIG).buf);
    expect((r as { rcode?: string }).rcode).toBe('REFUSED');
  });

  it('garbage gets FORMERR with the id kept', () => {
    const r = dnsPacket.decode(respond(Buffer.from([0, 7, 1, 2, 3]), index, DEFAULT_CONFIG).buf);
    expect(r.id).toBe(7);
    expect((r as { rcode?: string }).rcode).toBe('FORMERR');
  });

  it('sets TC when the UDP answer does not fit', () => {
    const big = buildIndex(
      [svc('default', 'big', { clusterIP: 'None', ports: [{ name: 'p', port: 1 }] })],
      [
        slice(
          'default',
          'big',
          [{ name: 'p', port: 1 }],
          Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.3.${i + 1}`] })),
        ),
      ],
      [],
    );
    const r = dnsPacket.decode(respond(query('big.default.svc.cluster.local', 'A'), big, DEFAULT_CONFIG, 512).buf);
    expect(r.flag_tc).toBe(true);
    const full = dnsPacket.decode(respond(query('big.default.svc.cluster.local', 'A'), big, DEFAULT_CONFIG).buf);
    expect(full.answers).toHaveLength(60);
  });
});
