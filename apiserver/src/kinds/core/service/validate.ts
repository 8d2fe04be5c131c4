// ValidateService (and ValidateServiceClusterIPsRelatedFields, validateServicePort,
// validateClientIPAffinityConfig, validateServiceExternalTrafficPolicy): every value kube-proxy turns into a
// rule (cluster IPs, external IPs, ports, node ports, affinity timeouts, source ranges) checked here first.
import { MAX_CLIENT_IP_AFFINITY_SECONDS, parseIPSloppy } from '@minik8s/shared';
import { fe, type Cause } from '../../../registry/fielderrors';
import {
  cidr, dnsLabel, dnsSubdomain, endpointIP, int32, ip, labels, obj, objects, oneOf, portNum, portNumOrName, protocol, qualifiedName, str, strings, bool, type Errs,
} from '../../../registry/validation';
import { isObj, type Obj } from '../../helpers';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
/** The kubelet's port, which a LoadBalancer may not expose (upstream ports.KubeletPort). */
const KUBELET_PORT = 10250;

/** ExternallyAccessible: NodePort, LoadBalancer, or a ClusterIP Service with external IPs. */
export const externallyAccessible = (spec: Obj) =>
  spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);

function clusterIPsRelated(errs: Errs, spec: Obj): void {
  if (spec.type === 'ExternalName') return;
  const clusterIP = str(errs, 'spec.clusterIP', spec.clusterIP);
  const ips = strings(errs, 'spec.clusterIPs', spec.clusterIPs).map(([s]) => s);
  if (clusterIP) {
    if (!ips.length) errs.push(fe.required('spec.clusterIPs'));
    else if (ips[0] !== clusterIP) errs.push(fe.invalid('spec.clusterIPs', ips, 'first value must match `clusterIP`'));
  } else if (ips.length) errs.push(fe.invalid('spec.clusterIPs', ips, 'must be empty when `clusterIP` is not specified'));
  const families = strings(errs, 'spec.ipFamilies', spec.ipFamilies).map(([s]) => s);
  const seen = new Set<string>();
  families.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fe.notSupported(`spec.ipFamilies[${i}]`, f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fe.duplicate(`spec.ipFamilies[${i}]`, f));
    seen.add(f);
  });
  oneOf(errs, 'spec.ipFamilyPolicy', spec.ipFamilyPolicy, ['PreferDualStack', 'RequireDualStack', 'SingleStack'] as const);
  let bad = false;
  ips.forEach((v, i) => {
    if (i === 0 && v === 'None') {
      if (ips.length > 1) {
        bad = true;
        errs.push(fe.invalid('spec.clusterIPs', ips, "'None' must be the first and only value"));
      }
      return;
    }
    if (!ip(errs, `spec.clusterIPs[${i}]`, v)) bad = true;
  });
  if (ips.length > 2) errs.push(fe.invalid('spec.clusterIPs', ips, 'may only hold up to 2 values'));
  if (bad) return;
  if (ips.length > 1) {
    const fams = new Set(ips.map((v) => parseIPSloppy(v)?.family));
    if (fams.size !== ips.length) errs.push(fe.invalid('spec.clusterIPs', ips, 'may specify no more than one IP for each IP family'));
  }
  if (ips[0] !== 'None')
    ips.forEach((v, i) => {
      const want = families[i];
      const fam = parseIPSloppy(v)?.family;
      if (want === 'IPv4' && fam === 6) errs.push(fe.invalid(`spec.clusterIPs[${i}]`, v, `expected an IPv4 value as indicated by \`ipFamilies[${i}]\``));
      if (want === 'IPv6' && fam !== 6) errs.push(fe.invalid(`spec.clusterIPs[${i}]`, v, `expected an IPv6 value as indicated by \`ipFamilies[${i}]\``));
    });
}

function servicePorts(errs: Errs, spec: Obj): void {
  const items = objects(errs, 'spec.ports', spec.ports);
  const names = new Set<string>();
  const seen = new Set<string>();
  const nodePorts = new Set<string>();
  for (const [p, pp] of items) {
    const name = str(errs, `${pp}.name`, p.name);
    if (items.length > 1 && !name) errs.push(fe.required(`${pp}.name`));
    else if (name) {
      dnsLabel(errs, `${pp}.name`, name);
      if (names.has(name)) errs.push(fe.duplicate(`${pp}.name`, name));
      names.add(name);
    }
    const port = portNum(errs, `${pp}.port`, p.port);
    const proto = protocol(errs, `${pp}.protocol`, p.protocol);
    if (p.targetPort !== undefined && p.targetPort !== null) portNumOrName(errs, `${pp}.targetPort`, p.targetPort);
    const app = str(errs, `${pp}.appProtocol`, p.appProtocol);
    if (app) qualifiedName(errs, `${pp}.appProtocol`, app);
    const nodePort = int32(errs, `${pp}.nodePort`, p.nodePort);
    if (nodePort) {
      if (spec.type === 'ClusterIP') errs.push(fe.forbidden(`${pp}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
      else if (nodePort < 0) errs.push(fe.invalid(`${pp}.nodePort`, nodePort, 'must be between 1 and 65535, inclusive'));
      const key = `${proto}/${nodePort}`;
      if (nodePorts.has(key)) errs.push(fe.duplicate(`${pp}.nodePort`, nodePort));
      nodePorts.add(key);
    }
    if (spec.type === 'LoadBalancer' && port === KUBELET_PORT) errs.push(fe.invalid(pp, port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
    const key = `${proto}/${port}`;
    if (port !== undefined && proto && seen.has(key)) errs.push(fe.duplicate(pp, { port, protocol: proto }));
    seen.add(key);
  }
}

function sessionAffinity(errs: Errs, spec: Obj): void {
  const affinity = oneOf(errs, 'spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None'] as const, true);
  const path = 'spec.sessionAffinityConfig';
  const cfg = obj(errs, path, spec.sessionAffinityConfig);
  if (affinity === 'None' && cfg) errs.push(fe.forbidden(path, 'must not be set when session affinity is None'));
  if (affinity !== 'ClientIP') return;
  const when = 'when session affinity type is ClientIP';
  if (!cfg) return void errs.push(fe.required(path, when));
  const clientIP = obj(errs, `${path}.clientIP`, cfg.clientIP);
  if (!clientIP) return void errs.push(fe.required(`${path}.clientIP`, when));
  const tp = `${path}.clientIP.timeoutSeconds`;
  const t = int32(errs, tp, clientIP.timeoutSeconds);
  if (clientIP.timeoutSeconds === undefined || clientIP.timeoutSeconds === null) return void errs.push(fe.required(tp, when));
  if (t !== undefined && (t <= 0 || t > MAX_CLIENT_IP_AFFINITY_SECONDS)) errs.push(fe.invalid(tp, t, `must be greater than 0 and less than ${MAX_CLIENT_IP_AFFINITY_SECONDS}`));
}

/** ValidateService: every wrong field of the Service, as upstream words it. */
export function validateService(svc: Obj, errs: Cause[]): void {
  const spec = svc.spec;
  if (!isObj(spec)) return void errs.push(spec === undefined || spec === null ? fe.required('spec') : fe.type('spec', spec, 'object'));
  const type = oneOf(errs, 'spec.type', spec.type, SERVICE_TYPES, true);
  const headless = spec.clusterIP === 'None';
  if (!headless && type !== 'ExternalName' && (!Array.isArray(spec.ports) || !spec.ports.length)) errs.push(fe.required('spec.ports'));
  if (headless && (type === 'LoadBalancer' || type === 'NodePort')) errs.push(fe.invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  if (type === 'ExternalName') {
    if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length) errs.push(fe.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
    if (Array.isArray(spec.ipFamilies) && spec.ipFamilies.length) errs.push(fe.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(fe.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
    const cname = (str(errs, 'spec.externalName', spec.externalName) ?? '').replace(/\.$/, '');
    if (cname) dnsSubdomain(errs, 'spec.externalName', cname);
    else errs.push(fe.required('spec.externalName'));
  }
  servicePorts(errs, spec);
  if (spec.selector !== undefined && spec.selector !== null) labels(errs, 'spec.selector', spec.selector);
  sessionAffinity(errs, spec);
  clusterIPsRelated(errs, spec);
  for (const [v, p] of strings(errs, 'spec.externalIPs', spec.externalIPs)) endpointIP(errs, p, v);
  const ranges = strings(errs, 'spec.loadBalancerSourceRanges', spec.loadBalancerSourceRanges);
  if (ranges.length) {
    if (type !== 'LoadBalancer') errs.push(fe.forbidden('spec.LoadBalancerSourceRanges', "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach(([v], i) => cidr(errs, `spec.LoadBalancerSourceRanges[${i}]`, v.trim()));
  }
  const lbIP = str(errs, 'spec.loadBalancerIP', spec.loadBalancerIP);
  if (lbIP) ip(errs, 'spec.loadBalancerIP', lbIP);
  const etp = str(errs, 'spec.externalTrafficPolicy', spec.externalTrafficPolicy);
  if (!externallyAccessible(spec) || type === 'ExternalName') {
    if (etp) errs.push(fe.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(fe.required('spec.externalTrafficPolicy'));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(fe.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  const hc = int32(errs, 'spec.healthCheckNodePort', spec.healthCheckNodePort);
  if (hc && !(type === 'LoadBalancer' && etp === 'Local')) errs.push(fe.invalid('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
  else if (hc) portNum(errs, 'spec.healthCheckNodePort', hc);
  const itp = oneOf(errs, 'spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local'] as const);
  if (!itp && type && type !== 'ExternalName' && (spec.internalTrafficPolicy === undefined || spec.internalTrafficPolicy === null))
    errs.push(fe.required('spec.internalTrafficPolicy', 'must be specified'));
  oneOf(errs, 'spec.trafficDistribution', spec.trafficDistribution, ['PreferClose'] as const);
  bool(errs, 'spec.publishNotReadyAddresses', spec.publishNotReadyAddresses);
  bool(errs, 'spec.allocateLoadBalancerNodePorts', spec.allocateLoadBalancerNodePorts);
  const lbClass = str(errs, 'spec.loadBalancerClass', spec.loadBalancerClass);
  if (lbClass) qualifiedName(errs, 'spec.loadBalancerClass', lbClass);
}

/** ValidateLoadBalancerStatus (status.loadBalancer.ingress). */
export function validateServiceStatus(svc: Obj, errs: Cause[]): void {
  const lb = obj(errs, 'status.loadBalancer', obj(errs, 'status', svc.status)?.loadBalancer);
  for (const [ing, p] of objects(errs, 'status.loadBalancer.ingress', lb?.ingress)) {
    const v = str(errs, `${p}.ip`, ing.ip);
    if (v) ip(errs, `${p}.ip`, v);
    const host = str(errs, `${p}.hostname`, ing.hostname);
    if (host) {
      dnsSubdomain(errs, `${p}.hostname`, host);
      if (parseIPSloppy(host)) errs.push(fe.invalid(`${p}.hostname`, host, 'must be a DNS name, not an IP address'));
    }
    oneOf(errs, `${p}.ipMode`, ing.ipMode, ['Proxy', 'VIP'] as const);
  }
}
