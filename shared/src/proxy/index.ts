// kube-proxy's vocabulary, shared with mkctl explain-route: what it accepts from API objects, the
// endpoints a Service port dispatches to, the iptables chain names and the nftables layout
// (@minik8s/shared/proxy).
export * from './chain-names';
export * from './checks';
export * from './nft-layout';
export * from './service-ports';
