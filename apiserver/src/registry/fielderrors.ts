// field.ErrorList as upstream: each cause names a field path, a reason and an upstream-worded message.

export interface Cause {
  field: string;
  reason: string;
  message: string;
}

/** The bad value as upstream's field.Error prints it (strings quoted, numbers plain), cut short when long. */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 256 ? `${s.slice(0, 253)}...` : s;
}

export const fe = {
  required: (field: string, detail = ''): Cause => ({ field, reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value' }),
  invalid: (field: string, value: unknown, detail: string): Cause => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: ${detail}` }),
  notSupported: (field: string, value: unknown, valid: string[]): Cause => ({
    field,
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${show(value)}: supported values: ${valid.map((v) => `"${v}"`).join(', ')}`,
  }),
  duplicate: (field: string, value: unknown): Cause => ({ field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${show(value)}` }),
  forbidden: (field: string, detail: string): Cause => ({ field, reason: 'FieldValueForbidden', message: `Forbidden: ${detail}` }),
  immutable: (field: string, value: unknown): Cause => ({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${show(value)}: field is immutable` }),
  notFound: (field: string, value: unknown): Cause => ({ field, reason: 'FieldValueNotFound', message: `Not found: ${show(value)}` }),
  tooLong: (field: string, max: number): Cause => ({ field, reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` }),
  tooMany: (field: string, actual: number, max: number): Cause => ({ field, reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} ${max === 1 ? 'item' : 'items'}` }),
  /** A value of the wrong JSON type (upstream's decoder refuses these with a 400; here they are one more cause). */
  type: (field: string, value: unknown, type: string): Cause => ({ field, reason: 'FieldValueTypeInvalid', message: `Invalid value: ${show(value)}: must be of type ${type}` }),
};

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v) && DNS1123_SUBDOMAIN.test(v)) errs.push('must not contain dots');
  else if (!DNS1123_LABEL.test(v))
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  return errs;
}

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v))
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1035_LABEL.test(v))
    errs.push(
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    );
  return errs;
}

export { qualifiedNameErrors, labelValueErrors } from '@minik8s/shared';
