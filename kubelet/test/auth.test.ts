// The kubelet API's request attributes (upstream's kubelet authorizer path mapping), its anonymous and
// AlwaysAllow/Webhook decisions, and the token manager's refresh rule.
import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import type { ApiClient, Logger } from '@minik8s/shared';
import { KubeletAuth, kubeletAttributes } from '../src/server/auth';
import { needsRefresh } from '../src/pod/tokens';

const log = { debug: () => undefined, warn: () => undefined } as unknown as Logger;
const req = (headers: Record<string, string> = {}, method = 'GET', url = '/pods') =>
  ({ method, url, headers, socket: {} }) as unknown as IncomingMessage;

describe('kubelet API authorization attributes', () => {
  it.each([
    ['GET', '/stats/summary', 'get', 'stats'],
    ['GET', '/metrics', 'get', 'metrics'],
    ['GET', '/metrics/cadvisor', 'get', 'metrics'],
    ['GET', '/logs/syslog', 'get', 'log'],
    ['GET', '/spec/', 'get', 'spec'],
    ['POST', '/checkpoint/ns/p/c', 'create', 'checkpoint'],
    ['GET', '/pods', 'get', 'proxy'],
    ['GET', '/containerLogs/ns/p/c?follow=true', 'get', 'proxy'],
    ['POST', '/exec/ns/p/c?command=ls', 'create', 'proxy'],
    ['GET', '/statsx', 'get', 'proxy'],
  ])('%s %s → %s nodes/%s', (method, url, verb, sub) => {
    expect(kubeletAttributes(method, url, 'n1')).toMatchObject({ verb, resource: 'nodes', subresource: sub, name: 'n1' });
  });
});

describe('kubelet API authentication and authorization', () => {
  it('no anonymous requests unless --anonymous-auth; no token review without the webhook', async () => {
    const closed = new KubeletAuth({
      nodeName: 'n1',
      x509: false,
      anonymous: false,
      tokenWebhook: false,
      authorizationMode: 'AlwaysAllow',
      log,
    });
    await expect(closed.check(req())).rejects.toMatchObject({ code: 401 });
    await expect(closed.check(req({ authorization: 'Bearer x' }))).rejects.toMatchObject({ code: 401 });
    const open = new KubeletAuth({
      nodeName: 'n1',
      x509: false,
      anonymous: true,
      tokenWebhook: false,
      authorizationMode: 'AlwaysAllow',
      log,
    });
    expect(await open.check(req())).toMatchObject({ name: 'system:anonymous' });
  });

  it('tokens through TokenReview and decisions through SubjectAccessReview, both cached', async () => {
    const calls: string[] = [];
    const client = {
      request: async (_m: string, path: string, o: { body: { spec: Record<string, unknown> } }) => {
        calls.push(path);
        if (path.endsWith('tokenreviews'))
          return o.body.spec.token === 'good'
            ? { status: { authenticated: true, user: { username: 'system:serviceaccount:a:b', groups: ['system:serviceaccounts'] } } }
            : { status: { authenticated: false } };
        const ra = o.body.spec.resourceAttributes as Record<string, string>;
        return { status: { allowed: ra.subresource === 'stats' } };
      },
    } as unknown as ApiClient;
    const auth = new KubeletAuth({
      nodeName: 'n1',
      x509: false,
      anonymous: false,
      tokenWebhook: true,
      authorizationMode: 'Webhook',
      client,
      log,
    });
    await expect(auth.check(req({ authorization: 'Bearer bad' }))).rejects.toMatchObject({ code: 401 });
    expect(await auth.check(req({ authorization: 'Bearer good' }, 'GET', '/stats/summary'))).toMatchObject({
      name: 'system:serviceaccount:a:b',
    });
    await expect(auth.check(req({ authorization: 'Bearer good' }, 'POST', '/exec/a/p/c'))).rejects.toMatchObject({
      code: 403,
      message: 'Forbidden (user=system:serviceaccount:a:b, verb=create, resource=nodes, subresource=proxy)',
    });
    await auth.check(req({ authorization: 'Bearer good' }, 'GET', '/stats/summary'));
    expect(calls.filter((c) => c.endsWith('tokenreviews'))).toHaveLength(2); // bad + good, then cached
    expect(calls.filter((c) => c.endsWith('subjectaccessreviews'))).toHaveLength(2); // stats + exec, then cached
  });
});

describe('token refresh', () => {
  it('after 80% of the lifetime, at most a day, or once expired', () => {
    const t = { issuedAt: 0, expiresAt: 3600_000 };
    expect(needsRefresh(t, 2000_000)).toBe(false);
    expect(needsRefresh(t, 2881_000)).toBe(true);
    expect(needsRefresh({ issuedAt: 0, expiresAt: 365 * 86_400_000 }, 86_400_001)).toBe(true);
    expect(needsRefresh({ issuedAt: 0, expiresAt: 100 }, 100)).toBe(true);
  });
});
