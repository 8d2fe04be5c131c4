// authentication.k8s.io/v1 (upstream pkg/registry/authentication): TokenReview (what a kubelet asks
// about a bearer token it was given) and SelfSubjectReview (`kubectl auth whoami`). Both are create-only
// kinds, answered and never stored.
import type { RequestAuth } from '../../auth/filter';
import { AuthenticationError, type UserInfo } from '../../auth/types';
import { methodNotAllowed, type HandlerRequest, type ResourceStrategy } from '../../registry/strategy';
import { defineMessages } from '../../protobuf/messages';
import { reviewKind, type Obj } from '../helpers';

const GROUP = 'authentication.k8s.io';
const TOKEN_REVIEW = { group: GROUP, version: 'v1', kind: 'TokenReview' };
const SELF_SUBJECT_REVIEW = { group: GROUP, version: 'v1', kind: 'SelfSubjectReview' };

/** What a TokenReview asks: the apiserver's token authenticators, in order. */
export type TokenReviewer = Pick<RequestAuth, 'authenticateToken'>;

const message = defineMessages(`
message TokenReviewSpec { optional string token = 1; repeated string audiences = 2; }
message TokenReview { optional ObjectMeta metadata = 1; optional TokenReviewSpec spec = 2; }
message SelfSubjectReview { optional ObjectMeta metadata = 1; }
`);

const userInfo = (u: UserInfo) => ({
  username: u.name,
  ...(u.uid ? { uid: u.uid } : {}),
  groups: u.groups,
  ...(u.extra ? { extra: u.extra } : {}),
});

async function reviewToken(reviewer: TokenReviewer, req: HandlerRequest) {
  if (req.method !== 'POST') throw methodNotAllowed(req.method);
  const spec: Obj = req.object(TOKEN_REVIEW).spec ?? {};
  const token = typeof spec.token === 'string' ? spec.token : '';
  const audiences: string[] | undefined =
    Array.isArray(spec.audiences) && spec.audiences.length && spec.audiences.every((a: unknown) => typeof a === 'string')
      ? spec.audiences
      : undefined;
  let status: Obj;
  try {
    const r = token ? await reviewer.authenticateToken(token, audiences) : undefined;
    status = r
      ? { authenticated: true, user: userInfo(r.user), audiences: r.audiences ?? audiences ?? [] }
      : { authenticated: false, user: {}, error: 'invalid bearer token' };
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    status = { authenticated: false, user: {}, error: e.message };
  }
  return {
    code: 201,
    body: {
      kind: 'TokenReview',
      apiVersion: `${GROUP}/v1`,
      metadata: { creationTimestamp: null },
      spec: { token, ...(audiences ? { audiences } : {}) },
      status,
    },
  };
}

/** TokenReview, answered by `reviewer`. */
export function tokenReviews(reviewer: TokenReviewer): ResourceStrategy {
  return {
    ...reviewKind(GROUP, 'TokenReview', 'tokenreviews'),
    protobuf: message('TokenReview'),
    create: (req) => reviewToken(reviewer, req),
  };
}

/** SelfSubjectReview: who the request's user is (after impersonation). */
export const selfSubjectReviews: ResourceStrategy = {
  ...reviewKind(GROUP, 'SelfSubjectReview', 'selfsubjectreviews'),
  protobuf: message('SelfSubjectReview'),
  async create(req) {
    if (req.method !== 'POST') throw methodNotAllowed(req.method);
    if (req.body() !== undefined) req.object(SELF_SUBJECT_REVIEW);
    return {
      code: 201,
      body: {
        kind: 'SelfSubjectReview',
        apiVersion: `${GROUP}/v1`,
        metadata: { creationTimestamp: null },
        status: { userInfo: userInfo(req.user()) },
      },
    };
  },
};
