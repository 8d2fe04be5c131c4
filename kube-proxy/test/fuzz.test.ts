// Property: whatever Services, EndpointSlices, Endpoints and Nodes kube-proxy is handed (valid ones with
// hostile values at random paths, as a value stored before validation or written behind the apiserver's back
// would be), the rules and routes it writes hold only values that parse, in BOTH proxy modes: they share one
// parsing path (shared/src/proxy/checks.ts → buildServicePorts), and every address, port, protocol, timeout
// and comment in the iptables-restore payload and in the nft text (full and partial) is checked here token
// by token; no line carries a control character; the build never throws; a bad object is dropped (reported)
// while the untouched ones are still programmed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildServicePorts, formatIP, groupSlices, isPortNumber, parseCIDR, parseIP, SERVICE_IPS,
  type core, type discovery, type Dropped, type ServicePort,
} from '@minik8s/shared';
import { fuzzRuns, mutate, mutation } from '../../testing/fuzz';
import { generateRules, renderPayload, type ProxyConfig } from '../src/rules';
import { generateNftRules, NftModel, renderFull, renderPartial } from '../src/nft-rules';
import { desiredPodRoutes, routeCommands } from '../src/podnet';
import { service, slice } from './fixtures';

const cfg: ProxyConfig = { clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
const NAMES = ['a', 'b', 'c', 'd'];

const goodService = (name: string): core.Service =>
  service('ns', name, {
    clusterIP: `10.96.0.${10 + NAMES.indexOf(name)}`,
    ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', nodePort: 30080 + NAMES.indexOf(name) }],
    type: 'NodePort',
    externalIPs: [`192.0.2.${10 + NAMES.indexOf(name)}`],
    sessionAffinity: 'ClientIP',
    sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
  });
const goodSlice = (name: string) => slice('ns', name, [{ name: 'http', port: 8080 }], [{ ip: '10.244.1.5', node: 'n1' }, { ip: '10.244.2.6' }]);
const goodEndpoints = (name: string): core.Endpoints => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: 'ns', name }, subsets: [{ addresses: [{ ip: '10.244.3.7' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }] });
const goodNode = (name: string, i: number): core.Node => ({ metadata: { name }, spec: { podCIDR: `10.244.${i}.0/24` }, status: { addresses: [{ type: 'InternalIP', address: `192.168.0.${i}` }] } });

/** A failed check (plain throws: the checks below run on every line of thousands of payloads). */
function must(ok: unknown, what: string, line: string): void {
  if (!ok) throw new Error(`${what} in ${JSON.stringify(line)}`);
}
/** A canonical IPv4 address (what parses strictly and prints back the same). */
function expectIP(s: string | undefined, line: string): void {
  const ip = s === undefined ? undefined : parseIP(s);
  must(ip?.family === 4 && formatIP(ip) === s, `address ${JSON.stringify(s)}`, line);
}
const expectPort = (s: string | undefined, line: string) => must(s !== undefined && /^[0-9]+$/.test(s) && isPortNumber(Number(s)), `port ${JSON.stringify(s)}`, line);
const expectSeconds = (s: string | undefined, line: string) => must(Number(s) > 0 && Number(s) <= 86400, `timeout ${JSON.stringify(s)}`, line);
const expectMatch = (s: string | undefined, re: RegExp, line: string) => must(s !== undefined && re.test(s), `${JSON.stringify(s)} not ${re}`, line);
/** What a rule comment may hold: a Service port name ("ns/name:port"), with one of our suffixes. */
const SPN = /^[a-z0-9-]+\/[a-z0-9-]+(:[a-z0-9-]+)?$/;

/** Every value-carrying argument of an iptables-restore line parses (addresses canonical, ports in range). */
function checkIptablesLine(line: string): void {
  must(/^[\x20-\x7e]*$/.test(line), 'a control character', line);
  const comment = /--comment (?:"([^"]*)"|(\S+))/.exec(line);
  if (comment && line.startsWith('-A KUBE-S')) {
    const text = (comment[1] ?? comment[2]).replace(/ (cluster IP|external IP|has no endpoints|-> \S+)$/, '').replace(/^masquerade traffic for (\S+) external destinations$/, '$1');
    if (!text.startsWith('kubernetes ')) expectMatch(text, SPN, line);
  }
  const tokens = line.split(' ');
  tokens.forEach((t, i) => {
    const arg = tokens[i + 1];
    if (arg === undefined) return;
    if (t === '-d' || t === '-s') {
      const [addr, prefix] = arg.split('/');
      expectIP(addr, line);
      if (prefix !== undefined) must(parseCIDR(arg), `CIDR ${arg}`, line);
    }
    if (t === '--dport') expectPort(arg, line);
    if (t === '--to-destination') {
      const [addr, port] = arg.split(':');
      expectIP(addr, line);
      expectPort(port, line);
    }
    if (t === '--seconds') expectSeconds(arg, line);
  });
}

const PROTO = '(tcp|udp|sctp)';
const PROTO_RE = new RegExp(`^${PROTO}$`);
const CHAIN = '(cluster|external|nodeport)-[0-9]+(-affinity)?|reject-chain|affinity-[0-9]+|(service|nodeport)-slot-[0-9]+';
const VERDICT = new RegExp(`^goto (${CHAIN})$`);
const CHAIN_RE = new RegExp(`^(${CHAIN})$`);

/** One element of an `add/delete element` line: key, comment and value (deletes: the key only) checked against the map's types. */
function checkNftElement(map: string, el: string, line: string, del: boolean): void {
  const m = /^(.*?)(?: comment "([^"]*)")?(?: : (.*))?$/.exec(el)!;
  const [, key, comment, value] = m;
  if (comment !== undefined) expectMatch(comment, SPN, line);
  const k = key.split(' . ');
  if (map === 'hairpin') {
    must(k.length === 2, 'key', line);
    k.forEach((ip) => expectIP(ip, line));
  } else if (/nodeport/.test(map)) {
    must(k.length === 2, 'key', line);
    expectMatch(k[0], PROTO_RE, line);
    expectPort(k[1], line);
  } else {
    must(k.length === 3, 'key', line);
    expectIP(k[0], line);
    expectMatch(k[1], PROTO_RE, line);
    expectPort(k[2], line);
  }
  if (del) must(value === undefined, 'a value', line);
  else if (/-endpoints-[0-9]+$/.test(map)) {
    const [ip, port, ...rest] = (value ?? '').split(' . ');
    must(rest.length === 0, 'a value', line);
    expectIP(ip, line);
    expectPort(port, line);
  } else if (map !== 'hairpin') {
    expectMatch(value, VERDICT, line);
    const t = /^goto affinity-([0-9]+)$/.exec(value!);
    if (t) expectSeconds(t[1], line);
  }
}

/** The rules of the chains a Service port can bring (dispatch, slot and affinity chains). */
const DYNAMIC_RULES = [
  /^jump mark-for-masquerade$/,
  /^ip saddr != 10\.244\.0\.0\/16 jump mark-for-masquerade$/,
  /^dnat ip to ip saddr \. ip daddr \. meta l4proto \. th dport map @affinity$/,
  /^goto (service|nodeport)-slot-0$/,
  /^numgen random mod ([0-9]+) vmap \{ (0 : goto (service|nodeport)-slot-0(, [0-9]+ : goto (service|nodeport)-slot-[0-9]+)*) \}$/,
  /^dnat ip to (ip daddr \. )?meta l4proto \. th dport map @(service|nodeport)-endpoints-[0-9]+$/,
  new RegExp(`^meta l4proto ${PROTO} update @affinity \\{ ct original ip saddr \\. ct original ip daddr \\. meta l4proto \\. ct original proto-dst timeout ([0-9]+)s : ip daddr \\. th dport \\}$`),
];
const EMPTY = generateNftRules([], cfg);
const FIXED = EMPTY.chains;
/** Map, set and base chain declarations: fixed text, and the slot maps' two kinds. */
const DECLS = [
  ...[...EMPTY.maps.values()].map((m) => `{ ${m.decl} }`),
  ...[...FIXED.values()].flatMap((c) => (c.hook ? [`{ ${c.hook} ; }`] : [])),
  '{ type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; }',
  '{ type inet_proto . inet_service : ipv4_addr . inet_service ; }',
  '{ comment "rules for kube-proxy" ; }',
];
const OBJECT_RE = new RegExp(`^(${CHAIN}|[a-z-]+|(service|nodeport)-endpoints-[0-9]+)$`);
const LINE = /^(add|flush|delete) (table|map|set|chain|rule|element) inet kube-proxy ?(\S*) ?(.*)$/;

/** Every line of an nft transaction has one of our shapes, and every value in it parses. */
function checkNftLine(line: string): void {
  must(/^[\x20-\x7e]*$/.test(line), 'a control character', line);
  if (line === '') return;
  const m = LINE.exec(line);
  must(m, 'not one of our line shapes', line);
  const [, verb, what, name, rest] = m!;
  if (what === 'element') {
    expectMatch(rest, /^\{ .* \}$/, line);
    for (const el of rest.slice(2, -2).split(', ')) checkNftElement(name, el, line, verb === 'delete');
  } else if (what === 'rule') {
    const fixed = FIXED.get(name);
    if (fixed) must(fixed.rules.includes(rest), 'not a fixed rule', line);
    else {
      expectMatch(name, CHAIN_RE, line);
      must(DYNAMIC_RULES.some((re) => re.test(rest)), 'not a rule of ours', line);
      const timeout = /timeout ([0-9]+)s/.exec(rest)?.[1];
      if (timeout) expectSeconds(timeout, line);
    }
  } else if (what === 'chain' || what === 'map' || what === 'set') {
    if (!FIXED.has(name)) expectMatch(name, OBJECT_RE, line);
    if (verb === 'add' && rest) must(DECLS.includes(rest), 'not a declaration of ours', line);
  }
}

/** Both modes' output for these ports: the iptables payload, the nft full text, and a partial from `before`. */
function checkBothModes(ports: ServicePort[], before: ServicePort[]): { iptables: string; nft: string } {
  const iptables = renderPayload(generateRules(ports, cfg));
  for (const line of iptables.split('\n')) checkIptablesLine(line);
  const nft = renderFull(generateNftRules(ports, cfg)).text;
  for (const line of nft.split('\n')) checkNftLine(line);
  const model = new NftModel(cfg);
  model.update(before);
  const prev = model.structure();
  const { changes } = model.update(ports);
  for (const line of renderPartial(prev, model.structure(), changes).text.split('\n')) checkNftLine(line);
  return { iptables, nft };
}

/** Hostile objects at random: which kind to mutate and how. */
const hostileObjects = fc.array(fc.tuple(fc.constantFrom('service', 'slice', 'endpoints'), fc.array(mutation, { minLength: 1, maxLength: 3 })), { maxLength: 4 });

function build(bad: [string, Parameters<typeof mutate>[1]][]) {
  const services = NAMES.map(goodService);
  const slices: discovery.EndpointSlice[] = NAMES.slice(0, 2).map(goodSlice);
  const endpoints = new Map(NAMES.slice(2).map((n) => [`ns/${n}`, goodEndpoints(n)]));
  bad.forEach(([what, muts], i) => {
    const j = i % NAMES.length;
    const n = NAMES[j];
    if (what === 'service') services[j] = mutate(goodService(n), muts);
    else if (what === 'slice' && j < 2) slices[j] = mutate(goodSlice(n), muts);
    else if (endpoints.has(`ns/${n}`)) endpoints.set(`ns/${n}`, mutate(goodEndpoints(n), muts));
  });
  const drops: Dropped[] = [];
  const ports = buildServicePorts(services, { slices: groupSlices(slices), endpoints }, (d) => drops.push(d));
  const touched = new Set(bad.map((_b, i) => NAMES[i % NAMES.length]));
  return { ports, drops, untouched: NAMES.filter((n) => !touched.has(n)) };
}

const GOOD_PORTS = build([]).ports;
/** Generous per case (a loaded machine), so that `npm run fuzz` with a large FUZZ_RUNS does not time out. */
const TIMEOUT_MS = Math.max(60_000, fuzzRuns(300) * 20);

describe('kube-proxy never writes a value that did not parse (both modes)', () => {
  it('iptables payload and nft text (full and partial) from hostile Services, EndpointSlices and Endpoints', () => {
    fc.assert(
      fc.property(hostileObjects, fc.boolean(), (bad, fromGood) => {
        const { ports, untouched } = build(bad);
        const out = checkBothModes(ports, fromGood ? GOOD_PORTS : []);
        // the untouched Services are still programmed, in both modes
        for (const n of untouched) {
          const ip = `10.96.0.${10 + NAMES.indexOf(n)}`;
          expect(ports.some((p) => p.name === n), `service ${n}`).toBe(true);
          expect(out.iptables, `service ${n} (iptables)`).toMatch(new RegExp(`-A KUBE-SERVICES .* -d ${ip.replace(/\./g, "\\.")} --dport 80 -j KUBE-SVC-`));
          expect(out.nft, `service ${n} (nftables)`).toMatch(new RegExp(`add element inet kube-proxy ${SERVICE_IPS} \\{ .*${ip.replace(/\./g, '\\.')} \\. tcp \\. 80 comment "ns/${n}:http" : goto cluster-[12]-affinity`));
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  }, TIMEOUT_MS);

  it('pod routes from hostile Nodes: `ip route` arguments only from parsed CIDRs and addresses', () => {
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
          expectIP(cmd[5], cmd.join(' '));
        }
        // an unmutated node keeps its route
        if (bad.length < 4) expect(routes.some((r) => r.cidr === '10.244.4.0/24')).toBe(true);
      }),
      { numRuns: fuzzRuns(300) },
    );
  }, TIMEOUT_MS);
});

describe("the issue's examples, in both modes", () => {
  const render = (services: core.Service[], slices: discovery.EndpointSlice[], endpoints = new Map<string, core.Endpoints>()) => {
    const drops: Dropped[] = [];
    const ports = buildServicePorts(services, { slices: groupSlices(slices), endpoints }, (d) => drops.push(d));
    return { ports, drops, ...checkBothModes(ports, []) };
  };

  it('an EndpointSlice address with a newline never reaches either mode; the slice is dropped, the other Service programmed', () => {
    const evil = goodSlice('a');
    evil.endpoints[0].addresses = ['10.0.0.1\n-A KUBE-SERVICES -j ACCEPT'];
    const out = render([goodService('a'), goodService('b')], [evil, goodSlice('b')]);
    expect(out.iptables.split('\n')).not.toContain('-A KUBE-SERVICES -j ACCEPT');
    expect(out.nft).not.toContain('KUBE-SERVICES');
    expect(out.drops).toEqual([
      expect.objectContaining({ kind: 'EndpointSlice', namespace: 'ns', name: 'a-abc', reason: 'endpoints[0].addresses[0] "10.0.0.1\\n-A KUBE-SERVICES -j ACCEPT" is not an IPv4 address' }),
    ]);
    // Service a has no endpoints left (its only slice is dropped): both modes reject it; b is served
    expect(out.iptables).toContain('"ns/a:http has no endpoints"');
    expect(out.nft).toContain('10.96.0.10 . tcp . 80 comment "ns/a:http" : goto reject-chain');
    expect(out.iptables).toContain('--to-destination 10.244.2.6:8080');
    expect(out.nft).toContain('10.96.0.11 . tcp . 80 : 10.244.1.5 . 8080');
  });

  it('an Endpoints address or an externalIP of "1.2.3.4 x" drops that object only', () => {
    const ep = goodEndpoints('c');
    ep.subsets![0].addresses!.push({ ip: '1.2.3.4 x' });
    const svc = goodService('b');
    svc.spec!.externalIPs = ['1.2.3.4 x'];
    const out = render([goodService('a'), svc, goodService('c')], [goodSlice('a')], new Map([['ns/c', ep]]));
    expect(out.drops.map((d) => [d.kind, d.name, d.reason])).toEqual([
      ['Service', 'b', 'spec.externalIPs[0] "1.2.3.4 x" is not an IPv4 address'],
      ['Endpoints', 'c', 'subsets[0].addresses[1].ip "1.2.3.4 x" is not an IPv4 address'],
    ]);
    expect(out.ports.map((p) => [p.name, p.endpoints.length])).toEqual([['a', 2], ['c', 0]]);
    for (const text of [out.iptables, out.nft]) {
      expect(text).not.toContain('1.2.3.4');
      expect(text).not.toContain('10.96.0.11'); // Service b: nothing at all
    }
  });

  it('sessionAffinityConfig timeouts out of (0, 86400] drop the Service in both modes; the default is 10800', () => {
    const timeouts: unknown[] = [0, -1, 86401, 1.5, '600', '600 --reap', 1e308];
    for (const t of timeouts) {
      const svc = goodService('a');
      svc.spec!.sessionAffinityConfig = { clientIP: { timeoutSeconds: t as number } };
      const out = render([svc, goodService('b')], [goodSlice('a'), goodSlice('b')]);
      expect(out.drops, String(t)).toMatchObject([{ kind: 'Service', name: 'a', reason: expect.stringContaining('spec.sessionAffinityConfig.clientIP.timeoutSeconds') }]);
      expect(out.ports.map((p) => p.name)).toEqual(['b']);
    }
    const svc = goodService('a');
    delete svc.spec!.sessionAffinityConfig;
    const out = render([svc], [goodSlice('a')]);
    expect(out.iptables).toContain('--seconds 10800 --reap');
    expect(out.nft).toContain('goto affinity-10800');
  });

  it('a podCIDR of "default" never becomes `ip route replace default`; the other nodes keep their routes', () => {
    const drops: Dropped[] = [];
    const routes = desiredPodRoutes([{ ...goodNode('evil', 9), spec: { podCIDR: 'default' } }, goodNode('ok', 2)], 'self', (d) => drops.push(d));
    expect(routes).toEqual([{ cidr: '10.244.2.0/24', via: '192.168.0.2' }]);
    expect(drops).toMatchObject([{ kind: 'Node', name: 'evil', reason: 'spec.podCIDR "default" is not an IPv4 CIDR' }]);
  });
});
