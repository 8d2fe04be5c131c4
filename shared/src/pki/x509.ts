// X.509 certificates and keys for the cluster PKI, made with @peculiar/x509 on Node's WebCrypto: a CA,
// and leaf certificates it signs (serving, client, or both) with the subject and SANs Kubernetes reads
// (CN = user, O = groups; DNS and IP SANs for servers). Keys are ECDSA P-256: generated natively in
// well under a millisecond, so a test run can make a whole throwaway PKI.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { X509Certificate, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
/** Certificates start a little in the past: a peer whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60_000;

/** A certificate and its private key, PEM-encoded (PKCS#8 key). */
export interface CertKey {
  cert: string;
  key: string;
}

export type Usage = 'server' | 'client';

export interface CertSpec {
  commonName: string;
  /** Subject O=... : the user's groups for a client certificate. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  usages: Usage[];
  /** Validity in days (default 365, as kubeadm's leaf certificates). */
  days?: number;
}

function subject(cn: string, orgs: string[] = []): x509.JsonName {
  return [...orgs.map((o) => ({ O: [o] })), { CN: [cn] }];
}

/** A random positive 128-bit serial number (RFC 5280 allows up to 20 octets). */
function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
}

async function privatePem(k: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', k));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' }) as string;
}

async function importPrivate(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign']);
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + days * DAY_MS) };
}

export class CertificateAuthority {
  private constructor(
    readonly cert: string,
    readonly key: string,
    private readonly parsed: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
  ) {}

  /** A new self-signed CA (10 years, as kubeadm's). */
  static async create(commonName: string, days = 3650): Promise<CertificateAuthority> {
    const keys = await newKeys();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: subject(commonName),
      ...validity(days),
      keys,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertificateAuthority(`${cert.toString('pem').trimEnd()}\n`, await privatePem(keys.privateKey), cert, keys.privateKey);
  }

  /** A CA from its PEM certificate and key (as written by create). */
  static async load(cert: string, key: string): Promise<CertificateAuthority> {
    return new CertificateAuthority(cert, key, new x509.X509Certificate(cert), await importPrivate(key));
  }

  /** A new key pair and a certificate for it, signed by this CA. */
  async issue(spec: CertSpec): Promise<CertKey> {
    const keys = await newKeys();
    const eku = spec.usages.map((u) => (u === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth));
    const sans: x509.JsonGeneralName[] = [
      ...(spec.dnsNames ?? []).map((value) => ({ type: 'dns' as const, value })),
      ...(spec.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: subject(spec.commonName, spec.organizations),
      issuer: this.parsed.subject,
      ...validity(spec.days ?? 365),
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALG,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension(eku),
        await x509.AuthorityKeyIdentifierExtension.create(this.parsed),
        ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      ],
    });
    return { cert: `${cert.toString('pem').trimEnd()}\n`, key: await privatePem(keys.privateKey) };
  }
}

/** A self-signed serving certificate (kube-apiserver's and the kubelet's when none is given). */
export async function selfSignedServing(commonName: string, dnsNames: string[], ipAddresses: string[], days = 365): Promise<CertKey> {
  const ca = await CertificateAuthority.create(`${commonName}-ca@${Math.floor(Date.now() / 1000)}`, days);
  const leaf = await ca.issue({ commonName, dnsNames, ipAddresses, usages: ['server'], days });
  // the chain (leaf, then its CA) so that a client trusting the file's CA verifies it
  return { cert: `${leaf.cert.trimEnd()}\n${ca.cert.trimEnd()}\n`, key: leaf.key };
}

/** An ECDSA P-256 key pair for signing ServiceAccount tokens (PKCS#8 private, SPKI public). */
export async function signingKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const keys = await newKeys();
  const spki = Buffer.from(await webcrypto.subtle.exportKey('spki', keys.publicKey));
  const publicKey = `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END PUBLIC KEY-----\n`;
  return { privateKey: await privatePem(keys.privateKey), publicKey };
}

/** What a kept certificate is checked against before it is reused. */
export interface CertWants {
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Reissue when it expires within this many days (default 30). */
  renewDays?: number;
  /** The CA (PEM) that must have signed it. */
  issuer?: string;
}

/** Whether a PEM certificate is still good for its purpose: signed by `issuer`, not expiring soon, every wanted SAN present. */
export function certStillGood(pem: string, wants: CertWants = {}): boolean {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch {
    return false;
  }
  if (Date.parse(c.validTo) - Date.now() < (wants.renewDays ?? 30) * DAY_MS) return false;
  if (wants.issuer && !c.verify(new X509Certificate(wants.issuer).publicKey)) return false;
  const sans = (c.subjectAltName ?? '').split(', ');
  for (const d of wants.dnsNames ?? []) if (!sans.includes(`DNS:${d}`)) return false;
  for (const ip of wants.ipAddresses ?? []) if (!sans.includes(`IP Address:${ip}`)) return false;
  return true;
}
