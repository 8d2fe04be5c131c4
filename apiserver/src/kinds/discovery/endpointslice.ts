// EndpointSlices (discovery.k8s.io).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { listWithMore } from '../../tables/format';
import { setIfAbsent } from '../helpers';

export const endpointSlices: ResourceStrategy = {
  group: 'discovery.k8s.io',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  namespaced: true,
  versions: [{ name: 'v1' }],
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
