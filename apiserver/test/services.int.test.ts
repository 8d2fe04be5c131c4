// ClusterIP / NodePort allocation on real etcd: concurrency, conflicts, release.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiserver, stopAll, waitFor, type Apiserver } from '../../testing/procs';
import { call } from './helpers';

let api: Apiserver;
let U: string;
const S = '/api/v1/namespaces/default/services';
const svc = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

beforeAll(async () => {
  api = await startApiserver(['--service-cluster-ip-range', '10.96.0.0/16', '--service-node-port-range', '30000-30999']);
  U = api.url;
  await waitFor('kubernetes service', async () => (await call(U, 'GET', `${S}/kubernetes`)).code === 200);
});
afterAll(stopAll);

describe('service allocation', () => {
  it('gives 100 concurrent creates 100 distinct ClusterIPs and NodePorts', async () => {
    const res = await Promise.all(Array.from({ length: 100 }, (_, i) => call(U, 'POST', S, svc(`c-${i}`, { type: 'NodePort' }))));
    expect(res.map((r) => r.code)).toEqual(Array(100).fill(201));
    const list = (await call(U, 'GET', S)).body.items.filter((s: any) => s.metadata.name.startsWith('c-'));
    expect(list).toHaveLength(100);
    const ips = list.map((s: any) => s.spec.clusterIP);
    const ports = list.map((s: any) => s.spec.ports[0].nodePort);
    expect(new Set(ips).size).toBe(100);
    expect(new Set(ports).size).toBe(100);
    expect(ips).not.toContain('10.96.0.1');
    for (const ip of ips) expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
    for (const p of ports) expect(p >= 30000 && p <= 30999).toBe(true);
    for (const s of list) expect(s.spec.clusterIPs).toEqual([s.spec.clusterIP]);
    // Release them: the fixed IPs and ports the next tests ask for must not be taken by a random pick.
    const del = await Promise.all(list.map((s: any) => call(U, 'DELETE', `${S}/${s.metadata.name}`)));
    expect(del.map((r) => r.code)).toEqual(Array(100).fill(200));
  });

  it('rejects a requested IP or node port that is taken or out of range with 422 naming the field', async () => {
    const a = await call(
      U,
      'POST',
      S,
      svc('fixed', { type: 'NodePort', clusterIP: '10.96.200.7', ports: [{ port: 80, nodePort: 30777 }] }),
    );
    expect(a.code).toBe(201);
    expect(a.body.spec.clusterIP).toBe('10.96.200.7');
    const ipTaken = await call(U, 'POST', S, svc('ip-taken', { clusterIP: '10.96.200.7' }));
    expect(ipTaken.body).toMatchObject({ code: 422, reason: 'Invalid' });
    expect(ipTaken.body.details.causes[0]).toMatchObject({ field: 'spec.clusterIPs' });
    expect(ipTaken.body.message).toContain('provided IP is already allocated');
    const outside = await call(U, 'POST', S, svc('ip-out', { clusterIP: '10.200.0.1' }));
    expect(outside.body.details.causes[0].field).toBe('spec.clusterIPs');
    const portTaken = await call(U, 'POST', S, svc('port-taken', { type: 'NodePort', ports: [{ port: 81, nodePort: 30777 }] }));
    expect(portTaken.body.details.causes[0]).toMatchObject({
      field: 'spec.ports[0].nodePort',
      message: 'Invalid value: 30777: provided port is already allocated',
    });
    const portOut = await call(U, 'POST', S, svc('port-out', { type: 'NodePort', ports: [{ port: 81, nodePort: 31500 }] }));
    expect(portOut.body.details.causes[0].field).toBe('spec.ports[0].nodePort');
    // nothing half-written: the failed services do not exist and hold nothing
    for (const n of ['ip-taken', 'ip-out', 'port-taken', 'port-out']) expect((await call(U, 'GET', `${S}/${n}`)).code).toBe(404);
  });

  it('releases IPs and node ports on delete and on type change', async () => {
    expect(
      (await call(U, 'POST', S, svc('rel', { type: 'NodePort', clusterIP: '10.96.201.1', ports: [{ port: 80, nodePort: 30801 }] }))).code,
    ).toBe(201);
    // NodePort → ClusterIP releases the node port
    const cur = (await call(U, 'GET', `${S}/rel`)).body;
    const upd = await call(U, 'PUT', `${S}/rel`, {
      ...cur,
      spec: { ...cur.spec, type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    });
    expect(upd.code).toBe(200);
    expect(upd.body.spec.ports[0].nodePort).toBeUndefined();
    expect(upd.body.spec.clusterIP).toBe('10.96.201.1');
    expect((await call(U, 'POST', S, svc('reuse-port', { type: 'NodePort', ports: [{ port: 80, nodePort: 30801 }] }))).code).toBe(201);
    // clusterIP is immutable
    const imm = await call(U, 'PUT', `${S}/rel`, {
      ...upd.body,
      spec: { ...upd.body.spec, clusterIP: '10.96.201.2', clusterIPs: ['10.96.201.2'] },
    });
    expect(imm.body.code).toBe(422);
    // delete releases the IP
    expect((await call(U, 'DELETE', `${S}/rel`)).code).toBe(200);
    expect((await call(U, 'POST', S, svc('reuse-ip', { clusterIP: '10.96.201.1' }))).code).toBe(201);
  });

  it('keeps allocated values across an update that omits them, and serves headless services', async () => {
    const c = (await call(U, 'POST', S, svc('keep', { type: 'NodePort' }))).body;
    const u = await call(U, 'PUT', `${S}/keep`, {
      metadata: { name: 'keep', labels: { a: 'b' } },
      spec: { type: 'NodePort', selector: { app: 'keep' }, ports: [{ port: 80 }] },
    });
    expect(u.body.spec.clusterIP).toBe(c.spec.clusterIP);
    expect(u.body.spec.ports[0].nodePort).toBe(c.spec.ports[0].nodePort);
    const h = await call(U, 'POST', S, svc('headless', { clusterIP: 'None' }));
    expect(h.body.spec.clusterIPs).toEqual(['None']);
    expect((await call(U, 'POST', S, svc('keep'))).body.reason).toBe('AlreadyExists');
  });
});
