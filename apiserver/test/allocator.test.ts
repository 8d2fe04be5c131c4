import { describe, expect, it } from 'vitest';
import { Bitmap, IpRange, parsePortRange, ipToInt, intToIp } from '../src/kinds/core/service/bitmap';
import { planAllocations, type AllocState } from '../src/kinds/core/service/allocator';

const state = (cidr = '10.96.0.0/28', ports: [number, number] = [30000, 30009]): AllocState => {
  const ipRange = new IpRange(cidr);
  return { ipRange, portRange: ports, ips: new Bitmap(ipRange.size), ports: new Bitmap(ports[1] - ports[0] + 1) };
};
const svc = (spec: Record<string, unknown>) => ({ metadata: { name: 's' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }], ...spec } }) as any;

describe('bitmap and ranges', () => {
  it('round-trips through its compact serialization', () => {
    const b = new Bitmap(1 << 20);
    b.set(1);
    b.set(777_777);
    const raw = b.serialize('10.96.0.0/12');
    expect(raw.length).toBeLessThan(2000);
    const back = Bitmap.parse(1 << 20, '10.96.0.0/12', raw);
    expect(back.has(1) && back.has(777_777) && !back.has(2)).toBe(true);
    expect(back.count()).toBe(2);
    expect(Bitmap.parse(1 << 20, '10.0.0.0/12', raw).count()).toBe(0);
  });

  it('finds free offsets, wrapping around', () => {
    const b = new Bitmap(16);
    for (let i = 0; i < 16; i++) if (i !== 3) b.set(i);
    expect(b.findFree(1, 14, 10)).toBe(3);
    b.set(3);
    expect(b.findFree(1, 14)).toBeUndefined();
  });

  it('maps IPs and offsets of a CIDR', () => {
    const r = new IpRange('10.96.0.0/12');
    expect(r.size).toBe(1 << 20);
    expect(r.ip(1)).toBe('10.96.0.1');
    expect(r.offset('10.96.0.10')).toBe(10);
    expect(r.offset('10.111.255.254')).toBe(r.last);
    expect(r.offset('10.111.255.255')).toBeUndefined();
    expect(r.offset('10.95.0.1')).toBeUndefined();
    expect(r.offset('nope')).toBeUndefined();
    expect(new IpRange('192.168.7.9/24').ip(1)).toBe('192.168.7.1');
    expect(intToIp(ipToInt('200.1.2.3'))).toBe('200.1.2.3');
    expect(() => new IpRange('fd00::/108')).toThrow(/IPv4/);
    expect(parsePortRange('30000-32767')).toEqual([30000, 32767]);
    expect(() => parsePortRange('5-1')).toThrow();
  });
});

describe('planAllocations', () => {
  it('allocates distinct IPs until the range is full', () => {
    const st = state('10.96.0.0/29');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const s = svc({});
      expect(planAllocations(s, undefined, st).causes).toEqual([]);
      seen.add(s.spec.clusterIP);
      expect(s.spec.clusterIPs).toEqual([s.spec.clusterIP]);
    }
    expect(seen.size).toBe(6);
    expect(planAllocations(svc({}), undefined, st).causes[0].field).toBe('spec.clusterIPs');
  });

  it('rejects a requested IP that is taken or out of range, naming spec.clusterIPs', () => {
    const st = state();
    expect(planAllocations(svc({ clusterIP: '10.96.0.5' }), undefined, st).causes).toEqual([]);
    const taken = planAllocations(svc({ clusterIP: '10.96.0.5' }), undefined, st).causes;
    expect(taken[0]).toMatchObject({ field: 'spec.clusterIPs', reason: 'FieldValueInvalid' });
    expect(taken[0].message).toContain('provided IP is already allocated');
    expect(planAllocations(svc({ clusterIP: '10.1.0.5' }), undefined, st).causes[0].message).toContain('not in the valid range');
  });

  it('allocates, rejects and releases node ports', () => {
    const st = state();
    const a = svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30005 }] });
    expect(planAllocations(a, undefined, st).causes).toEqual([]);
    expect(a.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(a.spec.ports[0].nodePort).not.toBe(30005);
    const clash = planAllocations(svc({ type: 'NodePort', clusterIP: 'None', ports: [{ port: 1, nodePort: 30005 }] }), undefined, st).causes;
    expect(clash).toEqual([expect.objectContaining({ field: 'spec.ports[0].nodePort', message: 'Invalid value: 30005: provided port is already allocated' })]);
    // update to ClusterIP releases both node ports and strips them
    const b = structuredClone(a);
    b.spec.type = 'ClusterIP';
    for (const p of b.spec.ports) delete p.nodePort;
    const res = planAllocations(b, a, st);
    expect(res.portsChanged).toBe(true);
    expect(st.ports.count()).toBe(0);
    // delete releases the IP
    expect(planAllocations(undefined, b, st).ipsChanged).toBe(true);
    expect(st.ips.count()).toBe(0);
  });

  it('reserves requested node ports before picking random ones for the other ports', () => {
    for (let run = 0; run < 20; run++) {
      const st = state('10.96.0.0/28', [30000, 30001]);
      const s = svc({ type: 'NodePort', ports: [{ port: 80 }, { port: 81, nodePort: 30000 }] });
      expect(planAllocations(s, undefined, st).causes).toEqual([]);
      expect(s.spec.ports.map((p: { nodePort: number }) => p.nodePort)).toEqual([30001, 30000]);
    }
  });

  it('leaves headless and ExternalName services without an IP', () => {
    const st = state();
    const h = svc({ clusterIP: 'None' });
    planAllocations(h, undefined, st);
    expect(h.spec.clusterIPs).toEqual(['None']);
    expect(st.ips.count()).toBe(0);
  });
});
