// The kubelet API's authentication and authorization, as upstream's kubelet server: a client
// certificate verified against --client-ca-file, else a bearer token checked with a TokenReview to
// the apiserver (--authentication-token-webhook), else anonymous (only with --anonymous-auth); then
// --authorization-mode AlwaysAllow, or Webhook: a SubjectAccessReview to the apiserver for the node
// subresource the path maps to (nodes/stats, nodes/metrics, nodes/log, nodes/spec, nodes/checkpoint,
// nodes/proxy for everything else: exec, attach, port-forward, containerLogs, pods). Both answers are
// cached (upstream's defaults: TokenReview 2 min; SubjectAccessReview 5 min allowed, 30 s denied).
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ApiClient, Logger } from '@minik8s/shared';

export class KubeletAuthError extends Error {
  constructor(
    readonly code: 401 | 403,
    message: string,
  ) {
    super(message);
  }
}

export interface KubeletUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface KubeletAuthOptions {
  nodeName: string;
  /** Client certificates are accepted when the server was given --client-ca-file. */
  x509: boolean;
  anonymous: boolean;
  tokenWebhook: boolean;
  authorizationMode: 'AlwaysAllow' | 'Webhook';
  client?: ApiClient;
  log: Logger;
}

export interface KubeletAttributes {
  verb: string;
  resource: 'nodes';
  subresource: string;
  name: string;
  path: string;
}

const VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const SUBPATHS: [string, string][] = [
  ['/stats', 'stats'],
  ['/metrics', 'metrics'],
  ['/logs', 'log'],
  ['/spec', 'spec'],
  ['/checkpoint', 'checkpoint'],
];

const isSubpath = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/** What a kubelet request is, as the attributes of a request on the Node object (pure). */
export function kubeletAttributes(method: string, url: string, nodeName: string): KubeletAttributes {
  const path = url.split('?')[0];
  const sub = SUBPATHS.find(([p]) => isSubpath(path, p))?.[1] ?? 'proxy';
  return { verb: VERBS[method.toUpperCase()] ?? method.toLowerCase(), resource: 'nodes', subresource: sub, name: nodeName, path };
}

class TtlCache<T> {
  private readonly m = new Map<string, { v: T; until: number }>();
  constructor(private readonly max = 1024) {}
  get(k: string): T | undefined {
    const e = this.m.get(k);
    if (!e) return undefined;
    if (e.until < Date.now()) {
      this.m.delete(k);
      return undefined;
    }
    return e.v;
  }
  set(k: string, v: T, ttlMs: number): void {
    if (this.m.size >= this.max) this.m.delete(this.m.keys().next().value as string);
    this.m.set(k, { v, until: Date.now() + ttlMs });
  }
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export class KubeletAuth {
  private readonly tokens = new TtlCache<KubeletUser | null>();
  private readonly decisions = new TtlCache<boolean>();

  constructor(readonly o: KubeletAuthOptions) {}

  /** Who is asking; throws KubeletAuthError(401). */
  async authenticate(req: IncomingMessage): Promise<KubeletUser> {
    const sock = req.socket as TLSSocket;
    if (this.o.x509 && typeof sock.getPeerCertificate === 'function') {
      const cert = sock.getPeerCertificate();
      if (cert && Object.keys(cert).length) {
        if (!sock.authorized) throw new KubeletAuthError(401, 'Unauthorized');
        return { name: asList(cert.subject?.CN)[0] ?? '', groups: [...asList(cert.subject?.O), 'system:authenticated'] };
      }
    }
    const h = req.headers.authorization;
    if (h !== undefined) {
      const m = /^bearer\s+(\S+)\s*$/i.exec(h.trim());
      const user = m && this.o.tokenWebhook ? await this.review(m[1]) : null;
      if (!user) throw new KubeletAuthError(401, 'Unauthorized');
      return user;
    }
    if (this.o.anonymous) return { name: 'system:anonymous', groups: ['system:unauthenticated'] };
    throw new KubeletAuthError(401, 'Unauthorized');
  }

  private async review(token: string): Promise<KubeletUser | null> {
    const cached = this.tokens.get(token);
    if (cached !== undefined) return cached;
    if (!this.o.client) return null;
    const r = await this.o.client.request<{
      status?: {
        authenticated?: boolean;
        user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
        error?: string;
      };
    }>('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const u =
      r.status?.authenticated && r.status.user?.username
        ? { name: r.status.user.username, uid: r.status.user.uid, groups: r.status.user.groups ?? [], extra: r.status.user.extra }
        : null;
    this.tokens.set(token, u, u ? 120_000 : 30_000);
    if (!u) this.o.log.debug({ err: r.status?.error }, 'kubelet API: token not authenticated');
    return u;
  }

  /** Whether the user may make this request; throws KubeletAuthError(403). */
  async authorize(user: KubeletUser, a: KubeletAttributes): Promise<void> {
    if (this.o.authorizationMode === 'AlwaysAllow') return;
    const key = JSON.stringify([user.name, user.groups, a.verb, a.subresource]);
    let allowed = this.decisions.get(key);
    if (allowed === undefined) {
      try {
        const r = await this.o.client!.request<{ status?: { allowed?: boolean } }>(
          'POST',
          '/apis/authorization.k8s.io/v1/subjectaccessreviews',
          {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SubjectAccessReview',
              spec: {
                user: user.name,
                uid: user.uid,
                groups: user.groups,
                extra: user.extra,
                resourceAttributes: { verb: a.verb, resource: a.resource, subresource: a.subresource, name: a.name, version: 'v1' },
              },
            },
          },
        );
        allowed = r.status?.allowed === true;
      } catch (e) {
        // no answer is no permission (and is not cached)
        this.o.log.warn({ err: (e as Error).message }, 'kubelet API: SubjectAccessReview failed');
        throw new KubeletAuthError(
          403,
          `Forbidden (user=${user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource}): the authorization check failed`,
        );
      }
      this.decisions.set(key, allowed, allowed ? 300_000 : 30_000);
    }
    if (!allowed)
      throw new KubeletAuthError(
        403,
        `Forbidden (user=${user.name}, verb=${a.verb}, resource=${a.resource}, subresource=${a.subresource})`,
      );
  }

  async check(req: IncomingMessage): Promise<KubeletUser> {
    const user = await this.authenticate(req);
    await this.authorize(user, kubeletAttributes(req.method ?? 'GET', req.url ?? '/', this.o.nodeName));
    return user;
  }
}
