// authorization.k8s.io/v1 (upstream pkg/registry/authorization): SubjectAccessReview (what a kubelet in
// Webhook mode asks about a request it was sent), SelfSubjectAccessReview (`kubectl auth can-i VERB
// TYPE`) and SelfSubjectRulesReview (`kubectl auth can-i --list`), answered by the apiserver's
// authorizer chain. Create-only kinds, never stored.
import { ApiError, statusFor } from '@minik8s/shared';
import type { Attributes, Authorizer, UserInfo } from '../../auth/types';
import { fe, type Cause } from '../../registry/fielderrors';
import { methodNotAllowed, type HandlerRequest, type HandlerResult, type ResourceStrategy } from '../../registry/strategy';
import { defineMessages } from '../../protobuf/messages';
import { isObj, reviewKind, type Obj } from '../helpers';

const GROUP = 'authorization.k8s.io';
const gvk = (kind: string) => ({ group: GROUP, version: 'v1', kind });

/** What the reviews ask: the apiserver's authorizer chain (and the rules of each authorizer). */
export type ReviewAuthorizer = Pick<Authorizer, 'authorize'> & Required<Pick<Authorizer, 'rulesFor'>>;

const message = defineMessages(`
message ResourceAttributes {
  optional string namespace = 1; optional string verb = 2; optional string group = 3; optional string version = 4;
  optional string resource = 5; optional string subresource = 6; optional string name = 7;
}
message NonResourceAttributes { optional string path = 1; optional string verb = 2; }
message ExtraValue { repeated string items = 1; }
message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3; repeated string groups = 4; map<string, ExtraValue> extra = 5; optional string uid = 6;
}
message SubjectAccessReview { optional ObjectMeta metadata = 1; optional SubjectAccessReviewSpec spec = 2; }
message SelfSubjectAccessReviewSpec { optional ResourceAttributes resourceAttributes = 1; optional NonResourceAttributes nonResourceAttributes = 2; }
message SelfSubjectAccessReview { optional ObjectMeta metadata = 1; optional SelfSubjectAccessReviewSpec spec = 2; }
message SelfSubjectRulesReviewSpec { optional string namespace = 1; }
message SelfSubjectRulesReview { optional ObjectMeta metadata = 1; optional SelfSubjectRulesReviewSpec spec = 2; }
`);

const review = (kind: string, resource: string): ResourceStrategy => ({ ...reviewKind(GROUP, kind, resource), protobuf: message(kind) });

const bad = (m: string) => new ApiError(statusFor.badRequest(m));

/** A string field of a decoded body ('' when absent); anything else is a malformed body. */
function str(o: Obj, k: string, path: string): string {
  const v = o[k];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`${path}.${k}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function strings(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(`${path}: expected a list of strings`);
  return v;
}

/** Exactly one of resourceAttributes and nonResourceAttributes (upstream's ValidateSelfSubjectAccessReviewSpec). */
function attributeCauses(spec: Obj): Cause[] {
  if (spec.resourceAttributes && spec.nonResourceAttributes)
    return [
      fe.invalid('spec.nonResourceAttributes', spec.nonResourceAttributes, 'cannot be specified in combination with resourceAttributes'),
    ];
  if (!spec.resourceAttributes && !spec.nonResourceAttributes)
    return [fe.invalid('spec.resourceAttributes', 'null', 'exactly one of nonResourceAttributes or resourceAttributes must be specified')];
  return [];
}

/** The review's metadata must be empty, as upstream's validation wants. */
function metadataCauses(o: Obj): Cause[] {
  const { creationTimestamp, managedFields: _mf, ...rest } = (o.metadata ?? {}) as Obj;
  const set = Object.entries(rest).filter(
    ([, v]) => v !== undefined && v !== null && v !== '' && !(typeof v === 'object' && Object.keys(v).length === 0),
  );
  return set.length || creationTimestamp ? [fe.invalid('metadata', o.metadata, 'must be empty')] : [];
}

/** The authorizer's Attributes for a review's spec (upstream's ResourceAttributesFrom / NonResourceAttributesFrom). */
export function attributesOf(spec: Obj, user: UserInfo): Attributes {
  const none = { apiGroup: '', apiVersion: '', namespace: '', resource: '', subresource: '', name: '' };
  if (isObj(spec.resourceAttributes)) {
    const r = spec.resourceAttributes;
    const p = 'spec.resourceAttributes';
    return {
      user,
      isResourceRequest: true,
      path: '',
      verb: str(r, 'verb', p),
      apiGroup: str(r, 'group', p),
      apiVersion: str(r, 'version', p) || '*',
      namespace: str(r, 'namespace', p),
      resource: str(r, 'resource', p),
      subresource: str(r, 'subresource', p),
      name: str(r, 'name', p),
    };
  }
  const n = isObj(spec.nonResourceAttributes) ? spec.nonResourceAttributes : {};
  return {
    user,
    isResourceRequest: false,
    path: str(n, 'path', 'spec.nonResourceAttributes'),
    verb: str(n, 'verb', 'spec.nonResourceAttributes'),
    ...none,
  };
}

/** The review's spec, checked: the body must be of `kind`, with an empty metadata and one kind of attributes. */
function checkedSpec(req: HandlerRequest, kind: string, more: (spec: Obj) => Cause[] = () => []): Obj {
  if (req.method !== 'POST') throw methodNotAllowed(req.method);
  const body = req.object(gvk(kind));
  const spec = isObj(body.spec) ? body.spec : {};
  if (body.spec !== undefined && body.spec !== null && !isObj(body.spec)) throw bad('spec: expected an object');
  for (const k of ['resourceAttributes', 'nonResourceAttributes'])
    if (spec[k] !== undefined && spec[k] !== null && !isObj(spec[k])) throw bad(`spec.${k}: expected an object`);
  const causes = [...attributeCauses(spec), ...more(spec), ...metadataCauses(body)];
  if (causes.length) throw new ApiError(statusFor.invalid(kind, GROUP, '', causes));
  return spec;
}

async function accessReview(authorizer: ReviewAuthorizer, kind: string, spec: Obj, user: UserInfo): Promise<HandlerResult> {
  const r = await authorizer.authorize(attributesOf(spec, user));
  const status = {
    allowed: r.decision === 'allow',
    ...(r.decision === 'deny' ? { denied: true } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  };
  return { code: 201, body: { kind, apiVersion: `${GROUP}/v1`, metadata: { creationTimestamp: null }, spec, status } };
}

/** SubjectAccessReview: may `spec.user` (in `spec.groups`) do this? */
export function subjectAccessReviews(authorizer: ReviewAuthorizer): ResourceStrategy {
  return {
    ...review('SubjectAccessReview', 'subjectaccessreviews'),
    async create(req) {
      const spec = checkedSpec(req, 'SubjectAccessReview', (s) =>
        str(s, 'user', 'spec') || strings(s.groups, 'spec.groups').length
          ? []
          : [fe.invalid('spec.user', '', 'at least one of user or group must be specified')],
      );
      const extra = isObj(spec.extra)
        ? Object.fromEntries(Object.entries(spec.extra).map(([k, v]) => [k, strings(v, `spec.extra[${k}]`)]))
        : undefined;
      const user: UserInfo = {
        name: str(spec, 'user', 'spec'),
        uid: str(spec, 'uid', 'spec') || undefined,
        groups: strings(spec.groups, 'spec.groups'),
        extra,
      };
      return accessReview(authorizer, 'SubjectAccessReview', spec, user);
    },
  };
}

/** SelfSubjectAccessReview: may the caller do this? */
export function selfSubjectAccessReviews(authorizer: ReviewAuthorizer): ResourceStrategy {
  return {
    ...review('SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
    create: (req) => accessReview(authorizer, 'SelfSubjectAccessReview', checkedSpec(req, 'SelfSubjectAccessReview'), req.user()),
  };
}

/** SelfSubjectRulesReview: what may the caller do in spec.namespace? */
export function selfSubjectRulesReviews(authorizer: ReviewAuthorizer): ResourceStrategy {
  return {
    ...review('SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
    async create(req) {
      if (req.method !== 'POST') throw methodNotAllowed(req.method);
      const body = req.object(gvk('SelfSubjectRulesReview'));
      const namespace = isObj(body.spec) ? str(body.spec, 'namespace', 'spec') : '';
      if (!namespace) throw bad('no namespace on request');
      const r = await authorizer.rulesFor(req.user(), namespace);
      const status = {
        resourceRules: r.resourceRules.map((x) => ({
          verbs: x.verbs,
          ...(x.apiGroups.length ? { apiGroups: x.apiGroups } : {}),
          ...(x.resources.length ? { resources: x.resources } : {}),
          ...(x.resourceNames?.length ? { resourceNames: x.resourceNames } : {}),
        })),
        nonResourceRules: r.nonResourceRules.map((x) => ({
          verbs: x.verbs,
          ...(x.nonResourceURLs.length ? { nonResourceURLs: x.nonResourceURLs } : {}),
        })),
        incomplete: r.incomplete,
        ...(r.evaluationError ? { evaluationError: r.evaluationError } : {}),
      };
      return {
        code: 201,
        body: { kind: 'SelfSubjectRulesReview', apiVersion: `${GROUP}/v1`, metadata: { creationTimestamp: null }, spec: {}, status },
      };
    },
  };
}
