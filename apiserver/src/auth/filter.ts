// The authentication + authorization filter in front of every route (a fastify onRequest hook, and the
// same check for the raw upgrade requests of exec/attach/portforward): RequestInfo, then the first
// authenticator that finds a credential (client certificate, bearer token), else anonymous — allowed
// only for the public-info paths unless authorization is AlwaysAllow; then impersonation; then the
// authorizer chain. 401 and 403 answer with upstream's Status.
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ApiError, type Logger } from '@minik8s/shared';
import { forbidden, unauthorized, type UnionAuthorizer } from './authorizer';
import { impersonate, impersonationHeaders } from './impersonation';
import { requestInfo, type RequestInfo } from './request-info';
import {
  ANONYMOUS_USER,
  AUTHENTICATED_GROUP,
  AuthenticationError,
  UNAUTHENTICATED_GROUP,
  type Attributes,
  type AuthRequest,
  type AuthResponse,
  type Authenticator,
  type TokenAuthenticator,
  type UserInfo,
} from './types';

/** Paths anonymous requests may reach under a real authorizer (upstream's system:public-info-viewer). */
export const PUBLIC_INFO_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export interface AuthContext {
  user: UserInfo;
  info: RequestInfo;
}

const CONTEXT = Symbol('minik8s.auth');

/** The authenticated user and RequestInfo of a request that passed the filter. */
export function authOf(req: FastifyRequest | IncomingMessage): AuthContext {
  const raw = ('raw' in req ? req.raw : req) as IncomingMessage & { [CONTEXT]?: AuthContext };
  const c = raw[CONTEXT];
  if (!c) throw new Error('request did not pass the authentication filter');
  return c;
}

export interface RequestAuthOptions {
  anonymous: boolean;
  authorizer: UnionAuthorizer;
  /** Client certificates (when --client-ca-file is set). */
  x509?: Authenticator;
  tokens: TokenAuthenticator[];
  log: Logger;
}

/** The bearer token of a request: undefined without an Authorization header; '' for a malformed one. */
function bearer(h: string | undefined): string | undefined {
  if (h === undefined) return undefined;
  const m = /^bearer\s+(\S+)\s*$/i.exec(h.trim());
  return m ? m[1] : '';
}

/** Upstream's AuthenticatedGroupAdder. */
function withAuthenticatedGroup(u: UserInfo): UserInfo {
  if (u.name === ANONYMOUS_USER || u.groups.includes(AUTHENTICATED_GROUP) || u.groups.includes(UNAUTHENTICATED_GROUP)) return u;
  return { ...u, groups: [...u.groups, AUTHENTICATED_GROUP] };
}

export class RequestAuth {
  constructor(readonly o: RequestAuthOptions) {}

  /** The token authenticators in order (also what a TokenReview asks). */
  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | undefined> {
    const errors: string[] = [];
    for (const t of this.o.tokens) {
      try {
        const r = await t.authenticateToken(token, audiences);
        if (r) return { ...r, user: withAuthenticatedGroup(r.user) };
      } catch (e) {
        if (!(e instanceof AuthenticationError)) throw e;
        errors.push(e.message);
      }
    }
    if (errors.length) throw new AuthenticationError(errors.join('; '));
    return undefined;
  }

  /** Who made the request (before impersonation); throws a 401 ApiError. */
  async authenticate(req: AuthRequest): Promise<UserInfo> {
    try {
      const cert = await this.o.x509?.authenticate(req);
      if (cert) return withAuthenticatedGroup(cert.user);
      const token = bearer(req.headers.authorization);
      if (token !== undefined) {
        if (!token) throw new AuthenticationError('invalid bearer token');
        const r = await this.authenticateToken(token);
        if (r) return r.user;
        throw new AuthenticationError('invalid bearer token');
      }
    } catch (e) {
      if (!(e instanceof AuthenticationError)) throw e;
      this.o.log.debug({ path: req.path, err: e.message }, 'unable to authenticate the request');
      throw new ApiError(unauthorized());
    }
    if (this.o.anonymous && (this.o.authorizer.allowsEverything || PUBLIC_INFO_PATHS.has(req.path)))
      return { name: ANONYMOUS_USER, groups: [UNAUTHENTICATED_GROUP] };
    throw new ApiError(unauthorized());
  }

  async authorize(user: UserInfo, info: RequestInfo): Promise<void> {
    const { apiPrefix: _p, parts: _parts, ...rest } = info;
    const a: Attributes = { ...rest, user };
    const r = await this.o.authorizer.authorize(a);
    if (r.decision !== 'allow') throw new ApiError(forbidden(a, r.reason));
  }

  /** The whole filter for one request; attaches the AuthContext; throws ApiError (401, 403, 400). */
  async check(raw: IncomingMessage, info: RequestInfo): Promise<AuthContext> {
    const req: AuthRequest = { headers: raw.headers, rawHeaders: raw.rawHeaders, socket: raw.socket, path: info.path };
    let user = await this.authenticate(req);
    const imp = impersonationHeaders(raw.rawHeaders);
    if (imp) user = await impersonate(user, imp, info, this.o.authorizer);
    await this.authorize(user, info);
    const ctx = { user, info };
    (raw as IncomingMessage & { [CONTEXT]?: AuthContext })[CONTEXT] = ctx;
    return ctx;
  }

  /** The fastify onRequest hook. */
  readonly hook = async (req: FastifyRequest): Promise<void> => {
    await this.check(req.raw, requestInfo(req.method, req.url));
  };

  /**
   * For the raw upgrade requests of pods/exec, attach and portforward. A WebSocket upgrade is a GET, yet
   * it starts a process or opens ports in the pod: it also needs `create`, as upstream's
   * AuthorizePodWebsocketUpgradeCreatePermission.
   */
  async checkUpgrade(raw: IncomingMessage): Promise<AuthContext> {
    const info = requestInfo(raw.method ?? 'GET', raw.url ?? '/');
    if (info.verb === 'get' && info.resource === 'pods' && ['exec', 'attach', 'portforward'].includes(info.subresource))
      info.verb = 'create';
    return this.check(raw, info);
  }
}
