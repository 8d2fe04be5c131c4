// IngressClasses (upstream pkg/registry/networking/ingressclass): which controller implements a class
// of Ingresses; the one annotated as the default is what the DefaultIngressClass admission hands out.
import { dns1123LabelErrors, dns1123SubdomainErrors, fe, type Cause } from '../../registry/fielderrors';
import { pathSegmentNameErrors } from '../../registry/validation';
import type { ResourceStrategy } from '../../registry/strategy';
import { AGE, NAME, ageOf, col, nameOf } from '../../tables/columns';
import { defineMessages } from '../../protobuf/messages';
import { isObj, type Obj } from '../helpers';

export const DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;
const SCOPES = ['Cluster', 'Namespace'];

/** validation.IsDomainPrefixedPath: "acme.io/foo". */
function domainPrefixedPathErrors(field: string, v: string, errs: Cause[]): void {
  const slash = v.indexOf('/');
  const host = slash < 0 ? v : v.slice(0, slash);
  const path = slash < 0 ? '' : v.slice(slash + 1);
  if (!host || !path) return void errs.push(fe.invalid(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  for (const m of dns1123SubdomainErrors(host)) errs.push(fe.invalid(field, host, m));
  if (!HTTP_PATH.test(path))
    errs.push(fe.invalid(field, path, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')"));
}

/** validateIngressClassSpec. */
function validate(o: Obj): Cause[] {
  const errs: Cause[] = [];
  const spec = isObj(o.spec) ? o.spec : {};
  const controller = typeof spec.controller === 'string' ? spec.controller : '';
  if (!controller) errs.push(fe.required('spec.controller'));
  else {
    if (controller.length > 250)
      errs.push({ field: 'spec.controller', reason: 'FieldValueTooLong', message: 'Too long: may not be more than 250 bytes' });
    domainPrefixedPathErrors('spec.controller', controller, errs);
  }
  const p = spec.parameters;
  if (p == null) return errs;
  const params = isObj(p) ? p : {};
  const field = 'spec.parameters';
  if (params.apiGroup != null)
    for (const m of dns1123SubdomainErrors(String(params.apiGroup))) errs.push(fe.invalid(`${field}.apiGroup`, params.apiGroup, m));
  for (const k of ['kind', 'name'] as const) {
    if (!params[k]) errs.push(fe.required(`${field}.${k}`));
    else for (const m of pathSegmentNameErrors(String(params[k]))) errs.push(fe.invalid(`${field}.${k}`, params[k], m));
  }
  if (params.scope == null) errs.push(fe.required(`${field}.scope`));
  else if (!SCOPES.includes(params.scope)) errs.push(fe.notSupported(`${field}.scope`, params.scope, SCOPES));
  else if (params.scope === 'Namespace') {
    if (params.namespace == null) errs.push(fe.required(`${field}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    else for (const m of dns1123LabelErrors(String(params.namespace))) errs.push(fe.invalid(`${field}.namespace`, params.namespace, m));
  } else if (params.namespace != null) errs.push(fe.forbidden(`${field}.namespace`, "`parameters.scope` is set to 'Cluster'"));
  return errs;
}

const message = defineMessages(
  `
message IngressClassParametersReference { optional string apiGroup = 1; optional string kind = 2; optional string name = 3; optional string scope = 4; optional string namespace = 5; }
message IngressClassSpec { optional string controller = 1; optional IngressClassParametersReference parameters = 2; }
message IngressClass { optional ObjectMeta metadata = 1; optional IngressClassSpec spec = 2; }
`,
  ['scope'],
);

export const ingressClasses: ResourceStrategy = {
  group: 'networking.k8s.io',
  kind: 'IngressClass',
  resource: 'ingressclasses',
  namespaced: false,
  versions: [{ name: 'v1' }],
  defaults(o) {
    // SetDefaults_IngressClass: a parameters reference without a scope is cluster-scoped
    if (isObj(o.spec?.parameters) && o.spec.parameters.scope == null) o.spec.parameters.scope = 'Cluster';
  },
  validate,
  validateUpdate: (next, old) =>
    next.spec?.controller !== old.spec?.controller ? [fe.immutable('spec.controller', next.spec?.controller)] : [],
  table: {
    columns: [
      NAME,
      col('Controller', { description: 'Controller that is responsible for handling this class' }),
      col('Parameters', { description: 'A reference to a resource with additional parameters' }),
      AGE,
    ],
    cells(o, now) {
      const p = o.spec?.parameters;
      const parameters = p ? `${p.kind ?? ''}${p.apiGroup != null ? `.${p.apiGroup}` : ''}/${p.name ?? ''}` : '<none>';
      return [nameOf(o), o.spec?.controller ?? '', parameters, ageOf(o, now)];
    },
  },
  protobuf: message('IngressClass'),
};
