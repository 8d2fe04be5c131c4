// pod-template-hash as upstream controller.ComputeHash: FNV-32a over the template, then the
// collisionCount as 4 little-endian bytes, rendered as the decimal Sum32 through rand.SafeEncodeString.
// Upstream hashes Go's spew dump of the struct; we hash canonical JSON (sorted keys, empties dropped),
// so equal templates hash equal regardless of field order or defaulting noise.
import { canonicalJson } from '../../util/semantic';

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: every character mapped into an alphabet without vowels or confusable digits. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

export function computeHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(Buffer.from(canonicalJson(template), 'utf8'));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(b, h);
  }
  return safeEncodeString(String(h));
}
