// authentication.k8s.io/v1 TokenReview (what the kubelet asks about bearer tokens it is given) and
// SelfSubjectReview (`kubectl auth whoami`). Both are answered, never stored.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KubectlModule } from '../context';
import { decodeBody, expectObject } from '../routes/body';
import { authOf, type RequestAuth } from './filter';
import { SELF_SUBJECT_REVIEWS, TOKEN_REVIEWS } from './resources';
import { AuthenticationError, type UserInfo } from './types';

/* eslint-disable @typescript-eslint/no-explicit-any */

const userInfo = (u: UserInfo) => ({ username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) });

export function registerReviews(app: FastifyInstance, auth: RequestAuth, kubectl?: KubectlModule): void {
  const base = '/apis/authentication.k8s.io/v1';
  app.post(`${base}/tokenreviews`, async (req: FastifyRequest, reply: FastifyReply) => {
    const body = expectObject(decodeBody(req, TOKEN_REVIEWS, kubectl), 'TokenReview', 'authentication.k8s.io/v1', 'v1');
    const spec = body.spec ?? {};
    const token = typeof spec.token === 'string' ? spec.token : '';
    const audiences: string[] | undefined = Array.isArray(spec.audiences) && spec.audiences.every((a: unknown) => typeof a === 'string') && spec.audiences.length ? spec.audiences : undefined;
    let status: Record<string, any>;
    try {
      const r = token ? await auth.authenticateToken(token, audiences) : undefined;
      status = r ? { authenticated: true, user: userInfo(r.user), audiences: r.audiences ?? audiences ?? [] } : { authenticated: false, user: {}, error: 'invalid bearer token' };
    } catch (e) {
      if (!(e instanceof AuthenticationError)) throw e;
      status = { authenticated: false, user: {}, error: e.message };
    }
    const out = { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { token, ...(audiences ? { audiences } : {}) }, status };
    return reply.code(201).type('application/json').send(JSON.stringify(out));
  });
  app.post(`${base}/selfsubjectreviews`, async (req: FastifyRequest, reply: FastifyReply) => {
    expectObject(decodeBody(req, SELF_SUBJECT_REVIEWS, kubectl) ?? {}, 'SelfSubjectReview', 'authentication.k8s.io/v1', 'v1');
    const out = { kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, status: { userInfo: userInfo(authOf(req).user) } };
    return reply.code(201).type('application/json').send(JSON.stringify(out));
  });
}
