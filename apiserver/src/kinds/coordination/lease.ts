// Leases (coordination.k8s.io): leader election and node heartbeats; a PUT of a missing one creates it.
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';

export const leases: ResourceStrategy = {
  group: 'coordination.k8s.io',
  kind: 'Lease',
  resource: 'leases',
  namespaced: true,
  versions: [{ name: 'v1' }],
  createOnUpdate: true,
  table: {
    columns: [NAME, col('Holder', { description: 'HolderIdentity contains the identity of the holder of a current lease.' }), AGE],
    cells: (o, now) => [nameOf(o), o.spec?.holderIdentity ?? '', ageOf(o, now)],
  },
};
