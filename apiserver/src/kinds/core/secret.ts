// Secrets (upstream pkg/registry/core/secret): stringData folded into data (base64) on create and update,
// type Opaque by default, selectable by type.
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { setIfAbsent, str, type Obj } from '../helpers';
import { validateDataKeys, validateImmutable } from './configdata';

function foldStringData(secret: Obj): void {
  if (secret.stringData && typeof secret.stringData === 'object') {
    secret.data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(secret.stringData)) secret.data[k] = Buffer.from(String(v)).toString('base64');
  }
  delete secret.stringData;
}

const message = defineMessages(`message Secret { optional ObjectMeta metadata = 1; map<string, bytes> data = 2; optional string type = 3; map<string, string> stringData = 4; optional bool immutable = 5; }`, ['immutable']);

export const secrets: ResourceStrategy = {
  group: '',
  kind: 'Secret',
  resource: 'secrets',
  namespaced: true,
  versions: [{ name: 'v1' }],
  prepareForCreate: foldStringData,
  prepareForUpdate: foldStringData,
  defaults: (o) => setIfAbsent(o, 'type', 'Opaque'),
  validate: (o) => validateDataKeys(o, ['data', 'binaryData', 'stringData']),
  validateUpdate: validateImmutable,
  table: {
    columns: [NAME, col('Type', { description: 'The type of the secret' }), col('Data', { description: 'Data contains the secret data.' }), AGE],
    cells: (o, now) => [nameOf(o), o.type ?? '', Object.keys(o.data ?? {}).length, ageOf(o, now)],
  },
  selectableFields: { ...METADATA_SELECTABLE, type: (o) => str(o.type) },
  protobuf: message('Secret'),
};
