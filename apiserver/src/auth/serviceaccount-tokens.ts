// ServiceAccount tokens as upstream's bound tokens: ES256/RS256 JWTs (jose) signed with
// --service-account-signing-key-file, issued by TokenRequest and checked on every use: signature
// (any --service-account-key-file), issuer (--service-account-issuer), audience (--api-audiences or
// the TokenReview's), expiry (one minute of leeway, as go-jose), and that the ServiceAccount and the
// object the token is bound to (pod or secret) still exist with the same uid. No legacy Secret tokens.
import { createHash, createPrivateKey, createPublicKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { isNotFound, type KubeObject } from '@minik8s/shared';
import * as jose from 'jose';
import type { ResourceStrategy } from '../registry/strategy';
import { SERVICE_ACCOUNTS } from '../kinds/core/serviceaccount';
import { pods } from '../kinds/core/pod';
import { secrets } from '../kinds/core/secret';
import { AuthenticationError, SERVICE_ACCOUNTS_GROUP, SERVICE_ACCOUNT_PREFIX, type AuthResponse, type TokenAuthenticator } from './types';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const LEEWAY_S = 60;
/** A verified signature is remembered this long (never past the token's expiry); existence is checked every time. */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX = 4096;
/** A pod deleted this long ago invalidates its tokens (upstream's grace for a pod on its way out). */
const DELETED_POD_GRACE_MS = 60_000;

/** A kind, by its group and plural. */
export type KindRef = Pick<ResourceStrategy, 'group' | 'resource'>;

/** How the token code reads objects (the apiserver's watch-cached get; throws a NotFound ApiError). */
export type ObjectGetter = (kind: KindRef, name: string, namespace?: string) => Promise<KubeObject>;

export interface ServiceAccountTokenOptions {
  /** The first one signs; every one is accepted. */
  issuers: string[];
  /** PEM private key (PKCS#8 or SEC1/PKCS#1) that signs. */
  signingKey: string;
  /** PEM public keys or certificates that verify (the signing key's own is always one). */
  publicKeys: string[];
  /** --api-audiences: what a token must be for, unless a TokenReview names others. */
  apiAudiences: string[];
  /** --service-account-max-token-expiration in seconds (0: none). */
  maxExpirationSeconds: number;
}

export interface BoundRef {
  kind: 'Pod' | 'Secret';
  name: string;
  uid: string;
}

export interface IssueRequest {
  namespace: string;
  serviceAccount: { name: string; uid: string };
  audiences: string[];
  expirationSeconds: number;
  bound?: BoundRef;
  /** The node of a bound pod (recorded as upstream's ServiceAccountTokenPodNodeInfo). */
  node?: { name: string; uid: string };
}

interface PrivateClaims {
  namespace: string;
  serviceaccount: { name: string; uid: string };
  pod?: { name: string; uid: string };
  secret?: { name: string; uid: string };
  node?: { name: string; uid: string };
}

/** The key id upstream puts in the header: the SHA-256 of the public key's DER, base64url. */
function keyId(k: KeyObject): string {
  return createHash('sha256')
    .update(k.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

function publicKeyOf(pem: string): KeyObject {
  return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
}

const algFor = (k: KeyObject) => (k.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256');

export class ServiceAccountTokens implements TokenAuthenticator {
  private readonly signer: { key: KeyObject; kid: string; alg: string };
  private readonly verifiers = new Map<string, KeyObject>();
  /** token + audiences → its verified claims: a client sends the same token with every request. */
  private readonly verified = new Map<string, { payload: jose.JWTPayload; until: number }>();

  constructor(
    readonly opts: ServiceAccountTokenOptions,
    private readonly get: ObjectGetter,
  ) {
    const priv = createPrivateKey(opts.signingKey);
    const pub = createPublicKey(priv);
    this.signer = { key: priv, kid: keyId(pub), alg: algFor(pub) };
    if (pub.asymmetricKeyType === 'ec' && pub.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('service account signing key: only P-256 EC keys (or RSA) are supported');
    for (const k of [pub, ...opts.publicKeys.map(publicKeyOf)]) this.verifiers.set(keyId(k), k);
  }

  get issuer(): string {
    return this.opts.issuers[0];
  }

  /** A signed token for the request; expirationSeconds already validated and clamped by the caller. */
  async issue(r: IssueRequest): Promise<{ token: string; expirationTimestamp: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + r.expirationSeconds;
    const k8s: PrivateClaims = { namespace: r.namespace, serviceaccount: r.serviceAccount };
    if (r.bound?.kind === 'Pod') k8s.pod = { name: r.bound.name, uid: r.bound.uid };
    if (r.bound?.kind === 'Secret') k8s.secret = { name: r.bound.name, uid: r.bound.uid };
    if (r.node) k8s.node = r.node;
    const token = await new jose.SignJWT({ 'kubernetes.io': k8s as unknown as jose.JWTPayload })
      .setProtectedHeader({ alg: this.signer.alg, kid: this.signer.kid })
      .setIssuer(this.issuer)
      .setSubject(`${SERVICE_ACCOUNT_PREFIX}${r.namespace}:${r.serviceAccount.name}`)
      .setAudience(r.audiences)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.signer.key);
    return { token, expirationTimestamp: new Date(exp * 1000) };
  }

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | undefined> {
    // Not a JWT of ours (another authenticator's token, e.g. a bootstrap token): no opinion.
    let unverified: jose.JWTPayload;
    try {
      unverified = jose.decodeJwt(token);
    } catch {
      return undefined;
    }
    if (typeof unverified.iss !== 'string' || !this.opts.issuers.includes(unverified.iss)) return undefined;

    const want = audiences?.length ? audiences : this.opts.apiAudiences;
    const cacheKey = audiences?.length ? `${token}\n${audiences.join('\n')}` : token;
    const now = Date.now();
    let payload = this.verified.get(cacheKey)?.payload;
    if (payload && this.verified.get(cacheKey)!.until <= now) {
      this.verified.delete(cacheKey);
      payload = undefined;
    }
    if (!payload) {
      try {
        const header = jose.decodeProtectedHeader(token);
        const keys = header.kid && this.verifiers.has(header.kid) ? [this.verifiers.get(header.kid)!] : [...this.verifiers.values()];
        payload = await this.verify(token, keys, want);
      } catch (e) {
        throw new AuthenticationError(reason(e), { cause: e });
      }
      if (this.verified.size >= VERIFIED_MAX) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(cacheKey, { payload, until: Math.min(now + VERIFIED_TTL_MS, (Number(payload.exp) + LEEWAY_S) * 1000) });
    }
    const k8s = payload['kubernetes.io'] as PrivateClaims | undefined;
    if (!k8s?.namespace || !k8s.serviceaccount?.name)
      throw new AuthenticationError('service account token: missing the kubernetes.io claims');
    const ns = k8s.namespace;
    const sa = await this.existing(SERVICE_ACCOUNTS, k8s.serviceaccount.name, ns, k8s.serviceaccount.uid);
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      const pod = await this.existing(pods, k8s.pod.name, ns, k8s.pod.uid);
      const del = pod.metadata.deletionTimestamp;
      if (del && Date.parse(del) < Date.now() - DELETED_POD_GRACE_MS)
        throw new AuthenticationError('service account token has been invalidated');
      extra['authentication.kubernetes.io/pod-name'] = [k8s.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k8s.pod.uid];
    }
    if (k8s.secret) await this.existing(secrets, k8s.secret.name, ns, k8s.secret.uid);
    if (k8s.node) {
      extra['authentication.kubernetes.io/node-name'] = [k8s.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k8s.node.uid];
    }
    if (payload.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${payload.jti}`];
    const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
    return {
      user: {
        name: `${SERVICE_ACCOUNT_PREFIX}${ns}:${k8s.serviceaccount.name}`,
        uid: sa.metadata.uid,
        groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${ns}`],
        extra,
      },
      audiences: aud.filter((a) => want.includes(a)),
    };
  }

  private async verify(token: string, keys: KeyObject[], audience: string[]): Promise<jose.JWTPayload> {
    let last: unknown;
    for (const key of keys) {
      try {
        const r = await jose.jwtVerify(token, key, {
          issuer: this.opts.issuers,
          audience,
          algorithms: ['ES256', 'RS256'],
          clockTolerance: LEEWAY_S,
          requiredClaims: ['exp'],
        });
        return r.payload;
      } catch (e) {
        last = e;
        if (!(e instanceof jose.errors.JWSSignatureVerificationFailed)) throw e;
      }
    }
    throw last;
  }

  /** The object the token names, which must still exist with the same uid. */
  private async existing(r: KindRef, name: string, namespace: string, uid: string | undefined): Promise<KubeObject> {
    let o: KubeObject;
    try {
      o = await this.get(r, name, namespace);
    } catch (e) {
      if (isNotFound(e)) throw new AuthenticationError(`${r.resource} ${JSON.stringify(name)} not found`, { cause: e });
      throw e;
    }
    if (uid && o.metadata.uid !== uid)
      throw new AuthenticationError(
        `${r.resource} ${JSON.stringify(name)} (uid ${uid}) has been deleted (the current one is ${o.metadata.uid})`,
      );
    return o;
  }
}

function reason(e: unknown): string {
  if (e instanceof jose.errors.JWTExpired) return 'service account token has expired';
  if (e instanceof jose.errors.JWTClaimValidationFailed && e.claim === 'aud') return 'token audiences are invalid for the target audiences';
  if (e instanceof jose.errors.JWSSignatureVerificationFailed)
    return 'service account token: invalid signature (not signed by a key this apiserver trusts)';
  return `service account token: ${(e as Error).message}`;
}
