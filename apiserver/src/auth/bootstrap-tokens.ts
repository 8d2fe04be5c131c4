// Bootstrap tokens (--enable-bootstrap-token-auth): "<id>.<secret>" matched against the Secret
// kube-system/bootstrap-token-<id> of type bootstrap.kubernetes.io/token, usable for authentication,
// not expired. The user is system:bootstrap:<id> in system:bootstrappers plus the Secret's
// auth-extra-groups. As upstream, a token of this shape that does not match is simply not
// authenticated (no reason is given away).
import { timingSafeEqual } from 'node:crypto';
import { isNotFound } from '@minik8s/shared';
import { secrets } from '../kinds/core/secret';
import type { ObjectGetter } from './serviceaccount-tokens';
import type { AuthResponse, TokenAuthenticator } from './types';

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_GROUP = 'system:bootstrappers';
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

const decode = (data: Record<string, string> | undefined, k: string): string | undefined =>
  data?.[k] === undefined ? undefined : Buffer.from(data[k], 'base64').toString('utf8');

export class BootstrapTokens implements TokenAuthenticator {
  constructor(private readonly get: ObjectGetter) {}

  async authenticateToken(token: string): Promise<AuthResponse | undefined> {
    const m = TOKEN.exec(token);
    if (!m) return undefined;
    const [, id, secret] = m;
    let s: { type?: string; data?: Record<string, string>; metadata: { deletionTimestamp?: string } };
    try {
      s = await this.get(secrets, `bootstrap-token-${id}`, 'kube-system');
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
    if (s.type !== 'bootstrap.kubernetes.io/token' || s.metadata.deletionTimestamp) return undefined;
    const want = decode(s.data, 'token-secret') ?? '';
    if (decode(s.data, 'token-id') !== id || want.length !== secret.length || !timingSafeEqual(Buffer.from(want), Buffer.from(secret)))
      return undefined;
    if (decode(s.data, 'usage-bootstrap-authentication') !== 'true') return undefined;
    const exp = decode(s.data, 'expiration');
    if (exp && !(Date.parse(exp) > Date.now())) return undefined;
    const extra = (decode(s.data, 'auth-extra-groups') ?? '')
      .split(',')
      .map((g) => g.trim())
      .filter((g) => EXTRA_GROUP.test(g));
    return { user: { name: `system:bootstrap:${id}`, groups: [BOOTSTRAP_GROUP, ...extra] } };
  }
}
