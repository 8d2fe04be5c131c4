// kube-proxy's iptables chain names exactly as upstream (pkg/proxy/iptables/proxier.go):
// base32(sha256(input))[:16], RFC 4648 alphabet. Shared so tools (mkctl explain-route) name the same
// chains the proxy writes. Not re-exported from the package index: import '@minik8s/shared/dist/proxy/chain-names'.
import { createHash } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Uint8Array): string {
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

export const serviceChainName = (spn: string, protocol: string): string => `KUBE-SVC-${hash16(spn + protocol.toLowerCase())}`;
export const externalChainName = (spn: string, protocol: string): string => `KUBE-EXT-${hash16(spn + protocol.toLowerCase())}`;
/** `endpoint` is "ip:port". */
export const endpointChainName = (spn: string, protocol: string, endpoint: string): string => `KUBE-SEP-${hash16(spn + protocol.toLowerCase() + endpoint)}`;
