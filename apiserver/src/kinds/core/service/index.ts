// Services (upstream pkg/registry/core/service): ClusterIP and NodePort allocation written in the same
// etcd transaction as the Service (StorageHooks, see allocator.ts), allocations kept when an update omits
// them, the cluster IP immutable, DNS-1035 names, and the Service field selectors. Built for one
// apiserver's ranges (--service-cluster-ip-range, --service-node-port-range).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Store } from '../../../storage/etcd';
import { fe, type Cause, dns1035LabelErrors } from '../../../registry/fielderrors';
import { METADATA_SELECTABLE } from '../../../registry/kinds';
import type { ResourceStrategy } from '../../../registry/strategy';
import { defineMessages } from '../../../protobuf/messages';
import { isObj, proxySubresource, setIfAbsent, str, type Obj } from '../../helpers';
import { deepEqual } from '../../../registry/objects';
import { externallyAccessible, validateService, validateServiceStatus } from './validate';

/** SetDefaults_Service: a ClientIP affinity without a timeout sticks for 3 hours. */
const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;
import { ServiceAllocator } from './allocator';
import { IpRange } from './bitmap';
import { servicePrinter } from './table';

export interface ServiceRanges {
  /** --service-cluster-ip-range */
  ipRange: IpRange;
  /** --service-node-port-range */
  portRange: [number, number];
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
  if (externallyAccessible(spec)) setIfAbsent(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.sessionAffinity === 'ClientIP') setIfAbsent(spec, 'sessionAffinityConfig', { clientIP: { timeoutSeconds: DEFAULT_CLIENT_IP_AFFINITY_SECONDS } });
  if (isObj(spec.sessionAffinityConfig) && isObj(spec.sessionAffinityConfig.clientIP))
    setIfAbsent(spec.sessionAffinityConfig.clientIP, 'timeoutSeconds', DEFAULT_CLIENT_IP_AFFINITY_SECONDS);
  if (Array.isArray(spec.ports))
    for (const p of spec.ports) {
      if (!p || typeof p !== 'object') continue;
      setIfAbsent(p, 'protocol', 'TCP');
      setIfAbsent(p, 'targetPort', p.port);
    }
}

/** upstream NormalizeClusterIPs on create: a client that sets only clusterIP gets clusterIPs from it. */
function normalizeClusterIPs(o: Obj): void {
  const s = o.spec;
  if (isObj(s) && typeof s.clusterIP === 'string' && s.clusterIP && (s.clusterIPs === undefined || s.clusterIPs === null || (Array.isArray(s.clusterIPs) && !s.clusterIPs.length)))
    s.clusterIPs = [s.clusterIP];
}

/**
 * As upstream: an update that omits clusterIP(s) or a port's nodePort keeps the allocated ones, and a type
 * change drops what the new type does not use when the client left it as it was (dropTypeDependentFields).
 */
function prepareForUpdate(next: Obj, old: Obj): void {
  const ns = next.spec;
  const os = old.spec;
  if (!isObj(ns) || !isObj(os)) return;
  const same = (f: string) => ns[f] === undefined || deepEqual(ns[f], os[f]);
  if (ns.type !== 'ExternalName') {
    if (!ns.clusterIP && os.clusterIP) ns.clusterIP = os.clusterIP;
    if (!ns.clusterIPs && os.clusterIPs && ns.clusterIP === os.clusterIP) ns.clusterIPs = os.clusterIPs;
  } else if (os.type !== 'ExternalName') {
    if (same('clusterIP') && same('clusterIPs')) {
      delete ns.clusterIP;
      delete ns.clusterIPs;
    }
    for (const f of ['ipFamilies', 'ipFamilyPolicy']) if (same(f)) delete ns[f];
  }
  normalizeClusterIPs(next);
  if ((ns.type === 'NodePort' || ns.type === 'LoadBalancer') && Array.isArray(ns.ports) && Array.isArray(os.ports))
    for (const p of ns.ports) {
      if (!p || p.nodePort) continue;
      const prev = os.ports.find((q: Obj) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (prev?.nodePort) p.nodePort = prev.nodePort;
    }
  if (externallyAccessible(os) && !externallyAccessible(ns) && same('externalTrafficPolicy')) delete ns.externalTrafficPolicy;
  if (os.type === 'LoadBalancer' && ns.type !== 'LoadBalancer' && same('healthCheckNodePort')) delete ns.healthCheckNodePort;
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
    status: {
      initial: () => ({ loadBalancer: {} }),
      validate(o) {
        const errs: Cause[] = [];
        validateServiceStatus(o, errs);
        return errs;
      },
    },
    subresources: { proxy: proxySubresource('ServiceProxyOptions') },
    prepareForCreate: normalizeClusterIPs,
    prepareForUpdate,
    defaults,
    validate(o) {
      const errs: Cause[] = [];
      validateService(o, errs);
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
