// Ingresses (upstream pkg/registry/networking/ingress, validation from pkg/apis/networking/validation):
// host and path rules to Service backends, TLS, a status subresource the Ingress controller fills with
// the addresses it is reachable at; and upstream's DefaultIngressClass admission, which gives an
// Ingress created without a class the cluster's default IngressClass.
import { isIP } from 'node:net';
import { dns1035LabelErrors, dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import type { AdmissionPlugin } from '../../registry/admission';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj, type Obj } from '../helpers';
import { DEFAULT_CLASS_ANNOTATION, ingressClasses } from './ingressclass';
import { pathSegmentNameErrors } from '../../registry/validation';

/** The class annotation of Ingresses older than spec.ingressClassName (still honoured, as upstream). */
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';
const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const WILDCARD_SUBDOMAIN = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** validation.IsWildcardDNS1123Subdomain. */
function wildcardSubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!WILDCARD_SUBDOMAIN.test(v))
    errs.push(
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  return errs;
}

/** validation.IsValidPortName: an IANA service name. */
export function portNameErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  else if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

/** A host of a rule or a TLS entry: a DNS-1123 subdomain, or one with a leading "*." label. */
function hostErrors(field: string, host: unknown, errs: Cause[]): void {
  if (typeof host !== 'string') return void errs.push(fe.invalid(field, host, 'must be a string'));
  for (const m of host.includes('*') ? wildcardSubdomainErrors(host) : dns1123SubdomainErrors(host)) errs.push(fe.invalid(field, host, m));
}

/** validateIngressBackend: exactly one of a Service (name + port name or number) or a typed resource. */
function validateBackend(field: string, b: unknown, errs: Cause[]): void {
  if (!isObj(b)) return void errs.push(fe.invalid(field, '', 'resource or service backend is required'));
  const { service, resource } = b;
  if (service != null && resource != null) return void errs.push(fe.invalid(field, '', 'cannot set both resource and service backends'));
  if (resource != null) {
    const r = isObj(resource) ? resource : {};
    if (r.apiGroup != null)
      for (const m of dns1123SubdomainErrors(String(r.apiGroup))) errs.push(fe.invalid(`${field}.resource.apiGroup`, r.apiGroup, m));
    for (const k of ['kind', 'name'] as const) {
      if (!r[k]) errs.push(fe.required(`${field}.resource.${k}`));
      else for (const m of pathSegmentNameErrors(String(r[k]))) errs.push(fe.invalid(`${field}.resource.${k}`, r[k], m));
    }
    return;
  }
  if (service == null) return void errs.push(fe.invalid(field, '', 'resource or service backend is required'));
  const s = isObj(service) ? service : {};
  if (!s.name) errs.push(fe.required(`${field}.service.name`));
  else for (const m of dns1035LabelErrors(String(s.name))) errs.push(fe.invalid(`${field}.service.name`, s.name, m));
  const port = isObj(s.port) ? s.port : {};
  const hasName = typeof port.name === 'string' && port.name.length > 0;
  const hasNumber = port.number != null && port.number !== 0;
  if (hasName && hasNumber) errs.push(fe.invalid(field, '', 'cannot set both port name & port number'));
  else if (hasName) for (const m of portNameErrors(port.name)) errs.push(fe.invalid(`${field}.service.port.name`, port.name, m));
  else if (hasNumber) {
    if (!Number.isInteger(port.number) || port.number < 1 || port.number > 65535)
      errs.push(fe.invalid(`${field}.service.port.number`, port.number, 'must be between 1 and 65535, inclusive'));
  } else errs.push(fe.required(field, 'port name or number is required'));
}

/** validateHTTPIngressPath: pathType is required; Exact and Prefix paths are clean absolute paths. */
function validatePath(field: string, p: unknown, errs: Cause[]): void {
  const path = isObj(p) ? p : {};
  const type = path.pathType;
  if (type == null) return void errs.push(fe.required(`${field}.pathType`, 'pathType must be specified'));
  const value = typeof path.path === 'string' ? path.path : '';
  if (type === 'Exact' || type === 'Prefix') {
    if (!value.startsWith('/')) errs.push(fe.invalid(`${field}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES)
      if (value.includes(seq)) errs.push(fe.invalid(`${field}.path`, value, `must not contain '${seq}'`));
    for (const suffix of INVALID_PATH_SUFFIXES)
      if (value.endsWith(suffix)) errs.push(fe.invalid(`${field}.path`, value, `cannot end with '${suffix}'`));
  } else if (type === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) errs.push(fe.invalid(`${field}.path`, value, 'must be an absolute path'));
  } else errs.push(fe.notSupported(`${field}.pathType`, type, PATH_TYPES));
  validateBackend(`${field}.backend`, path.backend, errs);
}

/** ValidateIngressSpec (+ the create-time annotation check of ValidateIngressCreate). */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const rules: unknown[] = Array.isArray(spec.rules) ? spec.rules : [];
  if (!rules.length && spec.defaultBackend == null)
    errs.push(fe.invalid('spec', spec.rules ?? null, 'either `defaultBackend` or `rules` must be specified'));
  if (spec.defaultBackend != null) validateBackend('spec.defaultBackend', spec.defaultBackend, errs);
  rules.forEach((r, i) => {
    const rule = isObj(r) ? r : {};
    const field = `spec.rules[${i}]`;
    if (typeof rule.host === 'string' && rule.host.length) {
      if (isIP(rule.host)) errs.push(fe.invalid(`${field}.host`, rule.host, 'must be a DNS name, not an IP address'));
      hostErrors(`${field}.host`, rule.host, errs);
    }
    if (rule.http == null) return;
    const paths: unknown[] = Array.isArray(rule.http?.paths) ? rule.http.paths : [];
    if (!paths.length) errs.push(fe.required(`${field}.http.paths`));
    paths.forEach((p, j) => validatePath(`${field}.http.paths[${j}]`, p, errs));
  });
  const tls: unknown[] = Array.isArray(spec.tls) ? spec.tls : [];
  tls.forEach((t, i) => {
    const entry = isObj(t) ? t : {};
    (Array.isArray(entry.hosts) ? entry.hosts : []).forEach((h: unknown, j: number) => hostErrors(`spec.tls[${i}].hosts[${j}]`, h, errs));
    if (entry.secretName)
      for (const m of dns1123SubdomainErrors(String(entry.secretName)))
        errs.push(fe.invalid(`spec.tls[${i}].secretName`, entry.secretName, m));
  });
  if (spec.ingressClassName != null)
    for (const m of dns1123SubdomainErrors(String(spec.ingressClassName)))
      errs.push(fe.invalid('spec.ingressClassName', spec.ingressClassName, m));
  const annotation = o.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotation !== undefined && spec.ingressClassName != null && annotation !== spec.ingressClassName)
    errs.push(fe.invalid(`annotations.${CLASS_ANNOTATION}`, annotation, 'must match `ingressClassName` when both are specified'));
  return errs;
}

/** printers.go formatHosts: the first three hosts and how many rules more, "*" for none. */
function formatHosts(rules: Obj[]): string {
  const list: string[] = [];
  let more = false;
  for (const rule of rules) {
    if (list.length === 3) more = true;
    if (!more && typeof rule?.host === 'string' && rule.host.length) list.push(rule.host);
  }
  if (!list.length) return '*';
  return more ? `${list.join(',')} + ${rules.length - 3} more...` : list.join(',');
}

/** The load balancer's IPs (or hostnames), sorted and unique (ingressLoadBalancerStatusStringer, wide). */
function formatAddress(o: Obj): string {
  const lb: Obj[] = Array.isArray(o.status?.loadBalancer?.ingress) ? o.status.loadBalancer.ingress : [];
  return [...new Set(lb.map((e) => e?.ip || e?.hostname).filter(Boolean))].sort().join(',');
}

const message = defineMessages(
  `
message TypedLocalObjectReference { optional string apiGroup = 1; optional string kind = 2; optional string name = 3; }
message ServiceBackendPort { optional string name = 1; optional int32 number = 2; }
message IngressServiceBackend { optional string name = 1; optional ServiceBackendPort port = 2; }
message IngressBackend { optional TypedLocalObjectReference resource = 3; optional IngressServiceBackend service = 4; }
message HTTPIngressPath { optional string path = 1; optional IngressBackend backend = 2; optional string pathType = 3; }
message HTTPIngressRuleValue { repeated HTTPIngressPath paths = 1; }
message IngressRuleValue { optional HTTPIngressRuleValue http = 1; }
message IngressRule { optional string host = 1; optional IngressRuleValue ingressRuleValue = 2; }
message IngressTLS { repeated string hosts = 1; optional string secretName = 2; }
message IngressSpec { optional IngressBackend defaultBackend = 1; repeated IngressTLS tls = 2; repeated IngressRule rules = 3; optional string ingressClassName = 4; }
message Ingress { optional ObjectMeta metadata = 1; optional IngressSpec spec = 2; }
`,
  ['pathType', 'ingressClassName', 'apiGroup'],
);
const decodeIngress = message('Ingress');

export const ingresses: ResourceStrategy = {
  group: 'networking.k8s.io',
  kind: 'Ingress',
  resource: 'ingresses',
  namespaced: true,
  shortNames: ['ing'],
  versions: [{ name: 'v1' }],
  // what Go serializes for a new Ingress's empty status struct
  status: { initial: () => ({ loadBalancer: {} }) },
  validate,
  table: {
    columns: [
      NAME,
      col('Class', { description: 'The name of the IngressClass resource that should be used for additional configuration' }),
      col('Hosts', { description: 'Hosts that incoming requests are matched against before the ingress rule' }),
      col('Address', { description: 'Address is a list containing ingress points for the load-balancer' }),
      col('Ports', { description: 'Ports of TLS configurations that open' }),
      AGE,
    ],
    cells: (o, now) => [
      nameOf(o),
      o.spec?.ingressClassName ?? '<none>',
      formatHosts(Array.isArray(o.spec?.rules) ? o.spec.rules : []),
      formatAddress(o),
      Array.isArray(o.spec?.tls) && o.spec.tls.length ? '80, 443' : '80',
      ageOf(o, now),
    ],
  },
  protobuf: {
    // IngressRuleValue is embedded in Go (json:",inline"): its `http` sits on the rule itself
    decode(raw) {
      const o = decodeIngress.decode(raw);
      for (const rule of o.spec?.rules ?? []) {
        if (rule.ingressRuleValue) Object.assign(rule, rule.ingressRuleValue);
        delete rule.ingressRuleValue;
      }
      return o;
    },
  },
};

/**
 * Upstream's DefaultIngressClass admission: an Ingress created with neither spec.ingressClassName nor
 * the class annotation gets the IngressClass annotated `ingressclass.kubernetes.io/is-default-class:
 * "true"`; with several, the newest (then the first by name).
 */
export const defaultIngressClass: AdmissionPlugin = {
  name: 'DefaultIngressClass',
  operations: ['CREATE'],
  admit: async (registry, { r, obj }) => {
    if (r.group !== ingresses.group || r.resource !== ingresses.resource) return;
    if (!isObj(obj.spec)) obj.spec = {};
    if (obj.spec.ingressClassName != null || obj.metadata.annotations?.[CLASS_ANNOTATION] !== undefined) return;
    // from the watch cache, as upstream reads its IngressClass lister
    const list = await registry.list(registry.resource(ingressClasses), { resourceVersion: '0' });
    const defaults = (list.items as Obj[])
      .filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
      .sort(
        (a, b) =>
          String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')) ||
          String(a.metadata.name).localeCompare(String(b.metadata.name)),
      );
    if (defaults.length) obj.spec.ingressClassName = defaults[0].metadata.name;
  },
};
