// Moving an object from client-side to server-side apply, as kubectl does after `apply --server-side`
// (client-go's csaupgrade): the Update entries of the client-side apply managers (those that own the
// last-applied-configuration annotation) become part of the server-side applier's Apply entry, so fields
// the configuration no longer sets are pruned by the next apply instead of being left behind.
import { FieldSet } from './fieldset';
import { fieldElement } from './pathelement';
import type { ManagedFieldsEntry } from './managedfields';
import { LAST_APPLIED_ANNOTATION } from './fieldmanager';
import { valuesEqual } from './value';

/** The path of the last-applied-configuration annotation. */
export const LAST_APPLIED_PATH = FieldSet.of([
  fieldElement('metadata'),
  fieldElement('annotations'),
  fieldElement(LAST_APPLIED_ANNOTATION),
]);

function setOf(e: ManagedFieldsEntry): FieldSet | undefined {
  try {
    return FieldSet.fromFieldsV1(e.fieldsV1);
  } catch {
    return undefined;
  }
}

/** The entries of `operation` that own every path of `fields`. */
export function findFieldsOwners(
  entries: readonly ManagedFieldsEntry[] | undefined,
  operation: 'Apply' | 'Update',
  fields: FieldSet,
): ManagedFieldsEntry[] {
  return (entries ?? []).filter((e) => {
    if (e.operation !== operation) return false;
    const set = setOf(e);
    return !!set && fields.difference(set).empty();
  });
}

function upgradeOne(entries: ManagedFieldsEntry[], csa: string, ssa: string, subresource: string): ManagedFieldsEntry[] {
  const out = entries.map((e) => ({ ...e }));
  const sub = (e: ManagedFieldsEntry) => (e.subresource ?? '') === subresource;
  let target = out.findIndex((e) => e.manager === ssa && e.operation === 'Apply' && sub(e));
  if (target < 0) {
    target = out.findIndex((e) => e.manager === csa && e.operation === 'Update' && sub(e));
    if (target < 0) return out;
    out[target].operation = 'Apply';
    out[target].manager = ssa;
  }
  const t = out[target];
  const csaEntry = out.find((e) => e.manager === csa && e.operation === 'Update' && sub(e) && e.apiVersion === t.apiVersion);
  const targetSet = setOf(t);
  if (!targetSet) throw new Error(`failed to convert fields to set of manager ${JSON.stringify(t.manager)}`);
  let combined = targetSet;
  if (csaEntry) {
    const csaSet = setOf(csaEntry);
    if (!csaSet) throw new Error(`failed to convert fields to set of manager ${JSON.stringify(csa)}`);
    combined = combined.union(csaSet);
  }
  t.fieldsV1 = combined.toFieldsV1();
  return out.filter((e) => !(e.manager === csa && e.operation === 'Update' && sub(e)));
}

/** The managedFields with the client-side managers folded into `ssaManager` (unchanged when there is nothing to do). */
export function upgradeManagedFields(
  entries: readonly ManagedFieldsEntry[] | undefined,
  csaManagers: Iterable<string>,
  ssaManager: string,
  subresource = '',
): ManagedFieldsEntry[] | undefined {
  if (!entries) return undefined;
  let out = [...entries];
  for (const csa of csaManagers) out = upgradeOne(out, csa, ssaManager, subresource);
  return out;
}

/**
 * The JSON patch kubectl sends to upgrade an object's managers (managedFields replaced, resourceVersion as
 * a precondition), or undefined when nothing changes.
 */
export function upgradeManagedFieldsPatch(
  obj: { metadata?: { managedFields?: ManagedFieldsEntry[]; resourceVersion?: string } },
  csaManagers: Iterable<string>,
  ssaManager: string,
): string | undefined {
  const before = obj.metadata?.managedFields;
  const after = upgradeManagedFields(before, csaManagers, ssaManager);
  if (valuesEqual(before, after)) return undefined;
  return JSON.stringify([
    { op: 'replace', path: '/metadata/managedFields', value: after ?? null },
    { op: 'replace', path: '/metadata/resourceVersion', value: obj.metadata?.resourceVersion ?? '' },
  ]);
}
