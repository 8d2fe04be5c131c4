// Property: whatever Services, EndpointSlices, Endpoints and Nodes kube-proxy is handed (valid ones with
// hostile values at random paths, as a value stored before validation or written behind the apiserver's back
// would be), the rules and routes it writes hold only values that parse: every address and port in the
// iptables-restore text is a canonical IPv4 address / a port, no line carries anything injected, the sync
// never throws, and a bad object is dropped (reported) while the others are still programmed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIP, isPortNumber, parseCIDR, parseIP, type core, type discovery } from '@minik8s/shared';
import { fuzzRuns, mutate, mutation } from '../../testing/fuzz';
import { buildServicePorts, groupSlices } from '../src/model';
import { generateRules, renderPayload } from '../src/rules';
import { desiredPodRoutes, routeCommands } from '../src/podnet';
import type { Dropped } from '../src/checks';
import { service, slice } from './fixtures';

const cfg = { clusterCIDR: '10.244.0.0/16', nodePortAddresses: [] };

const goodService = (name: string): core.Service =>
  service('ns', name, {
    clusterIP: '10.96.0.10',
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 }],
    type: 'NodePort',
    externalIPs: ['192.0.2.10'],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
  });
const goodSlice = (name: string) => slice('ns', name, [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.5', node: 'n1' }, { ip: '10.244.2.6' }]);
const goodEndpoints = (name: string): core.Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'ns', name }, subsets: [{ addresses: [{ ip: '10.244.3.7' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] });
const goodNode = (name: string, i: number): core.Node => ({ metadata: { name }, spec: { podCIDR: `10.244.${i}.0/24` }, status: { addresses: [{ type: 'InternalIP', address: `192.168.0.${i}` }] } });

/** Every value-carrying argument of an iptables-restore line parses (addresses canonical, ports in range). */
function checkLine(line: string): void {
  expect(line, 'no control characters').toMatch(/^[\x20-\x7e]*$/);
  const tokens = line.split(' ');
  tokens.forEach((t, i) => {
    const arg = tokens[i + 1];
    if (arg === undefined) return;
    if (t === '-d' || t === '-s') {
      const [addr] = arg.split('/');
      const ip = parseIP(addr);
      expect(ip && formatIP(ip), `${t} ${arg} in ${line}`).toBe(addr);
      if (arg.includes('/')) expect(parseCIDR(arg) ?? parseIP(addr), line).toBeDefined();
    }
    if (t === '--dport') expect(isPortNumber(Number(arg)), line).toBe(true);
    if (t === '--to-destination') {
      const [addr, port] = arg.split(':');
      expect(formatIP(parseIP(addr)!), line).toBe(addr);
      expect(isPortNumber(Number(port)), line).toBe(true);
    }
    if (t === '--seconds') expect(Number(arg) > 0 && Number(arg) <= 86400, line).toBe(true);
  });
}

describe('kube-proxy never writes a value that did not parse', () => {
  it('iptables rules from hostile Services, EndpointSlices and Endpoints', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('service', 'slice', 'endpoints'), fc.array(mutation, { minLength: 1, maxLength: 3 })), { maxLength: 4 }), (bad) => {
        const names = ['a', 'b', 'c', 'd'];
        const services = names.map(goodService);
        const slices: discovery.EndpointSlice[] = names.slice(0, 2).map(goodSlice);
        const endpoints = new Map(names.slice(2).map((n) => [`ns/${n}`, goodEndpoints(n)]));
        bad.forEach(([what, muts], i) => {
          const n = names[i % names.length];
          if (what === 'service') services[i % names.length] = mutate(goodService(n), muts);
          else if (what === 'slice' && i % names.length < 2) slices[i % names.length] = mutate(goodSlice(n), muts);
          else if (endpoints.has(`ns/${n}`)) endpoints.set(`ns/${n}`, mutate(goodEndpoints(n), muts));
        });
        const drops: Dropped[] = [];
        const ports = buildServicePorts(services, { slices: groupSlices(slices), endpoints }, (d) => drops.push(d));
        const payload = renderPayload(generateRules(ports, cfg));
        for (const line of payload.split('\n')) checkLine(line);
        // the untouched Services are still programmed
        const touched = new Set(bad.map((_b, i) => names[i % names.length]));
        for (const n of names) if (!touched.has(n)) expect(ports.some((p) => p.name === n), `service ${n}`).toBe(true);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('pod routes from hostile Nodes: `ip route` arguments only from parsed CIDRs and addresses', { timeout: 300_000 }, () => {
    fc.assert(
      fc.property(fc.array(fc.array(mutation, { minLength: 1, maxLength: 3 }), { maxLength: 3 }), (bad) => {
        const nodes = [1, 2, 3, 4].map((i) => goodNode(`n${i}`, i));
        bad.forEach((muts, i) => (nodes[i] = mutate(nodes[i], muts)));
        const drops: Dropped[] = [];
        const routes = desiredPodRoutes(nodes, 'self', (d) => drops.push(d));
        for (const cmd of routeCommands([], routes)) {
          expect(cmd.slice(0, 3)).toEqual(['ip', 'route', 'replace']);
          const c = parseCIDR(cmd[3]);
          expect(c && `${formatIP(c.ip)}/${c.prefix}`, cmd.join(' ')).toBe(cmd[3]);
          expect(formatIP(parseIP(cmd[5])!), cmd.join(' ')).toBe(cmd[5]);
        }
        // an unmutated node keeps its route
        if (bad.length < 4) expect(routes.some((r) => r.cidr === '10.244.4.0/24')).toBe(true);
      }),
      { numRuns: fuzzRuns(300) },
    );
  });

  it('the issue: a podCIDR of "default" never becomes `ip route replace default`, an address with a newline never reaches the rules', () => {
    const drops: Dropped[] = [];
    const routes = desiredPodRoutes([{ ...goodNode('evil', 9), spec: { podCIDR: 'default' } }, goodNode('ok', 2)], 'self', (d) => drops.push(d));
    expect(routes).toEqual([{ cidr: '10.244.2.0/24', via: '192.168.0.2' }]);
    expect(drops).toMatchObject([{ kind: 'Node', name: 'evil', reason: 'spec.podCIDR "default" is not an IPv4 CIDR' }]);
    const evil = goodSlice('a');
    evil.endpoints[0].addresses = ['10.0.0.1\n-A KUBE-SERVICES -j ACCEPT'];
    const ports = buildServicePorts([goodService('a'), goodService('b')], { slices: groupSlices([evil, goodSlice('b')]), endpoints: new Map() }, (d) => drops.push(d));
    const payload = renderPayload(generateRules(ports, cfg));
    expect(payload.split('\n')).not.toContain('-A KUBE-SERVICES -j ACCEPT');
    expect(payload).toContain('10.244.2.6');
    expect(drops[1]).toMatchObject({ kind: 'EndpointSlice', reason: 'endpoints[0].addresses[0] "10.0.0.1\\n-A KUBE-SERVICES -j ACCEPT" is not an IPv4 address' });
  });
});
