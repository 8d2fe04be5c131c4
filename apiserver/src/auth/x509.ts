// Client certificates verified against --client-ca-file during the TLS handshake: CN is the user name,
// each O a group. A certificate that failed verification is a wrong credential (401), not an
// anonymous request. The user is kept per TLS connection, so keep-alive requests do not parse the
// certificate again.
import type { TLSSocket } from 'node:tls';
import { AuthenticationError, type AuthRequest, type AuthResponse, type Authenticator } from './types';

const byConnection = new WeakMap<object, AuthResponse>();

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const x509Authenticator: Authenticator = {
  async authenticate(req: AuthRequest): Promise<AuthResponse | undefined> {
    const sock = req.socket as TLSSocket;
    if (typeof sock.getPeerCertificate !== 'function') return undefined;
    const known = byConnection.get(sock);
    if (known) return known;
    const cert = sock.getPeerCertificate();
    if (!cert || Object.keys(cert).length === 0) return undefined;
    if (!sock.authorized)
      throw new AuthenticationError(
        `verifying certificate ${JSON.stringify(cert.subject?.CN ?? '')} failed: ${String(sock.authorizationError ?? 'unknown authority')}`,
      );
    const name = asList(cert.subject?.CN)[0];
    if (!name) throw new AuthenticationError('the client certificate has no common name');
    const r: AuthResponse = { user: { name, groups: asList(cert.subject?.O) } };
    byConnection.set(sock, r);
    return r;
  },
};
