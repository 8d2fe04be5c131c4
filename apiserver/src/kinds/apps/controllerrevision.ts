// ControllerRevisions (upstream pkg/registry/apps/controllerrevision): a StatefulSet's or DaemonSet's
// template history.
import type { apps } from '@minik8s/shared';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';

export const controllerRevisions: ResourceStrategy = {
  group: 'apps',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  namespaced: true,
  versions: [{ name: 'v1' }],
  table: {
    columns: [NAME, col('Controller', { description: 'Controller of the object' }), col('Revision', { description: 'Revision indicates the revision of the state represented by Data.' }), AGE],
    cells(o: apps.ControllerRevision, now) {
      const owner = (o.metadata?.ownerReferences ?? []).find((r) => r.controller);
      const apiVersion = owner?.apiVersion ?? '';
      const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      const ctrl = owner ? `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}` : '<none>';
      return [nameOf(o), ctrl, num(o.revision), ageOf(o, now)];
    },
  },
};
