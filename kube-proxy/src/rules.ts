// The iptables rule generator: ServicePorts + config -> the filter and nat rules of upstream
// kube-proxy's iptables mode (pkg/proxy/iptables/proxier.go syncProxyRules). Pure: no I/O.
// The result is split so a partial sync can leave unchanged Services' chains out of the payload.
import { endpointChainName, externalChainName, serviceChainName, servicePortKey } from '@minik8s/shared';
import type { ServicePort } from '@minik8s/shared';

export interface ProxyConfig {
  /** --cluster-cidr: traffic to a ClusterIP from outside it is masqueraded (upstream LocalDetector). */
  clusterCIDR?: string;
  /** --masquerade-all: masquerade every ClusterIP connection. */
  masqueradeAll?: boolean;
  /** 1 << --iptables-masquerade-bit (14). */
  masqueradeMark?: string;
  /** NodePorts answer on 127.0.0.1 (route_localnet); adds the KUBE-FIREWALL localnet guard. */
  localhostNodePorts?: boolean;
  /** MASQUERADE --random-fully (the iptables here supports it). */
  randomFully?: boolean;
  /** nf_conntrack_tcp_be_liberal=1: no INVALID drop in KUBE-FORWARD. */
  conntrackTCPBeLiberal?: boolean;
  /** --sync-pod-routes: our host-gw pod network's masquerade/forward chains (see podnet.ts). */
  podNetworkCIDR?: string;
  /** This node (nftables mode: only its endpoints can be hairpins). */
  nodeName?: string;
}

/** Rules owned by one Service port: its KUBE-SVC/KUBE-EXT/KUBE-SEP chains (nat). */
export interface ServiceChains {
  /** spn + protocol, the unit a partial sync writes or skips. */
  key: string;
  chains: string[];
  rules: string[];
}

export interface GeneratedRules {
  filterChains: string[];
  filterRules: string[];
  /** Fixed nat chains (always declared = flushed and rewritten). */
  natChains: string[];
  natRules: string[];
  services: ServiceChains[];
}

export const FILTER_CHAINS = ['KUBE-NODEPORTS', 'KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-FIREWALL', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL'];
export const NAT_CHAINS = ['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ'];
export const PODNET_NAT_CHAIN = 'KUBE-PODNET';
export const PODNET_FILTER_CHAIN = 'KUBE-PODNET-FORWARD';

/** A comment argument as upstream writes it: quoted only when it holds spaces. */
function comment(text: string): string {
  return text.includes(' ') ? `-m comment --comment "${text}"` : `-m comment --comment ${text}`;
}

function proto(sp: ServicePort): string {
  const p = sp.protocol.toLowerCase();
  return `-m ${p} -p ${p}`;
}

const probabilities: string[] = [];
/** Upstream formats 1/n with %0.10f. */
export function probability(n: number): string {
  return (probabilities[n] ??= (1 / n).toFixed(10));
}


/** The KUBE-SVC/EXT/SEP chains of one Service port that has endpoints. */
export function serviceChains(sp: ServicePort, cfg: ProxyConfig): ServiceChains {
  const mark = 'KUBE-MARK-MASQ';
  const svc = serviceChainName(sp.spn, sp.protocol);
  const ext = externalChainName(sp.spn, sp.protocol);
  const pr = proto(sp);
  const chains = [svc];
  const rules: string[] = [];
  const hasExternal = sp.nodePort !== undefined || sp.externalIPs.length > 0;
  const clusterMatch = `${comment(`${sp.spn} cluster IP`)} ${pr} -d ${sp.clusterIP} --dport ${sp.port}`;
  if (cfg.masqueradeAll) rules.push(`-A ${svc} ${clusterMatch} -j ${mark}`);
  else if (cfg.clusterCIDR) rules.push(`-A ${svc} ${clusterMatch} ! -s ${cfg.clusterCIDR} -j ${mark}`);
  const eps = sp.endpoints.map((e) => {
    const hostPort = `${e.ip}:${e.port}`;
    return { ip: e.ip, hostPort, chain: endpointChainName(sp.spn, sp.protocol, hostPort) };
  });
  if (sp.affinitySeconds !== undefined) {
    for (const e of eps) {
      rules.push(`-A ${svc} ${comment(`${sp.spn} -> ${e.hostPort}`)} -m recent --name ${e.chain} --rcheck --seconds ${sp.affinitySeconds} --reap -j ${e.chain}`);
    }
  }
  eps.forEach((e, i) => {
    const stat = i < eps.length - 1 ? ` -m statistic --mode random --probability ${probability(eps.length - i)}` : '';
    rules.push(`-A ${svc} ${comment(`${sp.spn} -> ${e.hostPort}`)}${stat} -j ${e.chain}`);
  });
  if (hasExternal) {
    chains.push(ext);
    rules.push(`-A ${ext} ${comment(`masquerade traffic for ${sp.spn} external destinations`)} -j ${mark}`);
    rules.push(`-A ${ext} -j ${svc}`);
  }
  const recentSet = sp.affinitySeconds !== undefined;
  for (const e of eps) {
    chains.push(e.chain);
    rules.push(`-A ${e.chain} ${comment(sp.spn)} -s ${e.ip} -j ${mark}`);
    rules.push(`-A ${e.chain} ${comment(sp.spn)}${recentSet ? ` -m recent --name ${e.chain} --set` : ''} ${pr} -j DNAT --to-destination ${e.hostPort}`);
  }
  return { key: servicePortKey(sp), chains, rules };
}

/**
 * Everything for one sync; services must be sorted (buildServicePorts does). `cache` keeps each
 * ServicePort's chains while the caller keeps passing the same ServicePort object (unchanged Service),
 * so a partial sync does not re-hash and re-format 1000s of endpoints. The config must not change.
 */
export function generateRules(services: ServicePort[], cfg: ProxyConfig, cache?: WeakMap<ServicePort, ServiceChains>): GeneratedRules {
  const mark = cfg.masqueradeMark ?? '0x4000';
  const filterRules: string[] = [];
  const natTop: string[] = [];
  const nodePortRules: string[] = [];
  const perService: ServiceChains[] = [];
  for (const sp of services) {
    const pr = proto(sp);
    if (sp.endpoints.length === 0) {
      const c = comment(`${sp.spn} has no endpoints`);
      filterRules.push(`-A KUBE-SERVICES ${c} ${pr} -d ${sp.clusterIP} --dport ${sp.port} -j REJECT`);
      for (const ip of sp.externalIPs) filterRules.push(`-A KUBE-EXTERNAL-SERVICES ${c} ${pr} -d ${ip} --dport ${sp.port} -j REJECT`);
      if (sp.nodePort !== undefined) filterRules.push(`-A KUBE-EXTERNAL-SERVICES ${c} -m addrtype --dst-type LOCAL ${pr} --dport ${sp.nodePort} -j REJECT`);
      continue;
    }
    let block = cache?.get(sp);
    if (!block) {
      block = serviceChains(sp, cfg);
      cache?.set(sp, block);
    }
    perService.push(block);
    natTop.push(`-A KUBE-SERVICES ${comment(`${sp.spn} cluster IP`)} ${pr} -d ${sp.clusterIP} --dport ${sp.port} -j ${block.chains[0]}`);
    const ext = externalChainName(sp.spn, sp.protocol);
    for (const ip of sp.externalIPs) natTop.push(`-A KUBE-SERVICES ${comment(`${sp.spn} external IP`)} ${pr} -d ${ip} --dport ${sp.port} -j ${ext}`);
    if (sp.nodePort !== undefined) nodePortRules.push(`-A KUBE-NODEPORTS ${comment(sp.spn)} ${pr} --dport ${sp.nodePort} -j ${ext}`);
  }
  const masq = `-j MASQUERADE${cfg.randomFully === false ? '' : ' --random-fully'}`;
  const natChains = [...NAT_CHAINS];
  const natRules = [
    `-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`,
    `-A KUBE-POSTROUTING ${comment('kubernetes service traffic requiring SNAT')} ${masq}`,
    `-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`,
    ...natTop,
    ...nodePortRules,
    `-A KUBE-SERVICES ${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`,
  ];
  const filterChains = [...FILTER_CHAINS];
  if (cfg.localhostNodePorts !== false) {
    filterRules.push(`-A KUBE-FIREWALL ${comment('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }
  if (!cfg.conntrackTCPBeLiberal) filterRules.push('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP');
  filterRules.push(...forwardAcceptRules(mark));
  if (cfg.podNetworkCIDR) {
    const pod = podNetworkRules(cfg.podNetworkCIDR, mark, masq);
    natChains.push(PODNET_NAT_CHAIN);
    natRules.push(...pod.nat);
    filterChains.push(PODNET_FILTER_CHAIN);
    filterRules.push(...pod.filter);
  }
  return { filterChains, filterRules, natChains, natRules, services: perService };
}

/** KUBE-FORWARD's accepts: forwarded Service traffic passes a FORWARD policy of DROP (Docker's). */
function forwardAcceptRules(mark: string): string[] {
  return [
    `-A KUBE-FORWARD ${comment('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`,
    `-A KUBE-FORWARD ${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
  ];
}

/** Our host-gw pod network: pod-to-pod keeps its source, pods leaving the cluster are masqueraded, pod traffic is forwarded. */
function podNetworkRules(cidr: string, mark: string, masq: string): { nat: string[]; filter: string[] } {
  return {
    nat: [
      `-A ${PODNET_NAT_CHAIN} -m mark --mark ${mark}/${mark} -j RETURN`,
      `-A ${PODNET_NAT_CHAIN} ${comment('pod-to-pod traffic keeps its source')} -s ${cidr} -d ${cidr} -j ACCEPT`,
      `-A ${PODNET_NAT_CHAIN} ${comment('pod traffic leaving the cluster')} -s ${cidr} ! -d ${cidr} ${masq}`,
    ],
    filter: [
      `-A ${PODNET_FILTER_CHAIN} ${comment('pod network')} -s ${cidr} -j ACCEPT`,
      `-A ${PODNET_FILTER_CHAIN} ${comment('pod network')} -d ${cidr} -j ACCEPT`,
    ],
  };
}

/**
 * What the nftables mode still needs in iptables: a verdict in one table cannot overrule a DROP in
 * another, so forwarded Service traffic is accepted in filter FORWARD (KUBE-FORWARD) where Docker's
 * policy is DROP; and the pod network's chains (a Docker MASQUERADE rule in nat POSTROUTING is only
 * skipped by an ACCEPT before it in the same chain).
 */
export function companionPayload(cfg: ProxyConfig): string {
  const mark = cfg.masqueradeMark ?? '0x4000';
  const masq = `-j MASQUERADE${cfg.randomFully === false ? '' : ' --random-fully'}`;
  const pod = cfg.podNetworkCIDR ? podNetworkRules(cfg.podNetworkCIDR, mark, masq) : undefined;
  const out = ['*filter', ':KUBE-FORWARD - [0:0]'];
  if (pod) out.push(`:${PODNET_FILTER_CHAIN} - [0:0]`);
  out.push(...forwardAcceptRules(mark), ...(pod?.filter ?? []), 'COMMIT');
  if (pod) out.push('*nat', `:${PODNET_NAT_CHAIN} - [0:0]`, ...pod.nat, 'COMMIT');
  return out.join('\n') + '\n';
}

export interface RenderOptions {
  /** Keys of Services whose chains are written; undefined = all (full sync). */
  write?: Set<string>;
  /** Stale service chains to flush and delete (-X) in the same payload. */
  stale?: string[];
}

/** The iptables-restore --noflush payload. Unwritten service chains are kept as they are in the kernel. */
export function renderPayload(gen: GeneratedRules, opts: RenderOptions = {}): string {
  const out: string[] = ['*filter'];
  for (const c of gen.filterChains) out.push(`:${c} - [0:0]`);
  out.push(...gen.filterRules, 'COMMIT', '*nat');
  for (const c of gen.natChains) out.push(`:${c} - [0:0]`);
  const written = opts.write ? gen.services.filter((s) => opts.write!.has(s.key)) : gen.services;
  for (const s of written) for (const c of s.chains) out.push(`:${c} - [0:0]`);
  const stale = opts.stale ?? [];
  for (const c of stale) out.push(`:${c} - [0:0]`);
  out.push(...gen.natRules);
  for (const s of written) out.push(...s.rules);
  for (const c of stale) out.push(`-X ${c}`);
  out.push('COMMIT', '');
  return out.join('\n');
}
