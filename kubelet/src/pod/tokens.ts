// The kubelet's ServiceAccount token manager (upstream's token manager): a projected
// `serviceAccountToken` source gets a token from TokenRequest, bound to the pod (its name and uid),
// for the source's audience and expirationSeconds. Tokens are cached per pod/audience/expiry and
// requested again once 80% of their lifetime (at most 24 h) has passed, so the file in the pod is
// rotated well before the token expires; a pod's tokens are forgotten when it goes.
import type { ApiClient } from '@minik8s/shared';

export interface TokenSpec {
  namespace: string;
  serviceAccount: string;
  pod: { name: string; uid: string };
  /** Empty: the apiserver's own audiences. */
  audience?: string;
  expirationSeconds: number;
}

interface Cached {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

const MAX_REFRESH_MS = 24 * 3600_000;

/** Whether a cached token should be requested anew (pure). */
export function needsRefresh(c: { issuedAt: number; expiresAt: number }, now: number): boolean {
  const ttl = c.expiresAt - c.issuedAt;
  return now >= c.expiresAt || now - c.issuedAt > Math.min(0.8 * ttl, MAX_REFRESH_MS);
}

export class TokenManager {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly client: ApiClient) {}

  async token(s: TokenSpec): Promise<string> {
    const key = JSON.stringify([s.pod.uid, s.namespace, s.serviceAccount, s.audience ?? '', s.expirationSeconds]);
    const c = this.cache.get(key);
    const now = Date.now();
    if (c && !needsRefresh(c, now)) return c.token;
    const tr = await this.client.request<{ status?: { token?: string; expirationTimestamp?: string } }>(
      'POST',
      `/api/v1/namespaces/${encodeURIComponent(s.namespace)}/serviceaccounts/${encodeURIComponent(s.serviceAccount)}/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            audiences: s.audience ? [s.audience] : [],
            expirationSeconds: s.expirationSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: s.pod.name, uid: s.pod.uid },
          },
        },
      },
    );
    const token = tr.status?.token;
    if (!token) throw new Error(`TokenRequest for serviceaccount ${s.namespace}/${s.serviceAccount} returned no token`);
    const exp = Date.parse(tr.status?.expirationTimestamp ?? '');
    this.cache.set(key, { token, issuedAt: now, expiresAt: Number.isFinite(exp) ? exp : now + s.expirationSeconds * 1000 });
    return token;
  }

  /** Drop the tokens of a pod that is gone. */
  forget(podUid: string): void {
    for (const k of this.cache.keys()) if (k.startsWith(`["${podUid}"`)) this.cache.delete(k);
  }
}
