// Thin I/O around the `nft` CLI (nftables 1.0.x): one `nft -f -` transaction per call, and the
// listings the proxier needs. Arguments are arrays, never a shell string; an optional prefix
// (["ip","netns","exec","node1"]) lets tests and the benchmark drive a network namespace.
import { AFFINITY, NFT_FAMILY, NFT_TABLE, isPortNumber, parseIP } from '@minik8s/shared';
import { run } from './iptables';
import type { KernelTable } from './nft-rules';

/** The kernel's listing goes back into a transaction (the affinity sweep): the same strict parse as API values. */
const isIPv4 = (v: unknown): v is string => typeof v === 'string' && parseIP(v)?.family === 4;

/** Our table as `nft -t list ruleset` shows it: names, and how many rules each chain has. */
export interface KernelState extends KernelTable {
  rules: Map<string, number>;
}

export interface AffinityEntry {
  /** "client . daddr . proto . port" as nft text. */
  key: string;
  /** "endpoint-ip . port". */
  value: string;
}

class NftError extends Error {}

/** Lines of `text` around the line numbers nft names in its error messages ("/dev/stdin:12:5-9: Error: ..."). */
function context(stderr: string, text: string): string {
  const lines = text.split('\n');
  const nums = [...new Set([...stderr.matchAll(/stdin:(\d+):/g)].map((m) => Number(m[1])))].slice(0, 3);
  return nums.map((n) => `${n}: ${(lines[n - 1] ?? '').slice(0, 300)}`).join('\n');
}

type Json = Record<string, unknown>;

export class Nft {
  constructor(private readonly prefix: string[] = []) {}

  private exec(args: string[], input?: string) {
    return run([...this.prefix, 'nft', ...args], input);
  }

  /** One atomic transaction: all of `text` or nothing. */
  async apply(text: string): Promise<void> {
    const r = await this.exec(['-f', '-'], text);
    if (r.code !== 0) {
      const err = r.stderr.split('\n').filter((l) => /Error/.test(l)).slice(0, 3).join('\n') || r.stderr.trim().slice(0, 500);
      throw new NftError(`nft -f failed (exit ${r.code}): ${err}\n${context(r.stderr, text)}`);
    }
  }

  /**
   * Our table's chains (with rule counts), maps and sets; undefined when the table does not exist.
   * Terse (-t): set elements are not fetched, which keeps this cheap whatever the size of the maps.
   */
  async listTable(): Promise<KernelState | undefined> {
    const r = await this.exec(['-t', '-j', 'list', 'ruleset', NFT_FAMILY]);
    if (r.code !== 0) throw new NftError(`nft list ruleset: ${r.stderr.trim()}`);
    const items = (JSON.parse(r.stdout || '{"nftables":[]}') as { nftables: Json[] }).nftables;
    const ours = (o: unknown) => (o as Json | undefined)?.table === NFT_TABLE && (o as Json).family === NFT_FAMILY;
    const table = (o: unknown) => (o as Json | undefined)?.name === NFT_TABLE && (o as Json).family === NFT_FAMILY;
    if (!items.some((i) => table(i.table))) return undefined;
    const state: KernelState = { chains: [], maps: [], rules: new Map() };
    for (const i of items) {
      if (ours(i.chain)) {
        const name = String((i.chain as Json).name);
        state.chains.push(name);
        state.rules.set(name, state.rules.get(name) ?? 0);
      } else if (ours(i.rule)) {
        const chain = String((i.rule as Json).chain);
        state.rules.set(chain, (state.rules.get(chain) ?? 0) + 1);
      } else if (ours(i.map)) {
        state.maps.push({ name: String((i.map as Json).name), kind: 'map' });
      } else if (ours(i.set)) {
        state.maps.push({ name: String((i.set as Json).name), kind: 'set' });
      }
    }
    return state;
  }

  /** The affinity map's entries (parsed: entries that are not IPv4 . IPv4 . protocol . port → IPv4 . port are left out). */
  async listAffinity(): Promise<AffinityEntry[]> {
    const r = await this.exec(['-j', 'list', 'map', NFT_FAMILY, NFT_TABLE, AFFINITY]);
    if (r.code !== 0) throw new NftError(`nft list map ${AFFINITY}: ${r.stderr.trim()}`);
    const items = (JSON.parse(r.stdout) as { nftables: Json[] }).nftables;
    const m = items.find((i) => i.map)?.map as Json | undefined;
    const out: AffinityEntry[] = [];
    for (const pair of (m?.elem as unknown[][] | undefined) ?? []) {
      const [k, v] = pair as [Json, Json];
      const key = ((k.elem as Json | undefined)?.val ?? k) as Json;
      const kc = key.concat as unknown[] | undefined;
      const vc = v?.concat as unknown[] | undefined;
      if (!kc || !vc || kc.length !== 4 || vc.length !== 2) continue;
      const [client, daddr, proto, port] = kc;
      const [ip, epPort] = vc;
      const ok = isIPv4(client) && isIPv4(daddr) && ['tcp', 'udp', 'sctp'].includes(proto as string) && isPortNumber(port) && isIPv4(ip) && isPortNumber(epPort);
      if (ok) out.push({ key: `${client} . ${daddr} . ${proto} . ${port}`, value: `${ip} . ${epPort}` });
    }
    return out;
  }

  /** --cleanup and the iptables mode: remove our table if it exists. */
  async deleteTable(): Promise<boolean> {
    if (!(await this.listTable().catch(() => undefined))) return false;
    await this.apply(`delete table ${NFT_FAMILY} ${NFT_TABLE}\n`);
    return true;
  }

  /**
   * Whether this host can run the nftables mode: the nft binary, and a kernel that takes a table
   * with what our rules use (concatenated verdict maps, numgen, dynamic maps with timeouts, NAT,
   * fib), created and deleted in one transaction. Returns the reason when it cannot.
   */
  async probe(): Promise<string | undefined> {
    const t = `${NFT_FAMILY} kube-proxy-probe`;
    const text = [
      `add table ${t}`,
      `add map ${t} m { type ipv4_addr . inet_proto . inet_service : verdict ; }`,
      `add map ${t} d { type ipv4_addr . ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service ; flags dynamic,timeout ; timeout 1s ; }`,
      `add chain ${t} c { type nat hook prerouting priority -100 ; }`,
      `add chain ${t} s`,
      `add rule ${t} s meta mark set meta mark | 0x00004000`,
      `add rule ${t} c fib daddr type local ip daddr . meta l4proto . th dport vmap @m`,
      `add rule ${t} c numgen random mod 2 vmap { 0 : goto s, 1 : goto s }`,
      `add rule ${t} c dnat ip to ip saddr . ip daddr . meta l4proto . th dport map @d`,
      `add rule ${t} c meta l4proto tcp update @d { ct original ip saddr . ct original ip daddr . meta l4proto . ct original proto-dst timeout 1s : ip daddr . th dport }`,
      `delete table ${t}`,
      '',
    ].join('\n');
    const r = await this.exec(['-f', '-'], text);
    if (r.code === 0) return undefined;
    return r.code === 127 ? 'the nft binary is not installed' : `nft: ${r.stderr.trim().split('\n')[0]}`;
  }
}
