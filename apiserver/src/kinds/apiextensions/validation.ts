// A CustomResourceDefinition's validation, as upstream's apiextensions validation (v1.32): the name
// (`<plural>.<group>`), group, scope, names, versions (exactly one storage version, DNS-1035 names), the
// schemas (structural, see schema/structural.ts), subresources, printer columns, selectable fields,
// conversion (None only: this apiserver cannot call conversion webhooks), stored versions, the API approval
// of protected groups, and the immutable fields of an update. Upstream validates its internal form, where
// a field every version sets alike lives at the top (spec.validation, spec.subresources,
// spec.additionalPrinterColumns, spec.selectableFields): the paths of the causes follow that.
import { dns1035LabelErrors, dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import { deepEqual, isObj, type Obj } from '../../registry/objects';
import { hasDefaults } from './schema/defaults';
import { child, index, isObject, type Props } from './schema/paths';
import { costErrors, schemaErrors } from './schema/structural';

export const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io';
const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];
const MAX_SELECTABLE_FIELDS = 8;

export const versionsOf = (crd: Obj): Obj[] => (Array.isArray(crd.spec?.versions) ? crd.spec.versions.filter(isObj) : []);

/** Where a per-version field is reported: at the top when every version sets it alike (upstream's internal form). */
export function perVersion(versions: Obj[], field: string, topLevel: string): (i: number) => string | undefined {
  const shared = versions.length > 0 && versions.every((v) => deepEqual(v[field], versions[0][field]));
  return (i) => (shared ? (i === 0 ? topLevel : undefined) : `spec.versions[${i}].${field}`);
}

const joinErrs = (errs: string[]) => errs.join(',');

/** Names as upstream's ValidateCustomResourceDefinitionNames (spec.names and status.acceptedNames). */
function namesErrors(names: Obj, path: string, out: Cause[]): void {
  const label = (field: string, v: unknown, lower = false) => {
    if (typeof v !== 'string' || !v) return;
    const errs = dns1035LabelErrors(lower ? v.toLowerCase() : v);
    if (errs.length)
      out.push(
        fe.invalid(child(path, field), v, lower ? `may have mixed case, but should otherwise match: ${joinErrs(errs)}` : joinErrs(errs)),
      );
  };
  label('plural', names.plural);
  label('singular', names.singular);
  label('kind', names.kind, true);
  label('listKind', names.listKind, true);
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((n: unknown, i: number) => {
    const errs = typeof n === 'string' ? dns1035LabelErrors(n) : ['must be a string'];
    if (errs.length) out.push(fe.invalid(index(child(path, 'shortNames'), i), n, joinErrs(errs)));
  });
  if (names.kind && names.kind === names.listKind)
    out.push(fe.invalid(child(path, 'listKind'), names.listKind, 'kind and listKind may not be the same'));
  (Array.isArray(names.categories) ? names.categories : []).forEach((n: unknown, i: number) => {
    const errs = typeof n === 'string' ? dns1035LabelErrors(n) : ['must be a string'];
    if (errs.length) out.push(fe.invalid(index(child(path, 'categories'), i), n, joinErrs(errs)));
  });
}

function simpleJsonPath(s: unknown, path: string, out: Cause[]): boolean {
  if (typeof s !== 'string' || !s) out.push(fe.invalid(path, s ?? '', 'must not be empty'));
  else if (s[0] !== '.') out.push(fe.invalid(path, s, 'must be a simple json path starting with .'));
  else return true;
  return false;
}

function subresourcesErrors(sub: Obj | undefined, path: string, out: Cause[]): void {
  const scale = isObj(sub?.scale) ? sub.scale : undefined;
  if (!scale) return;
  const at = (f: string) => `${path}.scale.${f}`;
  if (!scale.specReplicasPath) out.push(fe.required(at('specReplicasPath')));
  else if (simpleJsonPath(scale.specReplicasPath, at('specReplicasPath'), out) && !scale.specReplicasPath.startsWith('.spec.'))
    out.push(fe.invalid(at('specReplicasPath'), scale.specReplicasPath, 'should be a json path under .spec'));
  if (!scale.statusReplicasPath) out.push(fe.required(at('statusReplicasPath')));
  else if (simpleJsonPath(scale.statusReplicasPath, at('statusReplicasPath'), out) && !scale.statusReplicasPath.startsWith('.status.'))
    out.push(fe.invalid(at('statusReplicasPath'), scale.statusReplicasPath, 'should be a json path under .status'));
  const sel = scale.labelSelectorPath;
  if (sel && simpleJsonPath(sel, at('labelSelectorPath'), out) && !sel.startsWith('.spec.') && !sel.startsWith('.status.'))
    out.push(fe.invalid(at('labelSelectorPath'), sel, 'should be a json path under either .spec or .status'));
}

function columnErrors(col: Obj, path: string, out: Cause[]): void {
  if (!col.name) out.push(fe.required(child(path, 'name')));
  if (!col.type) out.push(fe.required(child(path, 'type'), `must be one of ${COLUMN_TYPES.join(',')}`));
  else if (!COLUMN_TYPES.includes(col.type))
    out.push(fe.invalid(child(path, 'type'), col.type, `must be one of ${COLUMN_TYPES.join(',')}`));
  if (col.format && !COLUMN_FORMATS.includes(col.format))
    out.push(fe.invalid(child(path, 'format'), col.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
  if (!col.jsonPath) out.push(fe.required(child(path, 'JSONPath')));
  else simpleJsonPath(col.jsonPath, child(path, 'JSONPath'), out);
}

/** The schema node a selectable field's path names (dot notation, no arrays), or undefined. */
export function schemaAt(schema: Props | undefined, jsonPath: string): Props | undefined {
  let s = schema;
  for (const part of jsonPath.replace(/^\./, '').split('.')) {
    if (!s || !part) return undefined;
    s =
      s.properties && Object.hasOwn(s.properties, part)
        ? s.properties[part]
        : isObject(s.additionalProperties)
          ? s.additionalProperties
          : undefined;
  }
  return s;
}

function selectableFieldErrors(fields: Obj[], schema: Props | undefined, path: string, out: Cause[]): void {
  const seen = new Set<string>();
  fields.forEach((f, i) => {
    const at = child(index(path, i), 'jsonPath');
    if (!f.jsonPath) {
      out.push(fe.required(at));
      return;
    }
    const node = typeof f.jsonPath === 'string' && f.jsonPath.startsWith('.') ? schemaAt(schema, f.jsonPath) : undefined;
    if (!node) {
      out.push(fe.invalid(at, f.jsonPath, `is an invalid path: does not refer to a valid field`));
      return;
    }
    if (f.jsonPath.split('.')[1] === 'metadata') out.push(fe.invalid(at, f.jsonPath, 'must not point to fields in metadata'));
    if (!['string', 'boolean', 'integer'].includes(node.type ?? ''))
      out.push(
        fe.invalid(
          at,
          f.jsonPath,
          'must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
        ),
      );
    if (seen.has(f.jsonPath)) out.push(fe.duplicate(at, f.jsonPath));
    seen.add(f.jsonPath);
  });
  if (seen.size > MAX_SELECTABLE_FIELDS)
    out.push({
      field: path,
      reason: 'FieldValueTooMany',
      message: `Too many: ${seen.size}: must have at most ${MAX_SELECTABLE_FIELDS} items`,
    });
}

function conversionErrors(conversion: unknown, out: Cause[]): void {
  if (!isObj(conversion)) return;
  if (!conversion.strategy) out.push(fe.required('spec.conversion.strategy'));
  else if (conversion.strategy !== 'None') out.push(fe.notSupported('spec.conversion.strategy', conversion.strategy, ['None']));
  else {
    if (conversion.webhook !== undefined && conversion.webhook !== null)
      out.push(fe.forbidden('spec.conversion.webhookClientConfig', 'should not be set when strategy is not set to Webhook'));
  }
}

function approvalState(annotations: Obj | undefined): 'missing' | 'bypassed' | 'approved' | 'invalid' {
  const a = annotations?.[APPROVAL_ANNOTATION];
  if (typeof a !== 'string' || !a) return 'missing';
  if (a.startsWith('unapproved')) return 'bypassed';
  try {
    const u = new URL(a);
    return u.host && u.protocol ? 'approved' : 'invalid';
  } catch {
    return 'invalid';
  }
}

const isProtectedGroup = (g: string) => g === 'k8s.io' || g.endsWith('.k8s.io') || g === 'kubernetes.io' || g.endsWith('.kubernetes.io');

/** A CRD of a protected group needs the approval annotation (an update cannot keep a missing one: no create admitted it). */
function approvalErrors(crd: Obj): Cause[] {
  if (!isProtectedGroup(String(crd.spec?.group ?? ''))) return [];
  const state = approvalState(crd.metadata?.annotations);
  const field = `metadata.annotations[${APPROVAL_ANNOTATION}]`;
  if (state === 'missing')
    return [
      fe.required(
        field,
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`,
      ),
    ];
  if (state === 'invalid')
    return [
      fe.invalid(
        field,
        crd.metadata.annotations[APPROVAL_ANNOTATION],
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
      ),
    ];
  return [];
}

function storedVersionsErrors(crd: Obj, out: Cause[]): void {
  const stored: unknown[] = Array.isArray(crd.status?.storedVersions) ? crd.status.storedVersions : [];
  if (!stored.length) {
    out.push(fe.invalid('status.storedVersions', stored, 'must have at least one stored version'));
    return;
  }
  const names = versionsOf(crd).map((v) => v.name);
  for (const v of versionsOf(crd))
    if (v.storage === true && !stored.includes(v.name))
      out.push(fe.invalid('status.storedVersions', stored, `must have the storage version ${v.name}`));
  stored.forEach((v, i) => {
    if (!names.includes(v)) out.push(fe.invalid(`status.storedVersions[${i}]`, v, 'must appear in spec.versions'));
  });
}

function specErrors(crd: Obj, out: Cause[]): void {
  const spec: Obj = isObj(crd.spec) ? crd.spec : {};
  const group = spec.group;
  if (!group) out.push(fe.required('spec.group'));
  else if (typeof group !== 'string' || dns1123SubdomainErrors(group).length)
    out.push(fe.invalid('spec.group', group, joinErrs(typeof group === 'string' ? dns1123SubdomainErrors(group) : ['must be a string'])));
  else if (group.split('.').length < 2) out.push(fe.invalid('spec.group', group, 'should be a domain with at least one dot'));
  if (!spec.scope) out.push(fe.required('spec.scope'));
  else if (!['Cluster', 'Namespaced'].includes(spec.scope)) out.push(fe.notSupported('spec.scope', spec.scope, ['Cluster', 'Namespaced']));

  const versions = versionsOf(crd);
  const schemaAtVersion = (v: Obj): Props | undefined => (isObj(v.schema?.openAPIV3Schema) ? v.schema.openAPIV3Schema : undefined);
  const schemaPath = perVersion(versions, 'schema', 'spec.validation');
  versions.forEach((v, i) => {
    if (!schemaAtVersion(v)) out.push(fe.required(`spec.versions[${i}].schema.openAPIV3Schema`, 'schemas are required'));
  });
  if (spec.preserveUnknownFields === true && versions.some((v) => hasDefaults(schemaAtVersion(v))))
    out.push(fe.invalid('spec.preserveUnknownFields', true, 'must be false in order to use defaults in the schema'));

  let storage = 0;
  const seen = new Set<string>();
  let unique = true;
  const subPath = perVersion(versions, 'subresources', 'spec.subresources');
  const colPath = perVersion(versions, 'additionalPrinterColumns', 'spec.additionalPrinterColumns');
  const selPath = perVersion(versions, 'selectableFields', 'spec.selectableFields');
  const anyStatus = versions.some((v) => isObj(v.subresources?.status));
  versions.forEach((v, i) => {
    if (v.storage === true) storage++;
    if (seen.has(v.name)) unique = false;
    seen.add(v.name);
    const nameErrs = typeof v.name === 'string' ? dns1035LabelErrors(v.name) : ['must be a string'];
    if (nameErrs.length) out.push(fe.invalid(`spec.versions[${i}].name`, v.name ?? '', joinErrs(nameErrs)));
    const at = `spec.versions[${i}]`;
    if (v.deprecated !== true && v.deprecationWarning !== undefined)
      out.push(fe.invalid(`${at}.deprecationWarning`, v.deprecationWarning, 'can only be set for deprecated versions'));
    else if (typeof v.deprecationWarning === 'string') {
      if (v.deprecationWarning.length > 256)
        out.push(fe.invalid(`${at}.deprecationWarning`, v.deprecationWarning, 'must be <= 256 characters long'));
      if (!v.deprecationWarning) out.push(fe.invalid(`${at}.deprecationWarning`, v.deprecationWarning, 'must not be an empty string'));
    }
    const sp = schemaPath(i);
    const schema = schemaAtVersion(v);
    if (sp && schema) out.push(...schemaErrors(schema, sp, sp === 'spec.validation' ? anyStatus : isObj(v.subresources?.status)));
    const subp = subPath(i);
    if (subp) subresourcesErrors(isObj(v.subresources) ? v.subresources : undefined, subp, out);
    const colp = colPath(i);
    if (colp && Array.isArray(v.additionalPrinterColumns))
      v.additionalPrinterColumns.forEach((c: unknown, j: number) => columnErrors(isObj(c) ? c : {}, index(colp, j), out));
    const selp = selPath(i);
    if (selp && Array.isArray(v.selectableFields) && v.selectableFields.length) {
      if (!schema) out.push(fe.invalid(selp, '', 'selectableFields may only be set when version.schema.openAPIV3Schema is not included'));
      else selectableFieldErrors(v.selectableFields.filter(isObj), schema, selp, out);
    }
  });
  if (!unique) out.push(fe.invalid('spec.versions', versions, 'must contain unique version names'));
  if (storage !== 1) out.push(fe.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));

  const names: Obj = isObj(spec.names) ? spec.names : {};
  for (const f of ['plural', 'singular', 'kind', 'listKind']) if (!names[f]) out.push(fe.required(`spec.names.${f}`));
  namesErrors(names, 'spec.names', out);
  conversionErrors(spec.conversion, out);
}

/** Causes of a CustomResourceDefinition beyond its ObjectMeta (upstream ValidateCustomResourceDefinition). */
export function validateCrd(crd: Obj): Cause[] {
  const out: Cause[] = [];
  const name = crd.metadata?.name;
  if (typeof name === 'string' && name && name !== `${crd.spec?.names?.plural}.${crd.spec?.group}`)
    out.push(fe.invalid('metadata.name', name, 'must be spec.names.plural+"."+spec.group'));
  specErrors(crd, out);
  if (isObj(crd.status?.acceptedNames)) namesErrors(crd.status.acceptedNames, 'status.acceptedNames', out);
  storedVersionsErrors(crd, out);
  out.push(...approvalErrors(crd));
  if (crd.spec?.preserveUnknownFields === true)
    out.push(
      fe.invalid(
        'spec.preserveUnknownFields',
        true,
        'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
      ),
    );
  return out;
}

/** Causes of a /status update (upstream ValidateUpdateCustomResourceDefinitionStatus: the accepted names). */
export function validateCrdStatus(crd: Obj): Cause[] {
  const out: Cause[] = [];
  if (isObj(crd.status?.acceptedNames)) namesErrors(crd.status.acceptedNames, 'status.acceptedNames', out);
  return out;
}

const isEstablished = (crd: Obj) =>
  (Array.isArray(crd.status?.conditions) ? crd.status.conditions : []).some((c: Obj) => c?.type === 'Established' && c.status === 'True');

/**
 * CEL rules over the estimated cost limits in each schema a create sets or an update changes (upstream
 * skips the per-expression check for unchanged schemas, so a stored CRD stays updatable as it is).
 */
export function validateCrdCosts(crd: Obj, old?: Obj): Cause[] {
  const versions = versionsOf(crd);
  const before = new Map(old ? versionsOf(old).map((v) => [v.name, v.schema?.openAPIV3Schema]) : []);
  const schemaPath = perVersion(versions, 'schema', 'spec.validation');
  const out: Cause[] = [];
  versions.forEach((v, i) => {
    const sp = schemaPath(i);
    const schema: unknown = v.schema?.openAPIV3Schema;
    if (!sp || !isObj(schema) || (old && deepEqual(before.get(v.name), schema))) return;
    out.push(...costErrors(schema, sp));
  });
  return out;
}

/** What an update may not change (upstream ValidateCustomResourceDefinitionUpdate beyond the object's own checks). */
export function validateCrdUpdate(crd: Obj, old: Obj): Cause[] {
  const out: Cause[] = [...validateCrdCosts(crd, old)];
  if (isEstablished(old)) {
    if (crd.spec?.scope !== old.spec?.scope) out.push(fe.immutable('spec.scope', crd.spec?.scope));
    if (crd.spec?.names?.kind !== old.spec?.names?.kind) out.push(fe.immutable('spec.names.kind', crd.spec?.names?.kind));
  }
  if (crd.spec?.group !== old.spec?.group) out.push(fe.immutable('spec.group', crd.spec?.group));
  if (crd.spec?.names?.plural !== old.spec?.names?.plural) out.push(fe.immutable('spec.names.plural', crd.spec?.names?.plural));
  return out;
}
