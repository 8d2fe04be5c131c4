// kube-proxy's nftables layout: the names of its table, maps and chains, and the map elements one
// Service port contributes. Pure. Shared so that `mkctl explain-route` shows the elements kube-proxy
// writes; mkctl imports this file directly ('@minik8s/shared/dist/proxy/nft-layout').
//
// Few chains, big maps: a packet to a Service walks
//   services: `ip daddr . meta l4proto . th dport vmap @service-ips` (NodePorts: `@service-nodeports`)
//     → a dispatch chain shared by every Service port with the same path and endpoint count,
//       e.g. cluster-3: masquerade mark, then `numgen random mod 3 vmap { 0 : goto service-slot-0, ... }`
//     → slot chain service-slot-K: `dnat ip to ip daddr . meta l4proto . th dport map @service-endpoints-K`
// so a Service port costs map elements only: one per entry point in service-ips / service-nodeports,
// and one per endpoint and entry point in the slot maps.
import type { ServicePort } from './service-ports';

export const NFT_FAMILY = 'inet';
export const NFT_TABLE = 'kube-proxy';

export const SERVICE_IPS = 'service-ips';
export const SERVICE_NODEPORTS = 'service-nodeports';
export const NO_ENDPOINT_SERVICES = 'no-endpoint-services';
export const NO_ENDPOINT_NODEPORTS = 'no-endpoint-nodeports';
/** Dynamic map: client . service IP . protocol . port → the endpoint it was sent to (ClientIP affinity). */
export const AFFINITY = 'affinity';
/** Which entry points record affinity, and for how long (→ the affinity-<seconds> chain). */
export const AFFINITY_SERVICES = 'affinity-services';
export const AFFINITY_NODEPORTS = 'affinity-nodeports';
/** endpoint . endpoint pairs of endpoints on this node: a packet with saddr . daddr in it is a pod reaching itself (hairpin). */
export const HAIRPIN = 'hairpin';
export const REJECT_CHAIN = 'reject-chain';

/** How traffic entered: a ClusterIP, an external IP, or a NodePort. Each has its own masquerade rule. */
export type EntryPath = 'cluster' | 'external' | 'nodeport';
/** Slot maps and chains exist per entry kind: keyed by service IP (ClusterIP, external IP) or by NodePort. */
export type SlotKind = 'service' | 'nodeport';

export const slotKind = (path: EntryPath): SlotKind => (path === 'nodeport' ? 'nodeport' : 'service');
/** The map that holds endpoint number `slot` (0-based) of every Service port of that kind. */
export const slotMap = (kind: SlotKind, slot: number): string => `${kind}-endpoints-${slot}`;
export const slotChain = (kind: SlotKind, slot: number): string => `${kind}-slot-${slot}`;
/** The chain shared by all Service ports reached by `path` that have `endpoints` endpoints. */
export const dispatchChain = (path: EntryPath, endpoints: number, affinity: boolean): string =>
  `${path}-${endpoints}${affinity ? '-affinity' : ''}`;
/** Records the chosen endpoint in @affinity with this timeout. */
export const affinityChain = (seconds: number): string => `affinity-${seconds}`;

export interface NftElement {
  map: string;
  /** The key as nft text, e.g. "10.96.0.10 . udp . 53" or "tcp . 30080". */
  key: string;
  /** The value as nft text ("goto cluster-2", "10.244.1.5 . 8080"); absent for set elements. */
  value?: string;
  comment?: string;
}

/** One dispatch chain a Service port uses. */
export interface Dispatch {
  path: EntryPath;
  endpoints: number;
  affinity: boolean;
}

export interface NftServicePort {
  elements: NftElement[];
  dispatch: Dispatch[];
  /** Set for ClientIP affinity: the affinity-<seconds> chain it records through. */
  affinitySeconds?: number;
}

/**
 * The elements of one Service port. `nodeName` is this node: only endpoints on it (or whose node is
 * unknown) can be a hairpin, since a pod's own packets start on its node.
 */
export function nftServicePort(sp: ServicePort, nodeName?: string): NftServicePort {
  const proto = sp.protocol.toLowerCase();
  const vips = [{ ip: sp.clusterIP, path: 'cluster' as const }, ...sp.externalIPs.map((ip) => ({ ip, path: 'external' as const }))];
  const vipKey = (ip: string) => `${ip} . ${proto} . ${sp.port}`;
  const npKey = sp.nodePort !== undefined ? `${proto} . ${sp.nodePort}` : undefined;
  const comment = sp.spn;
  const elements: NftElement[] = [];
  const n = sp.endpoints.length;
  if (n === 0) {
    for (const v of vips) elements.push({ map: NO_ENDPOINT_SERVICES, key: vipKey(v.ip), value: `goto ${REJECT_CHAIN}`, comment });
    if (npKey) elements.push({ map: NO_ENDPOINT_NODEPORTS, key: npKey, value: `goto ${REJECT_CHAIN}`, comment });
    return { elements, dispatch: [] };
  }
  const affinity = sp.affinitySeconds !== undefined;
  const dispatch: Dispatch[] = [];
  const use = (path: EntryPath) => {
    if (!dispatch.some((d) => d.path === path)) dispatch.push({ path, endpoints: n, affinity });
    return `goto ${dispatchChain(path, n, affinity)}`;
  };
  for (const v of vips) elements.push({ map: SERVICE_IPS, key: vipKey(v.ip), value: use(v.path), comment });
  if (npKey) elements.push({ map: SERVICE_NODEPORTS, key: npKey, value: use('nodeport'), comment });
  sp.endpoints.forEach((e, slot) => {
    const value = `${e.ip} . ${e.port}`;
    for (const v of vips) elements.push({ map: slotMap('service', slot), key: vipKey(v.ip), value });
    if (npKey) elements.push({ map: slotMap('nodeport', slot), key: npKey, value });
  });
  if (affinity) {
    const record = `goto ${affinityChain(sp.affinitySeconds!)}`;
    for (const v of vips) elements.push({ map: AFFINITY_SERVICES, key: vipKey(v.ip), value: record });
    if (npKey) elements.push({ map: AFFINITY_NODEPORTS, key: npKey, value: record });
  }
  for (const e of sp.endpoints) {
    if (!e.nodeName || e.nodeName === nodeName) elements.push({ map: HAIRPIN, key: `${e.ip} . ${e.ip}` });
  }
  return { elements, dispatch, ...(affinity ? { affinitySeconds: sp.affinitySeconds } : {}) };
}
