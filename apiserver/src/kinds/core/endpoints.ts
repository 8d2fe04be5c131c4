// Endpoints (upstream pkg/registry/core/endpoint): kept under the historical services/endpoints keys; a PUT
// of a missing one creates it (the endpoints controller writes them that way).
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { listWithMore } from '../../tables/format';
import { setIfAbsent } from '../helpers';

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
  defaults(o) {
    if (Array.isArray(o.subsets))
      for (const s of o.subsets) if (Array.isArray(s?.ports)) for (const p of s.ports) if (p && typeof p === 'object') setIfAbsent(p, 'protocol', 'TCP');
  },
  table: {
    columns: [NAME, col('Endpoints', { description: 'Endpoints is the list of endpoints for this service.' }), AGE],
    cells: (o, now) => [nameOf(o), formatEndpoints(o), ageOf(o, now)],
  },
};
