// The name, label and selector rules (k8s.io/apimachinery/pkg/util/validation and metav1 validation) as
// field causes, worded as upstream.
import { qualifiedNameErrors, labelValueErrors, regexError } from '@minik8s/shared';
import { fe, dns1035LabelErrors, dns1123LabelErrors, dns1123SubdomainErrors } from '../fielderrors';
import { objects, str, strings, stringMap, obj, type Errs } from './values';

/** One Invalid cause per message of a rule. */
export function each(errs: Errs, path: string, value: unknown, msgs: string[]): void {
  for (const m of msgs) errs.push(fe.invalid(path, value, m));
}

export const dnsLabel = (errs: Errs, path: string, v: string) => each(errs, path, v, dns1123LabelErrors(v));
export const dnsSubdomain = (errs: Errs, path: string, v: string) => each(errs, path, v, dns1123SubdomainErrors(v));
export const dns1035Label = (errs: Errs, path: string, v: string) => each(errs, path, v, dns1035LabelErrors(v));
export const qualifiedName = (errs: Errs, path: string, v: string) => each(errs, path, v, qualifiedNameErrors(v));
export const labelValue = (errs: Errs, path: string, v: string) => each(errs, path, v, labelValueErrors(v));

/** A required DNS-1123 subdomain name of another object. */
export function objectName(errs: Errs, path: string, v: unknown): void {
  const s = str(errs, path, v, true);
  if (s) dnsSubdomain(errs, path, s);
}

/** ValidateLabels: keys are qualified names, values label values; both reported at `path`. */
export function labels(errs: Errs, path: string, v: unknown): void {
  for (const [k, val] of Object.entries(stringMap(errs, path, v))) {
    qualifiedName(errs, path, k);
    labelValue(errs, path, val);
  }
}

const PORT_NAME_RE = /^[-a-z0-9]+$/;

/** IsValidPortName (IANA_SVC_NAME). */
export function portNameErrors(port: string): string[] {
  const errs: string[] = [];
  if (port.length > 15) errs.push('must be no more than 15 characters');
  if (!PORT_NAME_RE.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port[0] === '-' || port[port.length - 1] === '-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** The '.', '..' and '..'-prefix rule of config keys and env var names (hasChDirPrefix). */
function chDirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** IsConfigMapKey. */
export function configMapKeyErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!/^[-._a-zA-Z0-9]+$/.test(v))
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        '[-._a-zA-Z0-9]+',
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  return [...errs, ...chDirPrefix(v)];
}

/** IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since v1.32). */
export function envVarNameErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length === 0) errs.push('environment variable name must be non-empty');
  if ([...v].some((c) => c < ' ' || c > '~' || c === '='))
    errs.push("a valid environment variable name must consist only of printable ASCII characters other than '='");
  return errs;
}

/** IsHTTPHeaderName. */
export function httpHeaderNameErrors(v: string): string[] {
  return /^[-A-Za-z0-9]+$/.test(v)
    ? []
    : [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", '[-A-Za-z0-9]+', 'X-Header-Name')];
}

/** path.IsValidPathSegmentName: what a name must be to sit in a URL path segment. */
export function pathSegmentNameErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

/** metav1 ValidateLabelSelector (matchLabels, matchExpressions). */
export function labelSelector(errs: Errs, path: string, v: unknown): void {
  const sel = obj(errs, path, v);
  if (!sel) return;
  labels(errs, `${path}.matchLabels`, sel.matchLabels);
  for (const [r, p] of objects(errs, `${path}.matchExpressions`, sel.matchExpressions)) {
    const op = str(errs, `${p}.operator`, r.operator);
    const values = strings(errs, `${p}.values`, r.values);
    if (op === 'In' || op === 'NotIn') {
      if (!values.length) errs.push(fe.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length) errs.push(fe.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else errs.push(fe.invalid(`${p}.operator`, op ?? '', 'not a valid selector operator'));
    const key = str(errs, `${p}.key`, r.key);
    qualifiedName(errs, `${p}.key`, key ?? '');
    for (const [val, vp] of values) labelValue(errs, vp, val);
  }
}
