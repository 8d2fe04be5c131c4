// Endpoints (upstream pkg/registry/core/endpoint): kept under the historical services/endpoints keys; a PUT
// of a missing one creates it (the endpoints controller writes them that way). Addresses and ports are
// validated as upstream before kube-proxy turns them into rules.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { listWithMore } from '../../tables/format';
import { setIfAbsent, type Obj } from '../helpers';
import { fe, type Cause } from '../../registry/fielderrors';
import { dnsLabel, dnsSubdomain, endpointIP, obj, objects, portNum, protocol, qualifiedName, str } from '../../registry/validation';

/** validateEndpointPort. */
function endpointPort(errs: Cause[], path: string, port: Obj, requireName: boolean): void {
  const name = str(errs, `${path}.name`, port.name);
  if (requireName && !name) errs.push(fe.required(`${path}.name`));
  else if (name) dnsLabel(errs, `${path}.name`, name);
  portNum(errs, `${path}.port`, port.port);
  protocol(errs, `${path}.protocol`, port.protocol);
  const app = str(errs, `${path}.appProtocol`, port.appProtocol);
  if (app) qualifiedName(errs, `${path}.appProtocol`, app);
}

/** validateEndpointAddress: an IP that is neither loopback, link-local nor unspecified, a hostname, a node. */
function endpointAddress(errs: Cause[], path: string, a: Obj): void {
  endpointIP(errs, `${path}.ip`, str(errs, `${path}.ip`, a.ip) ?? '');
  const hostname = str(errs, `${path}.hostname`, a.hostname);
  if (hostname) dnsLabel(errs, `${path}.hostname`, hostname);
  const node = str(errs, `${path}.nodeName`, a.nodeName);
  if (node) dnsSubdomain(errs, `${path}.nodeName`, node);
  obj(errs, `${path}.targetRef`, a.targetRef);
}

/** ValidateEndpoints (validateEndpointSubsets). */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  for (const [ss, p] of objects(errs, 'subsets', o.subsets)) {
    const addresses = objects(errs, `${p}.addresses`, ss.addresses);
    const notReady = objects(errs, `${p}.notReadyAddresses`, ss.notReadyAddresses);
    if (!addresses.length && !notReady.length) errs.push(fe.required(p, 'must specify `addresses` or `notReadyAddresses`'));
    for (const [a, ap] of [...addresses, ...notReady]) endpointAddress(errs, ap, a);
    const ports = objects(errs, `${p}.ports`, ss.ports);
    for (const [port, pp] of ports) endpointPort(errs, pp, port, ports.length > 1);
  }
  return errs;
}

const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

function formatEndpoints(o: any): string {
  const subsets: any[] = o.subsets ?? [];
  if (!subsets.length) return '<none>';
  const list: string[] = [];
  for (const ss of subsets) {
    const addrs: any[] = ss.addresses ?? [];
    if (!ss.ports?.length) list.push(...addrs.map((a) => String(a.ip)));
    else for (const p of ss.ports) list.push(...addrs.map((a) => hostPort(String(a.ip), p.port)));
  }
  return listWithMore(list, list.length, '');
}

export const endpoints: ResourceStrategy = {
  group: '',
  kind: 'Endpoints',
  resource: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  versions: [{ name: 'v1' }],
  storageKey: 'services/endpoints',
  createOnUpdate: true,
  validate,
  defaults(o) {
    if (Array.isArray(o.subsets))
      for (const s of o.subsets) if (Array.isArray(s?.ports)) for (const p of s.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
  },
  table: {
    columns: [NAME, col('Endpoints', { description: 'Endpoints is the list of endpoints for this service.' }), AGE],
    cells: (o, now) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
  },
};
