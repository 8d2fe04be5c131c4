// ConfigMaps (upstream pkg/registry/core/configmap).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { validateDataKeys, validateImmutable } from './configdata';

const message = defineMessages(`message ConfigMap { optional ObjectMeta metadata = 1; map<string, string> data = 2; map<string, bytes> binaryData = 3; optional bool immutable = 4; }`, ['immutable']);

export const configMaps: ResourceStrategy = {
  group: '',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  versions: [{ name: 'v1' }],
  validate: (o) => validateDataKeys(o, ['data', 'binaryData', 'stringData']),
  validateUpdate: validateImmutable,
  table: {
    columns: [NAME, col('Data', { description: 'Data contains the configuration data.' }), AGE],
    cells: (o, now) => [nameOf(o), Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, ageOf(o, now)],
  },
  protobuf: message('ConfigMap'),
};
