// ConfigMaps (upstream pkg/registry/core/configmap): keys, the 1 MiB total, immutability.
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { MAX_DATA_SIZE, dataMaps, validateImmutable } from './configdata';
import { fe, type Cause } from '../../registry/fielderrors';
import { bool } from '../../registry/validation';

const message = defineMessages(`message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }`, ['immutable']);

export const configMaps: ResourceStrategy = {
  group: '',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  versions: [{ name: 'v1' }],
  validate(o) {
    const errs: Cause[] = [];
    const { size } = dataMaps(errs, o, [{ field: 'data', bytes: false }, { field: 'binaryData', bytes: true }]);
    if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('', MAX_DATA_SIZE));
    bool(errs, 'immutable', o.immutable);
    return errs;
  },
  validateUpdate: validateImmutable,
  table: {
    columns: [NAME, col('Data', { description: 'Data contains the configuration data.' }), AGE],
    cells: (o, now) => [nameOf(o), Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, ageOf(o, now)],
  },
  protobuf: message('ConfigMap'),
};
