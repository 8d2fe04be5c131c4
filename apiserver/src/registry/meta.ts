// ObjectMeta validation, as upstream's ValidateObjectMeta: the name (by the kind's rule) or generateName,
// namespace scope, labels, annotations (keys and the 256 KiB total), owner references and finalizers.
import { fe, type Cause, dns1123SubdomainErrors, dns1123LabelErrors } from './fielderrors';
import { isObj } from './objects';
import { each, labels, objects, qualifiedName, str, strings, bool, type Errs } from './validation';
import { qualifiedNameErrors } from '@minik8s/shared';

export interface MetaRules {
  namespaced: boolean;
  /** The name rule; null: any name. */
  nameRule: ((name: string) => string[]) | null;
}

/** upstream TotalAnnotationSizeLimitB. */
const ANNOTATIONS_LIMIT = 256 * 1024;
/** Finalizers that need no domain prefix. */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** ValidateAnnotations: qualified-name keys (checked lower-cased) and a total size limit. */
export function annotations(errs: Errs, path: string, v: unknown): void {
  if (v === undefined || v === null) return;
  if (!isObj(v)) return void errs.push(fe.type(path, v, 'object'));
  let size = 0;
  for (const [k, val] of Object.entries(v)) {
    each(errs, path, k, qualifiedNameErrors(k.toLowerCase()));
    if (typeof val !== 'string') errs.push(fe.type(`${path}[${k}]`, val, 'string'));
    size += k.length + String(val).length;
  }
  if (size > ANNOTATIONS_LIMIT) errs.push(fe.tooLong(path, ANNOTATIONS_LIMIT));
}

function ownerReferences(errs: Errs, path: string, v: unknown): void {
  let controllers = 0;
  for (const [ref, p] of objects(errs, path, v)) {
    const apiVersion = str(errs, `${p}.apiVersion`, ref.apiVersion);
    if (!apiVersion) errs.push(fe.invalid(`${p}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!str(errs, `${p}.kind`, ref.kind)) errs.push(fe.invalid(`${p}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!str(errs, `${p}.name`, ref.name)) errs.push(fe.invalid(`${p}.name`, ref.name ?? '', 'must not be empty'));
    if (!str(errs, `${p}.uid`, ref.uid)) errs.push(fe.invalid(`${p}.uid`, ref.uid ?? '', 'must not be empty'));
    if (bool(errs, `${p}.controller`, ref.controller)) controllers++;
    bool(errs, `${p}.blockOwnerDeletion`, ref.blockOwnerDeletion);
  }
  if (controllers > 1) errs.push(fe.invalid(path, v, 'Only one reference can have Controller set to true.'));
}

function finalizers(errs: Errs, path: string, v: unknown): void {
  const seen = new Set<string>();
  for (const [f] of strings(errs, path, v)) {
    const before = errs.length;
    qualifiedName(errs, path, f);
    if (errs.length === before && !f.includes('/') && !STANDARD_FINALIZERS.has(f)) errs.push(fe.invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    if (seen.has(f)) errs.push(fe.duplicate(path, f));
    seen.add(f);
  }
}

export function validateMeta(rules: MetaRules, meta: unknown): Cause[] {
  const errs: Cause[] = [];
  if (!isObj(meta)) return [fe.required('metadata')];
  const name = str(errs, 'metadata.name', meta.name);
  const generateName = str(errs, 'metadata.generateName', meta.generateName);
  if (!name) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  else if (rules.nameRule) each(errs, 'metadata.name', name, rules.nameRule(name));
  // as upstream's maskTrailingDash: a prefix may end in '-'
  if (generateName && rules.nameRule) each(errs, 'metadata.generateName', generateName, rules.nameRule(generateName.replace(/-$/, 'a')));
  const namespace = str(errs, 'metadata.namespace', meta.namespace);
  if (rules.namespaced && !namespace) errs.push(fe.required('metadata.namespace'));
  else if (rules.namespaced && namespace) each(errs, 'metadata.namespace', namespace, dns1123LabelErrors(namespace));
  if (!rules.namespaced && namespace) errs.push(fe.forbidden('metadata.namespace', 'not allowed on this type'));
  labels(errs, 'metadata.labels', meta.labels);
  annotations(errs, 'metadata.annotations', meta.annotations);
  ownerReferences(errs, 'metadata.ownerReferences', meta.ownerReferences);
  finalizers(errs, 'metadata.finalizers', meta.finalizers);
  return errs;
}

/** The kind's name rule (default: DNS-1123 subdomain, as most kinds upstream). */
export const nameRuleOf = (rule: ((name: string) => string[]) | null | undefined) => (rule === undefined ? dns1123SubdomainErrors : rule);
