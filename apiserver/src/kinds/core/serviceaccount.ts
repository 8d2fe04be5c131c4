// ServiceAccounts (upstream pkg/registry/core/serviceaccount).
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import './podspec';
import type { Cause } from '../../registry/fielderrors';
import { bool, objects, str } from '../../registry/validation';

const message = defineMessages(`
message ServiceAccount {
  optional ObjectMeta metadata = 1; repeated ObjectReference secrets = 2; repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4;
}
`);

export const serviceAccounts: ResourceStrategy = {
  group: '',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  namespaced: true,
  shortNames: ['sa'],
  versions: [{ name: 'v1' }],
  validate(o) {
    const errs: Cause[] = [];
    for (const [ref, p] of objects(errs, 'secrets', o.secrets)) str(errs, `${p}.name`, ref.name);
    for (const [ref, p] of objects(errs, 'imagePullSecrets', o.imagePullSecrets)) str(errs, `${p}.name`, ref.name);
    bool(errs, 'automountServiceAccountToken', o.automountServiceAccountToken);
    return errs;
  },
  table: {
    columns: [NAME, col('Secrets', { description: 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.' }), AGE],
    cells: (o, now) => [nameOf(o), (o.secrets ?? []).length, ageOf(o, now)],
  },
  protobuf: message('ServiceAccount'),
};
