// ObjectMeta validation, as upstream's ValidateObjectMeta: the name (by the kind's rule), namespace scope,
// labels, annotations and finalizers.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { fe, type Cause, dns1123SubdomainErrors, qualifiedNameErrors, labelValueErrors } from './fielderrors';
import { isObj } from './objects';

export interface MetaRules {
  namespaced: boolean;
  /** The name rule; null: any name. */
  nameRule: ((name: string) => string[]) | null;
}

export function validateMeta(rules: MetaRules, meta: any): Cause[] {
  const errs: Cause[] = [];
  if (!isObj(meta)) return [fe.required('metadata')];
  if (!meta.name) errs.push(fe.required('metadata.name', 'name or generateName is required'));
  else if (typeof meta.name !== 'string') errs.push(fe.invalid('metadata.name', meta.name, 'must be a string'));
  else if (rules.nameRule) for (const m of rules.nameRule(meta.name)) errs.push(fe.invalid('metadata.name', meta.name, m));
  if (rules.namespaced && !meta.namespace) errs.push(fe.required('metadata.namespace'));
  if (!rules.namespaced && meta.namespace) errs.push(fe.forbidden('metadata.namespace', 'not allowed on this type'));
  if (meta.labels !== undefined && meta.labels !== null) {
    if (!isObj(meta.labels)) errs.push(fe.invalid('metadata.labels', meta.labels, 'must be a map of strings'));
    else
      for (const [k, v] of Object.entries(meta.labels)) {
        for (const m of qualifiedNameErrors(k)) errs.push(fe.invalid('metadata.labels', k, m));
        if (typeof v !== 'string') errs.push(fe.invalid(`metadata.labels`, v, 'must be a string'));
        else for (const m of labelValueErrors(v)) errs.push(fe.invalid('metadata.labels', v, m));
      }
  }
  if (meta.annotations !== undefined && meta.annotations !== null) {
    if (!isObj(meta.annotations)) errs.push(fe.invalid('metadata.annotations', meta.annotations, 'must be a map of strings'));
    else {
      let size = 0;
      for (const [k, v] of Object.entries(meta.annotations)) {
        for (const m of qualifiedNameErrors(k)) errs.push(fe.invalid('metadata.annotations', k, m));
        if (typeof v !== 'string') errs.push(fe.invalid('metadata.annotations', v, 'must be a string'));
        size += k.length + String(v).length;
      }
      if (size > 256 * 1024) errs.push({ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes' });
    }
  }
  if (meta.finalizers !== undefined && !Array.isArray(meta.finalizers)) errs.push(fe.invalid('metadata.finalizers', meta.finalizers, 'must be a list'));
  return errs;
}

/** The kind's name rule (default: DNS-1123 subdomain, as most kinds upstream). */
export const nameRuleOf = (rule: ((name: string) => string[]) | null | undefined) => (rule === undefined ? dns1123SubdomainErrors : rule);
