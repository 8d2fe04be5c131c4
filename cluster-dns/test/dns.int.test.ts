// The cluster-dns process against a real apiserver, answering real queries over UDP and TCP on loopback.
import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, R, type core, type discovery, type KubeObject } from '@minik8s/shared';
import {
  applyManifestRbac,
  freePort,
  startApiserver,
  startComponent,
  stopAll,
  waitFor,
  serviceAccountKubeconfig,
} from '../../testing/procs';

type Res = dnsPacket.DecodedPacket & { rcode?: string };
let api: ApiClient;
let port = 0;
let health = 0;

function udpQuery(name: string, type: string): Promise<Res> {
  return new Promise((ok, fail) => {
    const sock = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const timer = setTimeout(() => {
      sock.close();
      fail(new Error(`no UDP answer for ${name}`));
    }, 3000);
    sock.on('message', (m) => {
      clearTimeout(timer);
      sock.close();
      const r = dnsPacket.decode(m) as Res;
      if (r.id !== id) fail(new Error('id mismatch'));
      else ok(r);
    });
    sock.send(
      dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }] }),
      port,
      '127.0.0.1',
    );
  });
}

function tcpQuery(name: string, type: string): Promise<Res> {
  return new Promise((ok, fail) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    sock.setTimeout(3000, () => {
      sock.destroy();
      fail(new Error('TCP timeout'));
    });
    sock.on('error', fail);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        ok(dnsPacket.streamDecode(buf) as Res);
      }
    });
    sock.write(dnsPacket.streamEncode({ type: 'query', id: 7, questions: [{ name, type: type as 'A', class: 'IN' }] }));
  });
}

const data = (r: Res) => (r.answers ?? []).map((a) => (a as { data: unknown }).data);

beforeAll(async () => {
  const apiserver = await startApiserver();
  api = new ApiClient(apiserver.admin);
  await applyManifestRbac(apiserver.url, 'cluster-dns/manifests/cluster-dns.yaml');
  port = await freePort();
  health = await freePort();
  await startComponent(
    'cluster-dns',
    [
      '--kubeconfig',
      await serviceAccountKubeconfig(apiserver.url, 'kube-system', 'cluster-dns'),
      '--bind-address',
      '127.0.0.1',
      '--port',
      String(port),
      '--health-port',
      String(health),
    ],
    `http://127.0.0.1:${health}/readyz`,
  );
});

afterAll(stopAll);

describe('cluster-dns against the apiserver', () => {
  it('answers A for a ClusterIP Service created through the API, over UDP and TCP', async () => {
    const svc = await api.resource<core.Service & KubeObject>(R.services).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    const ip = svc.spec!.clusterIP!;
    const r = await waitFor(
      'A record for web',
      async () => {
        const res = await udpQuery('web.default.svc.cluster.local', 'A');
        return data(res).length ? res : undefined;
      },
      20_000,
      100,
    );
    expect(r.rcode).toBe('NOERROR');
    expect(r.flag_aa).toBe(true);
    expect(data(r)).toEqual([ip]);
    expect(data(await tcpQuery('web.default.svc.cluster.local', 'A'))).toEqual([ip]);
    const srv = await udpQuery('_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(data(srv)).toEqual([{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    // the apiserver's own Service
    expect(data(await udpQuery('kubernetes.default.svc.cluster.local', 'A'))).toEqual(['10.96.0.1']);
  });

  it('answers a headless Service with the ready pod IPs from its EndpointSlice', async () => {
    await api.resource<core.Service & KubeObject>(R.services).create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: 'default' },
      spec: { clusterIP: 'None', selector: { app: 'db' }, ports: [{ name: 'pg', port: 5432 }] },
    });
    await api.resource<discovery.EndpointSlice & KubeObject>(R.endpointslices).create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'db-x1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'db' } },
      addressType: 'IPv4',
      ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['10.244.1.7'], conditions: { ready: true } },
        { addresses: ['10.244.2.3'], conditions: { ready: true } },
        { addresses: ['10.244.2.4'], conditions: { ready: false } },
      ],
    });
    const r = await waitFor(
      'headless answer',
      async () => {
        const res = await udpQuery('db.default.svc.cluster.local', 'A');
        return data(res).length === 2 ? res : undefined;
      },
      20_000,
      100,
    );
    expect(data(r)).toEqual(['10.244.1.7', '10.244.2.3']);
  });

  it('NXDOMAIN with SOA for unknown names, pod records, REFUSED outside the domain, and a deleted Service goes away', async () => {
    const nx = await udpQuery('nope.default.svc.cluster.local', 'A');
    expect(nx.rcode).toBe('NXDOMAIN');
    expect(nx.authorities?.[0]?.type).toBe('SOA');
    expect(data(await udpQuery('10-244-1-7.default.pod.cluster.local', 'A'))).toEqual(['10.244.1.7']);
    expect((await udpQuery('example.com', 'A')).rcode).toBe('REFUSED');
    await api.resource<core.Service & KubeObject>(R.services).delete('web', { namespace: 'default' });
    await waitFor('web gone', async () => (await udpQuery('web.default.svc.cluster.local', 'A')).rcode === 'NXDOMAIN', 20_000, 100);
    const metrics = await (await fetch(`http://127.0.0.1:${health}/metrics`)).text();
    expect(metrics).toMatch(/coredns_dns_responses_total\{rcode="NXDOMAIN",proto="udp"\} [1-9]/);
  });
});
