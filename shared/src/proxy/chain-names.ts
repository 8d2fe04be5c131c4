// kube-proxy's iptables chain names exactly as upstream (pkg/proxy/iptables/proxier.go):
// base32(sha256(input))[:16] with the RFC 4648 alphabet, so chains stay <= 28 chars. Shared so that
// tools (mkctl explain-route) name the same chains the proxy writes. mkctl imports it through the lean
// '@minik8s/shared/proxy' entry to keep its start-up small.
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (no padding needed here: callers take a prefix). */
export function base32(buf: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

const hash16 = (s: string): string => base32(createHash('sha256').update(s).digest()).slice(0, 16);

/** upstream ServicePortName.String(): "ns/name:port", or "ns/name" for an unnamed port. */
export function servicePortName(ns: string, name: string, portName: string | undefined): string {
  return portName ? `${ns}/${name}:${portName}` : `${ns}/${name}`;
}

/** portProtoHash: shared by KUBE-SVC-, KUBE-EXT- (and upstream's KUBE-SVL-/KUBE-FW-). */
export const portProtoHash = (spn: string, protocol: string): string => hash16(spn + protocol.toLowerCase());
export const serviceChainName = (spn: string, protocol: string): string => `KUBE-SVC-${portProtoHash(spn, protocol)}`;
export const externalChainName = (spn: string, protocol: string): string => `KUBE-EXT-${portProtoHash(spn, protocol)}`;
/** `endpoint` is "ip:port" as net.JoinHostPort (IPv4 only here). */
export const endpointChainName = (spn: string, protocol: string, endpoint: string): string => `KUBE-SEP-${hash16(spn + protocol.toLowerCase() + endpoint)}`;

/** Chains whose names kube-proxy may delete as stale (upstream isServiceChainName). */
export function isServiceChainName(chain: string): boolean {
  return /^KUBE-(SVC|SVL|EXT|FW|SEP)-/.test(chain);
}
