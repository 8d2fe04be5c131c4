// List and watch selection: namespace, label selector and field selector as one predicate. Field labels
// are the kind's selectable fields (ServedResource.selectable); any other label is a 400, worded as upstream.
import { ApiError, matchesLabels, parseFieldSelector, parseLabelSelector, SelectorError, statusFor, type FieldSelector, type KubeObject } from '@minik8s/shared';
import type { FieldValue, ServedResource } from './kinds';

export interface Selection {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
}

function bad(e: unknown): ApiError {
  return new ApiError(statusFor.badRequest(e instanceof SelectorError ? e.message : `invalid selector: ${(e as Error).message}`));
}

/** The parsed field selector, each of its labels checked against what the kind supports. */
export function parseFields(r: ServedResource, fieldSelector: string): FieldSelector {
  let fs: FieldSelector;
  try {
    fs = parseFieldSelector(fieldSelector);
  } catch (e) {
    throw bad(e);
  }
  for (const req of fs.requirements) if (!r.selectable.has(req.field)) throw new ApiError(statusFor.badRequest(r.fieldLabelError(req.field)));
  return fs;
}

/** A compiled label + field selector (plus namespace) as a predicate. */
export function compileFilter(r: ServedResource, q: Selection): (o: KubeObject) => boolean {
  let ls;
  try {
    ls = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
  } catch (e) {
    throw bad(e);
  }
  const fields: [FieldValue, '=' | '!=', string][] = q.fieldSelector
    ? parseFields(r, q.fieldSelector).requirements.map((req) => [r.selectable.get(req.field)!, req.operator, req.value])
    : [];
  const ns = r.namespaced ? q.namespace : undefined;
  return (o) =>
    (!ns || o.metadata?.namespace === ns) &&
    (!ls || matchesLabels(ls, o.metadata?.labels ?? {})) &&
    fields.every(([value, op, want]) => (value(o) === want) === (op === '='));
}
