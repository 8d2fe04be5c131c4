// The authentication and authorization seams, shaped as upstream's k8s.io/apiserver interfaces:
// authenticators turn a request into a UserInfo; authorizers decide on Attributes (who + RequestInfo).
// New authorizers (Node, RBAC) are modules implementing Authorizer, named in --authorization-mode.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestInfo } from './request-info';

export const ANONYMOUS_USER = 'system:anonymous';
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated';
export const AUTHENTICATED_GROUP = 'system:authenticated';
export const MASTERS_GROUP = 'system:masters';
export const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** user.Info: who made the request. */
export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface AuthResponse {
  user: UserInfo;
  /** The audiences the credential was valid for (token authenticators). */
  audiences?: string[];
}

/** What an authenticator sees of a request (a fastify request and a raw upgrade request alike). */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  /** Name/value pairs as sent (a repeated header, e.g. Impersonate-Group, stays apart). */
  rawHeaders: string[];
  socket: Socket;
  path: string;
}

/**
 * Finds a credential of its kind in the request. `undefined`: none of its kind (the next authenticator
 * is asked); throws AuthenticationError: a credential of its kind that is not valid (401, no fallback).
 */
export interface Authenticator {
  authenticate(req: AuthRequest): Promise<AuthResponse | undefined>;
}

/** A bearer-token authenticator (ServiceAccount JWTs, bootstrap tokens): also what TokenReview asks. */
export interface TokenAuthenticator {
  /** `undefined`: not a token of its kind; throws AuthenticationError when it is one but invalid. */
  authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | undefined>;
}

export class AuthenticationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthenticationError';
  }
}

/** authorizer.Attributes: the user and what they ask to do. */
export interface Attributes extends Omit<RequestInfo, 'apiPrefix' | 'parts'> {
  user: UserInfo;
}

export type Decision = 'allow' | 'deny' | 'no-opinion';

export interface AuthorizationResult {
  decision: Decision;
  /** Why (appended to the 403 message after ": " when denied). */
  reason: string;
}

/** authorizer.ResourceRuleInfo / NonResourceRuleInfo: what a user may do, as SelfSubjectRulesReview lists it. */
export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}
export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface RulesResult {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  /** The rules may not be all the user has (an authorizer that cannot list its own). */
  incomplete: boolean;
  evaluationError?: string;
}

export interface Authorizer {
  /** Its --authorization-mode name (AlwaysAllow, Node, RBAC, ...). */
  readonly name: string;
  authorize(a: Attributes): Promise<AuthorizationResult> | AuthorizationResult;
  /** The rules `user` has in `namespace` (upstream's authorizer.RuleResolver); absent: the answer is incomplete. */
  rulesFor?(user: UserInfo, namespace: string): Promise<RulesResult> | RulesResult;
}
