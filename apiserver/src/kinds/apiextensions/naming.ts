// Which names of a CustomResourceDefinition are accepted (upstream's NamingConditionController): a name
// another CRD of the same group already accepted (or, here, a kind served by this apiserver in that group)
// stays unaccepted, with NamesAccepted=False and the conflict's reason; names already accepted stay
// accepted. Established starts False ("NotAccepted", or "Installing" once the names are accepted) until
// the controller serves the kind and sets it True. Pure: the controller brings the names in use.
import { deepEqual, type Obj } from '../../registry/objects';
import { findCondition, type CrdCondition } from './conditions';

/** The names in use in a group: resources (plural, singular, short names) and kinds (kind, list kind). */
export interface UsedNames {
  resources: Set<string>;
  kinds: Set<string>;
}

export interface Naming {
  acceptedNames: Obj;
  namesAccepted: CrdCondition;
  established: CrdCondition;
}

/** Add the accepted names of a CRD (or a served kind's names) to `used`. */
export function addUsedNames(used: UsedNames, names: Obj | undefined): void {
  if (!names) return;
  for (const n of [names.plural, names.singular, ...(Array.isArray(names.shortNames) ? names.shortNames : [])]) if (n) used.resources.add(n);
  for (const n of [names.kind, names.listKind]) if (n) used.kinds.add(n);
}

/** upstream equalToAcceptedOrFresh: the error of a requested name, or undefined when it may be accepted. */
function conflict(requested: string | undefined, accepted: string | undefined, used: Set<string>): string | undefined {
  if (requested === accepted || !requested || !used.has(requested)) return undefined;
  return `"${requested}" is already in use`;
}

/** upstream calculateNamesAndConditions. */
export function calculateNames(crd: Obj, used: UsedNames): Naming {
  const requested: Obj = crd.spec?.names ?? {};
  const accepted: Obj = crd.status?.acceptedNames ?? {};
  const next: Obj = { ...accepted };
  let namesAccepted: CrdCondition | undefined;
  const fail = (reason: string, message: string) => {
    namesAccepted = { type: 'NamesAccepted', status: 'False', reason, message };
  };
  const one = (field: string, reason: string, set: Set<string>) => {
    const err = conflict(requested[field], accepted[field], set);
    if (err) fail(reason, err);
    else next[field] = requested[field];
  };
  one('plural', 'PluralConflict', used.resources);
  one('singular', 'SingularConflict', used.resources);
  const wanted: string[] = Array.isArray(requested.shortNames) ? requested.shortNames : [];
  const had: string[] = Array.isArray(accepted.shortNames) ? accepted.shortNames : [];
  if (!deepEqual(wanted, had)) {
    const errs = wanted.filter((n) => !had.includes(n)).flatMap((n) => conflict(n, '', used.resources) ?? []);
    if (errs.length) fail('ShortNamesConflict', errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`);
    else next.shortNames = wanted;
  }
  one('kind', 'KindConflict', used.kinds);
  one('listKind', 'ListKindConflict', used.kinds);
  if (requested.categories !== undefined) next.categories = requested.categories;
  else delete next.categories;
  if (!next.shortNames?.length) delete next.shortNames;
  const ok: CrdCondition = { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const names = namesAccepted ?? ok;
  let established: CrdCondition = findCondition(crd, 'Established') ?? { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };
  if (established.status !== 'True' && names.status === 'True') established = { type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' };
  // in the order upstream's CustomResourceDefinitionNames serializes them
  const ordered: Obj = {};
  for (const k of ['plural', 'singular', 'shortNames', 'kind', 'listKind', 'categories']) if (next[k] !== undefined && (next[k] !== '' || k === 'plural' || k === 'kind')) ordered[k] = next[k];
  ordered.plural ??= '';
  ordered.kind ??= '';
  return { acceptedNames: ordered, namesAccepted: names, established };
}
