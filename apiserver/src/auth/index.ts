// Authentication and authorization for the apiserver, set up from its flags: the serving certificate
// (given, or self-signed in --cert-dir as kube-apiserver does), client certificates (--client-ca-file),
// ServiceAccount tokens, bootstrap tokens, anonymous requests, and the --authorization-mode chain.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '@minik8s/shared';
import { buildAuthorizer, parseAuthorizationModes, type AuthorizerDeps, type UnionAuthorizer } from './authorizer';
import { BootstrapTokens } from './bootstrap-tokens';
import { RequestAuth } from './filter';
import { DEFAULT_ISSUER, ServiceAccountTokens, type ObjectGetter } from './serviceaccount-tokens';
import { x509Authenticator } from './x509';
// registers --authorization-mode Node
import './node-authorizer';
// registers --authorization-mode RBAC
import './rbac/authorizer';

export { authOf, RequestAuth } from './filter';
export { registerAuthorizerMode } from './authorizer';
export { RbacPolicy } from './rbac/policy';
export { watchCacheSource } from './rbac/cache-source';
export { ServiceAccountTokens, type ObjectGetter } from './serviceaccount-tokens';

export interface AuthFlags {
  tlsCertFile?: string;
  tlsPrivateKeyFile?: string;
  certDir: string;
  clientCaFile?: string;
  anonymousAuth: boolean;
  authorizationModes: string[];
  serviceAccountIssuers: string[];
  serviceAccountKeyFiles: string[];
  serviceAccountSigningKeyFile?: string;
  serviceAccountMaxTokenExpirationSeconds: number;
  apiAudiences: string[];
  enableBootstrapTokenAuth: boolean;
}

export interface ServingTls {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  requestCert: boolean;
  rejectUnauthorized: false;
}

export interface ApiserverAuth {
  tls: ServingTls;
  /** The filter in front of every request; also what a TokenReview asks. */
  auth: RequestAuth;
  /** Issues (TokenRequest) and verifies ServiceAccount tokens. */
  tokens: ServiceAccountTokens;
  /** The --authorization-mode chain (also what the access reviews ask). */
  authorizer: UnionAuthorizer;
}

const read = (what: string, path: string): Buffer => {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`${what}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
};

function stillValid(pem: Buffer): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) > Date.now() + 86_400_000;
  } catch {
    return false;
  }
}

function ensureCertDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new Error(
      `--cert-dir ${dir}: cannot create it (${(e as NodeJS.ErrnoException).code}); pass --cert-dir DIR, or --tls-cert-file and --tls-private-key-file`,
      { cause: e },
    );
  }
}

/** --tls-cert-file/--tls-private-key-file, else a self-signed pair kept in --cert-dir (apiserver.crt, apiserver.key). */
async function servingCert(f: AuthFlags, sans: { dns: string[]; ips: string[] }, log: Logger): Promise<{ cert: Buffer; key: Buffer }> {
  if (f.tlsCertFile && f.tlsPrivateKeyFile)
    return { cert: read('--tls-cert-file', f.tlsCertFile), key: read('--tls-private-key-file', f.tlsPrivateKeyFile) };
  const certFile = join(f.certDir, 'apiserver.crt');
  const keyFile = join(f.certDir, 'apiserver.key');
  if (existsSync(certFile) && existsSync(keyFile) && stillValid(readFileSync(certFile)))
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  ensureCertDir(f.certDir);
  const { selfSignedServing } = await import('@minik8s/shared/pki');
  const made = await selfSignedServing('localhost', sans.dns, sans.ips);
  writeFileSync(keyFile, made.key, { mode: 0o600 });
  writeFileSync(certFile, made.cert);
  log.info({ cert: certFile }, 'generated a self-signed serving certificate');
  return { cert: Buffer.from(made.cert), key: Buffer.from(made.key) };
}

/** --service-account-signing-key-file, else a key pair kept in --cert-dir (sa.key). */
async function signingKey(f: AuthFlags, log: Logger): Promise<string> {
  if (f.serviceAccountSigningKeyFile) return read('--service-account-signing-key-file', f.serviceAccountSigningKeyFile).toString();
  const keyFile = join(f.certDir, 'sa.key');
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8');
  ensureCertDir(f.certDir);
  const { signingKeyPair } = await import('@minik8s/shared/pki');
  const k = await signingKeyPair();
  writeFileSync(keyFile, k.privateKey, { mode: 0o600 });
  log.info({ key: keyFile }, 'generated a ServiceAccount token signing key');
  return k.privateKey;
}

export async function setupAuth(
  f: AuthFlags,
  o: { sans: { dns: string[]; ips: string[] }; get: ObjectGetter; log: Logger; authorizerDeps?: AuthorizerDeps },
): Promise<ApiserverAuth> {
  const modes = parseAuthorizationModes(f.authorizationModes.join(','));
  const serving = await servingCert(f, o.sans, o.log);
  const ca = f.clientCaFile ? read('--client-ca-file', f.clientCaFile) : undefined;
  const issuers = f.serviceAccountIssuers.length ? f.serviceAccountIssuers : [DEFAULT_ISSUER];
  const tokens = new ServiceAccountTokens(
    {
      issuers,
      signingKey: await signingKey(f, o.log),
      publicKeys: f.serviceAccountKeyFiles.map((p) => read('--service-account-key-file', p).toString()),
      apiAudiences: f.apiAudiences.length ? f.apiAudiences : issuers,
      maxExpirationSeconds: f.serviceAccountMaxTokenExpirationSeconds,
    },
    o.get,
  );
  const authorizer = buildAuthorizer(modes, o.authorizerDeps);
  const auth = new RequestAuth({
    anonymous: f.anonymousAuth,
    authorizer,
    x509: ca ? x509Authenticator : undefined,
    tokens: [tokens, ...(f.enableBootstrapTokenAuth ? [new BootstrapTokens(o.get)] : [])],
    log: o.log,
  });
  return { tls: { cert: serving.cert, key: serving.key, ca, requestCert: !!ca, rejectUnauthorized: false }, auth, tokens, authorizer };
}
