// The nftables rule generator (pure): ServicePorts + config → the objects of one `inet kube-proxy`
// table (maps, chains with their rules, map elements), and the `nft -f` text that brings the kernel
// from one such state to another: everything at a full sync, only the changed elements and chains at
// a partial sync. Layout and names: shared/src/proxy/nft-layout.ts; why it is laid out this way:
// README.md. Every value spliced into the text comes parsed from buildServicePorts (IPv4 addresses,
// ports, protocols, DNS names) or from the validated flags.
import {
  AFFINITY, AFFINITY_NODEPORTS, AFFINITY_SERVICES, HAIRPIN, NFT_FAMILY, NFT_TABLE, NO_ENDPOINT_NODEPORTS, NO_ENDPOINT_SERVICES,
  REJECT_CHAIN, SERVICE_IPS, SERVICE_NODEPORTS, affinityChain, dispatchChain, nftServicePort, slotChain, slotKind, slotMap,
  servicePortKey, type Dispatch, type NftServicePort, type ServicePort, type SlotKind,
} from '@minik8s/shared';
import type { ProxyConfig } from './rules';

export interface NftChain {
  /** Base chains: "type nat hook prerouting priority -100". */
  hook?: string;
  rules: string[];
}

export interface NftMap {
  kind: 'map' | 'set';
  /** The text inside `{ }`. */
  decl: string;
}

/** The desired maps and chains of our table (elements aside). */
export interface NftStructure {
  /** Map and set declarations, by name. */
  maps: Map<string, NftMap>;
  chains: Map<string, NftChain>;
}

/** A map's elements as `add element` commands. */
export interface ElementCommands {
  lines: string[];
  count: number;
}

/** The desired content of our table. */
export interface NftRuleset extends NftStructure {
  /** A map's elements as `add element` commands (undefined: none). */
  elements(map: string): ElementCommands | undefined;
}

/** A Service port's wish for one element; when two ports want the same key the first by port key wins. */
interface Claim {
  owner: string;
  text: string;
}

/** An element whose winning text changed: undefined = absent. */
export interface ElementChange {
  before?: string;
  after?: string;
}

export type ElementChanges = Map<string, Map<string, ElementChange>>;

const TABLE = `${NFT_FAMILY} ${NFT_TABLE}`;
/** Affinity entries kept at most (upstream's per-endpoint sets default to 65535 each). */
const AFFINITY_MAP_SIZE = 1048576;
const PROTOCOLS = ['tcp', 'udp', 'sctp'];
const VIP_KEY = 'ipv4_addr . inet_proto . inet_service';
const NODEPORT_KEY = 'inet_proto . inet_service';
const ENDPOINT = 'ipv4_addr . inet_service';
/** Upstream's priorities: filter chains before DNAT (dstnat - 10), DNAT at dstnat, masquerade at srcnat. */
const BASE_CHAINS: [string, string][] = [
  ['filter-input', 'type filter hook input priority -110'],
  ['filter-forward', 'type filter hook forward priority -110'],
  ['filter-output', 'type filter hook output priority -110'],
  ['nat-prerouting', 'type nat hook prerouting priority -100'],
  ['nat-output', 'type nat hook output priority -100'],
  ['nat-postrouting', 'type nat hook postrouting priority 100'],
];

/** 1 << --masquerade-bit as nft prints it (0x00004000). */
function markHex(cfg: ProxyConfig): string {
  const m = cfg.masqueradeMark ?? '0x4000';
  if (!/^0x[0-9a-f]{1,8}$/i.test(m)) throw new Error(`invalid masquerade mark ${JSON.stringify(m)}`);
  return `0x${parseInt(m, 16).toString(16).padStart(8, '0')}`;
}

/** The masquerade rule of a dispatch chain (upstream: IfNotLocal for ClusterIPs, always for external paths). */
function masqueradeRule(path: Dispatch['path'], cfg: ProxyConfig): string | undefined {
  if (path !== 'cluster' || cfg.masqueradeAll) return 'jump mark-for-masquerade';
  return cfg.clusterCIDR ? `ip saddr != ${cfg.clusterCIDR} jump mark-for-masquerade` : undefined;
}

/** A dispatch chain: masquerade mark, the remembered endpoint (affinity), else a random slot. */
function dispatchRules(d: Dispatch, cfg: ProxyConfig): string[] {
  const kind = slotKind(d.path);
  const rules: string[] = [];
  const masq = masqueradeRule(d.path, cfg);
  if (masq) rules.push(masq);
  if (d.affinity) rules.push(`dnat ip to ip saddr . ip daddr . meta l4proto . th dport map @${AFFINITY}`);
  if (d.endpoints === 1) {
    rules.push(`goto ${slotChain(kind, 0)}`);
  } else {
    const slots = Array.from({ length: d.endpoints }, (_, k) => `${k} : goto ${slotChain(kind, k)}`).join(', ');
    rules.push(`numgen random mod ${d.endpoints} vmap { ${slots} }`);
  }
  return rules;
}

/** A slot chain: DNAT to endpoint number `slot` of the Service port the packet is addressed to. */
function slotRules(kind: SlotKind, slot: number): string[] {
  const key = kind === 'service' ? 'ip daddr . meta l4proto . th dport' : 'meta l4proto . th dport';
  return [`dnat ip to ${key} map @${slotMap(kind, slot)}`];
}

/** An affinity chain: remember (client, entry point) → the endpoint this new connection was DNATed to. */
function affinityRules(seconds: number): string[] {
  // `ct original proto-dst` only has a type next to a transport protocol match, hence one rule per protocol
  return PROTOCOLS.map(
    (p) => `meta l4proto ${p} update @${AFFINITY} { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout ${seconds}s : ip daddr . th dport }`,
  );
}

function fixedChains(cfg: ProxyConfig): [string, NftChain][] {
  const mark = markHex(cfg);
  const hooks = new Map(BASE_CHAINS);
  const base = (name: string, rules: string[]): [string, NftChain] => [name, { hook: hooks.get(name), rules }];
  const input = ['ct state new jump endpoints-check'];
  if (cfg.localhostNodePorts !== false) {
    // upstream's KUBE-FIREWALL guard for route_localnet: only DNATed traffic may reach 127.0.0.0/8 from outside it
    input.push('ip daddr 127.0.0.0/8 ip saddr != 127.0.0.0/8 ct state != { established, related } ct status & dnat == 0 drop comment "block incoming localnet connections"');
  }
  input.push('ct state new ct status dnat jump affinity-check');
  const forward = ['ct state new jump endpoints-check'];
  if (!cfg.conntrackTCPBeLiberal) forward.push('ct state invalid drop');
  return [
    base('filter-input', input),
    base('filter-forward', forward),
    base('filter-output', ['ct state new jump endpoints-check']),
    base('nat-prerouting', ['jump services']),
    base('nat-output', ['jump services']),
    base('nat-postrouting', ['ct status dnat jump affinity-check', 'jump masquerading']),
    ['services', { rules: [
      `ip daddr . meta l4proto . th dport vmap @${SERVICE_IPS}`,
      `fib daddr type local meta l4proto . th dport vmap @${SERVICE_NODEPORTS}`,
    ] }],
    ['endpoints-check', { rules: [
      `ip daddr . meta l4proto . th dport vmap @${NO_ENDPOINT_SERVICES}`,
      `fib daddr type local meta l4proto . th dport vmap @${NO_ENDPOINT_NODEPORTS}`,
    ] }],
    [REJECT_CHAIN, { rules: ['counter reject'] }],
    ['mark-for-masquerade', { rules: [`meta mark set meta mark | ${mark}`] }],
    ['masquerading', { rules: [
      `ct status dnat ip saddr . ip daddr @${HAIRPIN} jump mark-for-masquerade`,
      `meta mark & ${mark} == 0 return`,
      `meta mark set meta mark ^ ${mark}`,
      `masquerade${cfg.randomFully === false ? '' : ' fully-random'}`,
    ] }],
    ['affinity-check', { rules: PROTOCOLS.flatMap((p) => [
      `meta l4proto ${p} ct original ip daddr . meta l4proto . ct original proto-dst vmap @${AFFINITY_SERVICES}`,
      `meta l4proto ${p} meta l4proto . ct original proto-dst vmap @${AFFINITY_NODEPORTS}`,
    ]) }],
  ];
}

const map = (decl: string): NftMap => ({ kind: 'map', decl });
const FIXED_MAPS: [string, NftMap][] = [
  [SERVICE_IPS, map(`type ${VIP_KEY} : verdict ; comment "ClusterIP and external IP traffic" ;`)],
  [SERVICE_NODEPORTS, map(`type ${NODEPORT_KEY} : verdict ; comment "NodePort traffic" ;`)],
  [NO_ENDPOINT_SERVICES, map(`type ${VIP_KEY} : verdict ; comment "reject traffic to Services without endpoints" ;`)],
  [NO_ENDPOINT_NODEPORTS, map(`type ${NODEPORT_KEY} : verdict ; comment "reject NodePort traffic to Services without endpoints" ;`)],
  [AFFINITY, map(`type ipv4_addr . ${VIP_KEY} : ${ENDPOINT} ; size ${AFFINITY_MAP_SIZE} ; flags dynamic,timeout ; timeout 10800s ; comment "ClientIP affinity: client . entry point -> endpoint" ;`)],
  [AFFINITY_SERVICES, map(`type ${VIP_KEY} : verdict ; comment "entry points with ClientIP affinity" ;`)],
  [AFFINITY_NODEPORTS, map(`type ${NODEPORT_KEY} : verdict ; comment "NodePorts with ClientIP affinity" ;`)],
  [HAIRPIN, { kind: 'set', decl: 'type ipv4_addr . ipv4_addr ; comment "endpoint . endpoint: a pod reaching itself through a Service" ;' }],
];

function* winners(keys: Map<string, Claim[]>): Iterable<[string, string]> {
  for (const [k, list] of keys) yield [k, list[0].text];
}

const inc = <K>(m: Map<K, number>, k: K, by: number) => {
  const n = (m.get(k) ?? 0) + by;
  if (n > 0) m.set(k, n);
  else m.delete(k);
};

/**
 * The desired table, kept up to date one Service port at a time: `update` touches only the elements
 * of ports that changed (a ServicePort object the caller passed last time is unchanged), so a partial
 * sync costs what changed, not the size of the cluster. Pure: no I/O.
 */
export class NftModel {
  private readonly claims = new Map<string, Map<string, Claim[]>>();
  private ports = new Map<string, { sp: ServicePort; layout: NftServicePort; texts: string[] }>();
  private readonly dispatch = new Map<string, [Dispatch, number]>();
  private readonly timeouts = new Map<number, number>();
  private readonly slots: Record<SlotKind, Map<number, number>> = { service: new Map(), nodeport: new Map() };
  /** Bumped whenever an element of the map may have changed: a full sync reuses the text of the others. */
  private readonly versions = new Map<string, number>();
  private readonly commands = new Map<string, ElementCommands & { version: number }>();

  constructor(private readonly cfg: ProxyConfig) {}

  /**
   * Makes `ports` the desired Service ports; returns the elements whose text changed, how many Service
   * ports changed (a different object under the same key), and whether one with ClientIP affinity
   * changed, went or came.
   */
  update(ports: ServicePort[]): { changes: ElementChanges; changed: number; affinityChanged: boolean } {
    const changes: ElementChanges = new Map();
    let changed = 0;
    let affinityChanged = false;
    const next = new Map<string, ServicePort>();
    for (const sp of ports) next.set(servicePortKey(sp), sp);
    for (const [key, old] of this.ports) {
      if (next.get(key) === old.sp) continue;
      if (old.sp.affinitySeconds !== undefined) affinityChanged = true;
      if (!next.has(key)) changed++;
      this.remove(key, changes);
    }
    for (const [key, sp] of next) {
      if (this.ports.has(key)) continue;
      changed++;
      if (sp.affinitySeconds !== undefined) affinityChanged = true;
      this.add(key, sp, changes);
    }
    for (const [map, keys] of changes) {
      for (const [k, c] of keys) {
        c.after = this.claims.get(map)?.get(k)?.[0]?.text;
        if (c.after === c.before) keys.delete(k);
      }
      if (!keys.size) changes.delete(map);
    }
    return { changes, changed, affinityChanged };
  }

  private touch(changes: ElementChanges, map: string, key: string): void {
    this.versions.set(map, (this.versions.get(map) ?? 0) + 1);
    let m = changes.get(map);
    if (!m) changes.set(map, (m = new Map()));
    if (!m.has(key)) m.set(key, { before: this.claims.get(map)?.get(key)?.[0]?.text });
  }

  private add(owner: string, sp: ServicePort, changes: ElementChanges): void {
    const layout = nftServicePort(sp, this.cfg.nodeName);
    const texts = layout.elements.map((e) => `${e.comment ? ` comment "${e.comment}"` : ''}${e.value !== undefined ? ` : ${e.value}` : ''}`);
    this.ports.set(owner, { sp, layout, texts });
    layout.elements.forEach((e, i) => {
      this.touch(changes, e.map, e.key);
      let m = this.claims.get(e.map);
      if (!m) this.claims.set(e.map, (m = new Map()));
      const list = m.get(e.key);
      const claim = { owner, text: texts[i] };
      if (!list) m.set(e.key, [claim]);
      else {
        list.push(claim);
        list.sort((a, b) => (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0));
      }
    });
    this.count(layout, 1);
  }

  private remove(owner: string, changes: ElementChanges): void {
    const { layout } = this.ports.get(owner)!;
    this.ports.delete(owner);
    for (const e of layout.elements) {
      this.touch(changes, e.map, e.key);
      const m = this.claims.get(e.map)!;
      const list = m.get(e.key)!.filter((c) => c.owner !== owner);
      if (list.length) m.set(e.key, list);
      else m.delete(e.key);
    }
    this.count(layout, -1);
  }

  private count(layout: NftServicePort, by: number): void {
    for (const d of layout.dispatch) {
      const name = dispatchChain(d.path, d.endpoints, d.affinity);
      const n = (this.dispatch.get(name)?.[1] ?? 0) + by;
      if (n > 0) this.dispatch.set(name, [d, n]);
      else this.dispatch.delete(name);
      inc(this.slots[slotKind(d.path)], d.endpoints, by);
    }
    if (layout.affinitySeconds !== undefined) inc(this.timeouts, layout.affinitySeconds, by);
  }

  /** Whether any Service port has ClientIP affinity. */
  hasAffinity(): boolean {
    return this.timeouts.size > 0;
  }

  /** The maps and chains the current ports need. */
  structure(): NftStructure {
    const maps = new Map(FIXED_MAPS);
    const chains = new Map(fixedChains(this.cfg));
    for (const kind of ['service', 'nodeport'] as const) {
      const slots = Math.max(0, ...this.slots[kind].keys());
      for (let k = 0; k < slots; k++) {
        maps.set(slotMap(kind, k), map(`type ${kind === 'service' ? VIP_KEY : NODEPORT_KEY} : ${ENDPOINT} ;`));
        chains.set(slotChain(kind, k), { rules: slotRules(kind, k) });
      }
    }
    for (const [name, [d]] of [...this.dispatch].sort(([a], [b]) => (a < b ? -1 : 1))) chains.set(name, { rules: dispatchRules(d, this.cfg) });
    for (const t of [...this.timeouts.keys()].sort((a, b) => a - b)) chains.set(affinityChain(t), { rules: affinityRules(t) });
    return { maps, chains };
  }

  /** A map's elements as `add element` commands, rendered again only when one of them changed. */
  elements(map: string): ElementCommands | undefined {
    const keys = this.claims.get(map);
    if (!keys?.size) return undefined;
    const version = this.versions.get(map) ?? 0;
    let c = this.commands.get(map);
    if (c?.version !== version) {
      const lines: string[] = [];
      const count = addElements(lines, map, winners(keys));
      this.commands.set(map, (c = { version, lines, count }));
    }
    return c;
  }

  ruleset(): NftRuleset {
    return { ...this.structure(), elements: (map) => this.elements(map) };
  }
}

/** The whole desired table for `ports` (what a full sync writes). */
export function generateNftRules(ports: ServicePort[], cfg: ProxyConfig): NftRuleset {
  const model = new NftModel(cfg);
  model.update(ports);
  return model.ruleset();
}

/** Elements per `add element` command: one huge line costs nft nothing more, but keeps errors readable. */
const CHUNK = 1000;

function addElements(out: string[], map: string, entries: Iterable<[string, string]>): number {
  let batch: string[] = [];
  let n = 0;
  const flush = () => {
    if (batch.length) out.push(`add element ${TABLE} ${map} { ${batch.join(', ')} }`);
    batch = [];
  };
  for (const [key, rest] of entries) {
    batch.push(key + rest);
    n++;
    if (batch.length === CHUNK) flush();
  }
  flush();
  return n;
}

function deleteElements(out: string[], map: string, keys: string[]): void {
  for (let i = 0; i < keys.length; i += CHUNK) out.push(`delete element ${TABLE} ${map} { ${keys.slice(i, i + CHUNK).join(', ')} }`);
}

function addChain(out: string[], name: string, c: NftChain): void {
  out.push(c.hook ? `add chain ${TABLE} ${name} { ${c.hook} ; }` : `add chain ${TABLE} ${name}`);
}

function addRules(out: string[], name: string, c: NftChain): void {
  for (const r of c.rules) out.push(`add rule ${TABLE} ${name} ${r}`);
}

export interface Rendered {
  text: string;
  /** Rules and elements written (the size of the transaction). */
  written: number;
  /** Chains written (created or rewritten). */
  chainsWritten: number;
  /** Chains and maps this transaction emptied or left unused: delete them in a later transaction. */
  staleChains: string[];
  staleMaps: NamedMap[];
}

export interface NamedMap {
  name: string;
  kind: NftMap['kind'];
}

/** What `nft list ruleset` shows of our table (names only). */
export interface KernelTable {
  chains: string[];
  maps: NamedMap[];
}

/**
 * Full sync: declare and flush every map (except the affinity state) and chain, then write all rules
 * and elements; chains and maps the kernel has but we no longer want are flushed (deleted later).
 */
export function renderFull(rs: NftRuleset, kernel: KernelTable = { chains: [], maps: [] }): Rendered {
  const desired = renderDesired(rs);
  const stale = renderStale(rs, kernel);
  return { ...stale, text: desired.text + stale.text, written: desired.written, chainsWritten: rs.chains.size };
}

/** The desired part of a full sync (without what the kernel has beyond it). */
export function renderDesired(rs: NftRuleset): { text: string; written: number } {
  const out: string[] = [`add table ${TABLE} { comment "rules for kube-proxy" ; }`];
  let written = 0;
  for (const [name, m] of rs.maps) {
    out.push(`add ${m.kind} ${TABLE} ${name} { ${m.decl} }`);
    if (name !== AFFINITY) out.push(`flush ${m.kind} ${TABLE} ${name}`);
  }
  for (const [name, c] of rs.chains) {
    addChain(out, name, c);
    out.push(`flush chain ${TABLE} ${name}`);
  }
  for (const [name, c] of rs.chains) {
    addRules(out, name, c);
    written += c.rules.length;
  }
  for (const map of rs.maps.keys()) {
    const els = rs.elements(map);
    if (!els) continue;
    out.push(...els.lines);
    written += els.count;
  }
  out.push('');
  return { text: out.join('\n'), written };
}

/** Chains and maps the kernel has beyond the desired ones: flushed now, deleted later. */
export function renderStale(rs: NftStructure, kernel: KernelTable): Pick<Rendered, 'text' | 'staleChains' | 'staleMaps'> {
  const out: string[] = [];
  const staleChains = kernel.chains.filter((c) => !rs.chains.has(c));
  for (const c of staleChains) out.push(`flush chain ${TABLE} ${c}\n`);
  const staleMaps = kernel.maps.filter((m) => !rs.maps.has(m.name));
  for (const m of staleMaps) out.push(`flush ${m.kind} ${TABLE} ${m.name}\n`);
  return { text: out.join(''), staleChains, staleMaps };
}

const sameRules = (a: NftChain, b: NftChain) => a.rules.length === b.rules.length && a.rules.every((r, i) => r === b.rules[i]);

/**
 * Partial sync from `prev` (the maps and chains the last successful transaction left) to `next`,
 * with the element `changes` NftModel.update reported: new maps, new or changed chains, element
 * deletions and additions (a changed value is a delete and an add), chains and maps no longer wanted
 * flushed. Unchanged chains and elements are not mentioned.
 */
export function renderPartial(prev: NftStructure, next: NftStructure, changes: ElementChanges): Rendered {
  const out: string[] = [];
  let written = 0;
  let chainsWritten = 0;
  for (const [name, m] of next.maps) if (!prev.maps.has(name)) out.push(`add ${m.kind} ${TABLE} ${name} { ${m.decl} }`);
  const changed: [string, NftChain][] = [];
  for (const [name, c] of next.chains) {
    const old = prev.chains.get(name);
    if (!old) addChain(out, name, c);
    else if (!sameRules(old, c)) out.push(`flush chain ${TABLE} ${name}`);
    else continue;
    changed.push([name, c]);
  }
  for (const [name, c] of changed) {
    addRules(out, name, c);
    written += c.rules.length;
    chainsWritten++;
  }
  const adds: [string, [string, string][]][] = [];
  for (const map of next.maps.keys()) {
    const keys = changes.get(map); // a map that goes away is flushed below
    if (!keys) continue;
    const del: string[] = [];
    const add: [string, string][] = [];
    for (const [k, c] of keys) {
      if (c.before !== undefined) del.push(k);
      if (c.after !== undefined) add.push([k, c.after]);
    }
    deleteElements(out, map, del);
    if (add.length) adds.push([map, add]);
    written += del.length;
  }
  for (const [map, add] of adds) written += addElements(out, map, add);
  const staleChains = [...prev.chains.keys()].filter((c) => !next.chains.has(c));
  for (const c of staleChains) out.push(`flush chain ${TABLE} ${c}`);
  const staleMaps = [...prev.maps].filter(([m]) => !next.maps.has(m)).map(([name, m]) => ({ name, kind: m.kind }));
  for (const m of staleMaps) out.push(`flush ${m.kind} ${TABLE} ${m.name}`);
  out.push('');
  return { text: out.length > 1 ? out.join('\n') : '', written, chainsWritten, staleChains, staleMaps };
}

/** Deletes chains and maps a previous transaction left unused (upstream waits a second: kernels before 6.2 release a chain's references lazily). */
export function renderDeletes(chains: string[], maps: NamedMap[]): string {
  return [...chains.map((c) => `delete chain ${TABLE} ${c}`), ...maps.map((m) => `delete ${m.kind} ${TABLE} ${m.name}`), ''].join('\n');
}

/**
 * Affinity entries that point where the Service no longer sends traffic (a removed endpoint, a Service
 * gone or without affinity), as one transaction that deletes them. Each is re-added with the value it
 * was listed with first: that is a no-op while it exists and makes the delete succeed if it expired
 * in between (nft 1.0.6 has no `destroy`). Undefined when nothing is stale.
 */
export function affinitySweep(ports: ServicePort[], entries: { key: string; value: string }[]): string | undefined {
  const allowed = new Map<string, Set<string>>();
  const allow = (entry: string, sp: ServicePort) => {
    let s = allowed.get(entry);
    if (!s) allowed.set(entry, (s = new Set()));
    for (const e of sp.endpoints) s.add(`${e.ip} . ${e.port}`);
  };
  for (const sp of ports) {
    if (sp.affinitySeconds === undefined || sp.endpoints.length === 0) continue;
    const proto = sp.protocol.toLowerCase();
    for (const ip of [sp.clusterIP, ...sp.externalIPs]) allow(`${ip} . ${proto} . ${sp.port}`, sp);
    if (sp.nodePort !== undefined) allow(`${proto} . ${sp.nodePort}`, sp);
  }
  const stale = entries.filter(({ key, value }) => {
    const [, daddr, proto, port] = key.split(' . ');
    const ok = allowed.get(`${daddr} . ${proto} . ${port}`) ?? allowed.get(`${proto} . ${port}`);
    return !ok?.has(value);
  });
  if (stale.length === 0) return undefined;
  const out: string[] = [];
  addElements(out, AFFINITY, stale.map((e) => [e.key, ` : ${e.value}`]));
  deleteElements(out, AFFINITY, stale.map((e) => e.key));
  return out.join('\n') + '\n';
}
