// EndpointSlices (discovery.k8s.io, upstream pkg/registry/discovery/endpointslice): addresses of the slice's
// type and ports validated as upstream before kube-proxy turns them into rules.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { listWithMore } from '../../tables/format';
import { setIfAbsent, type Obj } from '../helpers';
import { dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import { bool, dnsLabel, dnsSubdomain, ip, ipOfFamily, labels, labelValue, list, nonSpecialIP, obj, objects, oneOf, portNum, protocol, qualifiedName, str, strings } from '../../registry/validation';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'] as const;
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 20000;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_HINTS = 8;

/** An address of the slice's type: an IP of that family and not special, or a fully qualified domain name. */
function address(errs: Cause[], path: string, v: string, type: string | undefined): void {
  if (type === 'IPv4' || type === 'IPv6') {
    if (ipOfFamily(errs, path, v, type === 'IPv4' ? 4 : 6) && ip(errs, path, v)) nonSpecialIP(errs, path, v);
  } else if (type === 'FQDN') {
    const name = v.replace(/\.$/, '');
    if (!name) errs.push(fe.required(path));
    else if (dns1123SubdomainErrors(name).length) dnsSubdomain(errs, path, name);
    else if (name.split('.').length < 2) errs.push(fe.invalid(path, name, 'should be a domain with at least two segments separated by dots'));
  }
}

/** ValidateEndpointSlice: addressType, endpoints (addresses of that type, node names, hostnames, hints), ports. */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const type = oneOf(errs, 'addressType', o.addressType, ADDRESS_TYPES, true);
  const eps = list(errs, 'endpoints', o.endpoints);
  if (eps.length > MAX_ENDPOINTS) errs.push(fe.tooMany('endpoints', eps.length, MAX_ENDPOINTS));
  else
    for (const [e, p] of objects(errs, 'endpoints', eps)) {
      const addrs = strings(errs, `${p}.addresses`, e.addresses);
      if (!addrs.length) errs.push(fe.required(`${p}.addresses`, 'must contain at least 1 address'));
      else if (addrs.length > MAX_ADDRESSES) errs.push(fe.tooMany(`${p}.addresses`, addrs.length, MAX_ADDRESSES));
      else for (const [a, ap] of addrs) address(errs, ap, a, type);
      const node = str(errs, `${p}.nodeName`, e.nodeName);
      if (node) dnsSubdomain(errs, `${p}.nodeName`, node);
      const topo = obj(errs, `${p}.deprecatedTopology`, e.deprecatedTopology);
      if (topo && Object.keys(topo).length > MAX_TOPOLOGY_LABELS) errs.push(fe.tooMany(`${p}.deprecatedTopology`, Object.keys(topo).length, MAX_TOPOLOGY_LABELS));
      labels(errs, `${p}.deprecatedTopology`, topo);
      const hostname = str(errs, `${p}.hostname`, e.hostname);
      if (hostname) dnsLabel(errs, `${p}.hostname`, hostname);
      const conds = obj(errs, `${p}.conditions`, e.conditions);
      for (const c of ['ready', 'serving', 'terminating']) bool(errs, `${p}.conditions.${c}`, conds?.[c]);
      str(errs, `${p}.zone`, e.zone);
      const hints = obj(errs, `${p}.hints`, e.hints);
      const zones = objects(errs, `${p}.hints.forZones`, hints?.forZones);
      if (zones.length > MAX_HINTS) errs.push(fe.tooMany(`${p}.hints.forZones`, zones.length, MAX_HINTS));
      for (const [z, zp] of zones) labelValue(errs, `${zp}.name`, str(errs, `${zp}.name`, z.name) ?? '');
    }
  const ports = list(errs, 'ports', o.ports);
  if (ports.length > MAX_PORTS) errs.push(fe.tooMany('ports', ports.length, MAX_PORTS));
  else {
    const names = new Set<string>();
    for (const [port, p] of objects(errs, 'ports', ports)) {
      const name = str(errs, `${p}.name`, port.name) ?? '';
      if (name) dnsLabel(errs, `${p}.name`, name);
      if (names.has(name)) errs.push(fe.duplicate(`${p}.name`, name));
      names.add(name);
      protocol(errs, `${p}.protocol`, port.protocol);
      // a port is optional ("all ports"); when set it is what kube-proxy forwards to
      if (port.port !== undefined && port.port !== null) portNum(errs, `${p}.port`, port.port);
      const app = str(errs, `${p}.appProtocol`, port.appProtocol);
      if (app) qualifiedName(errs, `${p}.appProtocol`, app);
    }
  }
  return errs;
}

export const endpointSlices: ResourceStrategy = {
  group: 'discovery.k8s.io',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  namespaced: true,
  versions: [{ name: 'v1' }],
  validate,
  validateUpdate: (next, old) => (next.addressType !== old.addressType ? [fe.immutable('addressType', next.addressType)] : []),
  defaults(o) {
    if (Array.isArray(o.ports)) for (const p of o.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
  },
  table: {
    columns: [
      NAME,
      col('AddressType', { description: 'addressType specifies the type of address carried by this EndpointSlice.' }),
      col('Ports', { description: 'ports specifies the list of network ports exposed by each endpoint in this slice.' }),
      col('Endpoints', { description: 'endpoints is a list of unique endpoints in this slice.' }),
      AGE,
    ],
    cells(o, now) {
      const ports: string[] = (o.ports ?? []).map((p: any) => (p.port != null ? String(p.port) : (p.name ?? '*')));
      const addrs: string[] = (o.endpoints ?? []).flatMap((e: any) => e.addresses ?? []);
      return [nameOf(o), o.addressType ?? '', listWithMore(ports, ports.length, '<unset>'), listWithMore(addrs, addrs.length, '<unset>'), ageOf(o, now)];
    },
  },
};
