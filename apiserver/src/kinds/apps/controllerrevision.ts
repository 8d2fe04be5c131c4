// ControllerRevisions (upstream pkg/registry/apps/controllerrevision): a StatefulSet's or DaemonSet's
// template history.
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf, num } from '../../tables/columns';
import type { Obj } from '../helpers';
import { fe, type Cause } from '../../registry/fielderrors';
import { deepEqual } from '../../registry/objects';
import { int64, nonNegative } from '../../registry/validation';

export const controllerRevisions: ResourceStrategy = {
  group: 'apps',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  namespaced: true,
  versions: [{ name: 'v1' }],
  validate(o) {
    const errs: Cause[] = [];
    if (o.data === undefined || o.data === null) errs.push(fe.required('data', 'data is mandatory'));
    nonNegative(errs, 'revision', int64(errs, 'revision', o.revision));
    return errs;
  },
  validateUpdate: (next, old) => (deepEqual(next.data, old.data) ? [] : [fe.invalid('data', next.data, 'field is immutable')]),
  table: {
    columns: [NAME, col('Controller', { description: 'Controller of the object' }), col('Revision', { description: 'Revision indicates the revision of the state represented by Data.' }), AGE],
    cells(o, now) {
      const owner = (o.metadata?.ownerReferences ?? []).find((r: Obj) => r.controller);
      const group = String(owner?.apiVersion ?? '').includes('/') ? String(owner.apiVersion).split('/')[0] : '';
      const ctrl = owner ? `${String(owner.kind).toLowerCase()}${group ? `.${group}` : ''}/${owner.name}` : '<none>';
      return [nameOf(o), ctrl, num(o.revision), ageOf(o, now)];
    },
  },
};
