// Services (upstream pkg/registry/core/service): ClusterIP and NodePort allocation written in the same
// etcd transaction as the Service (StorageHooks, see allocator.ts), allocations kept when an update omits
// them, the cluster IP immutable, DNS-1035 names, and the Service field selectors. Built for one
// apiserver's ranges (--service-cluster-ip-range, --service-node-port-range).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Store } from '../../../storage/etcd';
import { fe, type Cause, dns1035LabelErrors, dns1123LabelErrors } from '../../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../../registry/kinds';
import type { ResourceStrategy } from '../../../registry/strategy';
import { defineMessages } from '../../../protobuf/messages';
import { isObj, proxySubresource, setIfAbsent, str, validatePort, validateProtocol, type Obj } from '../../helpers';
import { ServiceAllocator } from './allocator';
import { IpRange } from './bitmap';
import { servicePrinter } from './table';

export interface ServiceRanges {
  /** --service-cluster-ip-range */
  ipRange: IpRange;
  /** --service-node-port-range */
  portRange: [number, number];
}

export function validateService(svc: Obj, errs: Cause[], nodePortRange?: [number, number]): void {
  const spec = svc.spec;
  if (!isObj(spec)) return void errs.push(fe.required('spec'));
  const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
  if (!types.includes(spec.type)) errs.push(fe.notSupported('spec.type', spec.type, types));
  const headless = spec.clusterIP === 'None';
  if (spec.type === 'ExternalName') {
    if (!spec.externalName) errs.push(fe.required('spec.externalName'));
  } else if (!headless && (!Array.isArray(spec.ports) || spec.ports.length === 0)) errs.push(fe.required('spec.ports'));
  if (headless && (spec.type === 'NodePort' || spec.type === 'LoadBalancer')) errs.push(fe.invalid('spec.clusterIP', 'None', 'may not be set to \'None\' for LoadBalancer or NodePort services'));
  if (spec.sessionAffinity !== undefined && !['None', 'ClientIP'].includes(spec.sessionAffinity)) errs.push(fe.notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  if (Array.isArray(spec.ports)) {
    const names = new Set<string>();
    const seen = new Set<string>();
    spec.ports.forEach((p: any, i: number) => {
      const pp = `spec.ports[${i}]`;
      if (!isObj(p)) return errs.push(fe.invalid(pp, p, 'must be an object'));
      if (spec.ports.length > 1 && !p.name) errs.push(fe.required(`${pp}.name`));
      if (p.name) {
        for (const m of dns1123LabelErrors(String(p.name))) errs.push(fe.invalid(`${pp}.name`, p.name, m));
        if (names.has(p.name)) errs.push(fe.duplicate(`${pp}.name`, p.name));
        names.add(p.name);
      }
      validatePort(`${pp}.port`, p.port, errs);
      validateProtocol(`${pp}.protocol`, p.protocol, errs);
      const k = `${p.port}/${p.protocol ?? 'TCP'}`;
      if (seen.has(k)) errs.push(fe.duplicate(pp, { port: p.port, protocol: p.protocol }));
      seen.add(k);
      if (typeof p.targetPort === 'number') validatePort(`${pp}.targetPort`, p.targetPort, errs);
      else if (p.targetPort !== undefined && (typeof p.targetPort !== 'string' || !p.targetPort)) errs.push(fe.invalid(`${pp}.targetPort`, p.targetPort, 'must be a port number or name'));
      if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
        if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') errs.push(fe.forbidden(`${pp}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
        else if (nodePortRange && (typeof p.nodePort !== 'number' || p.nodePort < nodePortRange[0] || p.nodePort > nodePortRange[1]))
          errs.push(fe.invalid(`${pp}.nodePort`, p.nodePort, `provided port is not in the valid range. The range of valid ports is ${nodePortRange[0]}-${nodePortRange[1]}`));
      }
    });
  }
  if (spec.selector !== undefined && spec.selector !== null && !isObj(spec.selector)) errs.push(fe.invalid('spec.selector', spec.selector, 'must be a map of strings'));
}

function defaults(o: Obj): void {
  const spec = isObj(o.spec) ? o.spec : undefined;
  if (!spec) return;
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  if (spec.type !== 'ExternalName') {
    setIfAbsent(spec, 'ipFamilies', ['IPv4']);
    setIfAbsent(spec, 'ipFamilyPolicy', 'SingleStack');
    setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (Array.isArray(spec.ports))
    for (const p of spec.ports) {
      if (!p || typeof p !== 'object') continue;
      setIfAbsent(p, 'protocol', 'TCP');
      setIfAbsent(p, 'targetPort', p.port);
    }
}

/** As upstream: an update that omits clusterIP(s) or a port's nodePort keeps the allocated ones. */
function keepAllocations(next: Obj, old: Obj): void {
  const ns = next.spec;
  const os = old.spec;
  if (!ns || typeof ns !== 'object' || !os) return;
  if (!ns.clusterIP && os.clusterIP) ns.clusterIP = os.clusterIP;
  if (!ns.clusterIPs && os.clusterIPs && ns.clusterIP === os.clusterIP) ns.clusterIPs = os.clusterIPs;
  if ((ns.type === 'NodePort' || ns.type === 'LoadBalancer') && Array.isArray(ns.ports) && Array.isArray(os.ports))
    for (const p of ns.ports) {
      if (!p || p.nodePort) continue;
      const prev = os.ports.find((q: Obj) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
}

function validateUpdate(next: Obj, old: Obj): Cause[] {
  const ns = next.spec ?? {};
  const os = old.spec ?? {};
  if (os.clusterIP && ns.clusterIP !== os.clusterIP && os.type !== 'ExternalName' && ns.type !== 'ExternalName') return [fe.immutable('spec.clusterIPs[0]', ns.clusterIP)];
  return [];
}

const message = defineMessages(
  `
message ServicePort { optional string name = 1; optional string protocol = 2; optional int32 port = 3; optional IntOrString targetPort = 4; optional int32 nodePort = 5; optional string appProtocol = 6; }
message ServiceSpec {
  repeated ServicePort ports = 1; map<string, string> selector = 2; optional string clusterIP = 3; optional string type = 4;
  repeated string externalIPs = 5; optional string sessionAffinity = 7; optional string loadBalancerIP = 8; optional string externalName = 10;
  optional string externalTrafficPolicy = 11; optional int32 healthCheckNodePort = 12; optional bool publishNotReadyAddresses = 13;
  repeated string clusterIPs = 18;
}
message Service { optional ObjectMeta metadata = 1; optional ServiceSpec spec = 2; }
`,
  ['appProtocol'],
);


/** The Service kind's identity, for callers that do not hold the instance built below. */
export const SERVICES = { group: '', resource: 'services' } as const;

/** The Service kind for these ranges, its allocations kept in etcd under `root`. */
export function services(ranges: ServiceRanges, store: Store, root: string): ResourceStrategy {
  const allocator = new ServiceAllocator(store, root, ranges.ipRange, ranges.portRange);
  return {
    group: '',
    kind: 'Service',
    resource: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    versions: [{ name: 'v1' }],
    storageKey: 'services/specs',
    nameRule: dns1035LabelErrors,
    status: { initial: () => ({ loadBalancer: {} }) },
    subresources: { proxy: proxySubresource('ServiceProxyOptions') },
    prepareForUpdate: keepAllocations,
    defaults,
    validate(o) {
      const errs: Cause[] = [];
      validateService(o, errs, ranges.portRange);
      return errs;
    },
    validateUpdate,
    table: servicePrinter,
    selectableFields: { ...METADATA_SELECTABLE, 'spec.clusterIP': (o) => str(o.spec?.clusterIP), 'spec.type': (o) => str(o.spec?.type) },
    protobuf: message('Service'),
    storage: allocator,
  };
}

export { IpRange, parsePortRange } from './bitmap';
