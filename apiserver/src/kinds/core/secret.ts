// Secrets (upstream pkg/registry/core/secret): stringData folded into data (base64) on create and update,
// type Opaque by default, selectable by type.
import { METADATA_SELECTABLE } from '../../registry/kinds';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj, setIfAbsent, str, type Obj } from '../helpers';
import { MAX_DATA_SIZE, dataMaps, validateImmutable } from './configdata';
import { fe, type Cause } from '../../registry/fielderrors';
import { bool, str as strField } from '../../registry/validation';

/** stringData folded into data; what is not a string stays behind for validation to refuse. */
function foldStringData(secret: Obj): void {
  const bad: Obj = {};
  if (isObj(secret.stringData) && (secret.data === undefined || secret.data === null || isObj(secret.data))) {
    secret.data = { ...(secret.data ?? {}) };
    for (const [k, v] of Object.entries(secret.stringData)) {
      if (typeof v === 'string') secret.data[k] = Buffer.from(v).toString('base64');
      else bad[k] = v;
    }
  } else if (secret.stringData !== undefined && secret.stringData !== null) bad[''] = secret.stringData;
  if (Object.keys(bad).length) secret.stringData = bad;
  else delete secret.stringData;
}

/** The keys each Secret type requires (ValidateSecret). */
const REQUIRED_KEYS: Record<string, string[][]> = {
  'kubernetes.io/dockercfg': [['.dockercfg']],
  'kubernetes.io/dockerconfigjson': [['.dockerconfigjson']],
  'kubernetes.io/basic-auth': [['username', 'password']],
  'kubernetes.io/ssh-auth': [['ssh-privatekey']],
  'kubernetes.io/tls': [['tls.crt'], ['tls.key']],
};

/** ValidateSecret: keys, the 1 MiB total, base64 values, and the keys of the well-known types. */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  for (const [k, v] of Object.entries(isObj(o.stringData) ? o.stringData : {})) errs.push(fe.type(k ? `stringData[${k}]` : 'stringData', v, k ? 'string' : 'object'));
  const { size, keys } = dataMaps(errs, o, [{ field: 'data', bytes: true }]);
  if (size > MAX_DATA_SIZE) errs.push(fe.tooLong('data', MAX_DATA_SIZE));
  const type = strField(errs, 'type', o.type) ?? '';
  if (type === 'kubernetes.io/service-account-token' && !o.metadata?.annotations?.['kubernetes.io/service-account.name'])
    errs.push(fe.required('metadata.annotations[kubernetes.io/service-account.name]'));
  // each group: one of its keys must be present
  for (const group of REQUIRED_KEYS[type] ?? []) if (!group.some((k) => keys.has(k))) for (const k of group) errs.push(fe.required(`data[${k}]`));
  for (const k of ['.dockercfg', '.dockerconfigjson']) {
    if (type !== `kubernetes.io/${k.slice(1)}` || typeof o.data?.[k] !== 'string') continue;
    try {
      JSON.parse(Buffer.from(o.data[k], 'base64').toString('utf8'));
    } catch (e) {
      errs.push(fe.invalid(`data[${k}]`, '<secret contents redacted>', (e as Error).message));
    }
  }
  bool(errs, 'immutable', o.immutable);
  return errs;
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
  validate,
  validateUpdate: (next, old) => [...validateImmutable(next, old), ...(next.type !== old.type ? [fe.immutable('type', next.type)] : [])],
  table: {
    columns: [NAME, col('Type', { description: 'The type of the secret' }), col('Data', { description: 'Data contains the secret data.' }), AGE],
    cells: (o, now) => [nameOf(o), o.type ?? '', Object.keys(o.data ?? {}).length, ageOf(o, now)],
  },
  selectableFields: { ...METADATA_SELECTABLE, type: (o) => str(o.type) },
  protobuf: message('Secret'),
};
