// The name suffix kubectl's --append-hash and kustomize's generators add to a ConfigMap or Secret: the first
// ten hex digits of the SHA-256 of a small JSON encoding, with the digits and letters that could spell words
// swapped out (0→g, 1→h, 3→k, a→m, e→t).
import { createHash } from 'node:crypto';
import { goJson } from './gojson';

function sorted(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

export function encodeHash(hex: string): string {
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** `data` as strings, `binaryData` base64 (as the object carries them); Go marshals map keys sorted. */
export function configMapHash(name: string, data: Record<string, string>, binaryData: Record<string, string> = {}, immutable?: boolean): string {
  const m: Record<string, unknown> = { data: sorted(data) };
  if (immutable !== undefined) m.immutable = immutable;
  m.kind = 'ConfigMap';
  m.name = name;
  if (Object.keys(binaryData).length) m.binaryData = sorted(binaryData);
  return encodeHash(sha(goJson(sortTop(m))));
}

/** `data` base64, as the object carries it. */
export function secretHash(name: string, type: string, data: Record<string, string>, immutable?: boolean): string {
  const m: Record<string, unknown> = { data: sorted(data), kind: 'Secret', name, type };
  if (immutable !== undefined) m.immutable = immutable;
  return encodeHash(sha(goJson(sortTop(m))));
}

function sortTop(m: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/**
 * kustomize's hasher: the same recipe over kind, data (`""` when absent), binaryData/stringData when present,
 * a Secret's type — and an empty name (it looks the name up by a path it never finds, so renames keep the hash).
 */
export function kustomizeHash(o: { kind?: string; type?: string; data?: Record<string, string>; binaryData?: Record<string, string>; stringData?: Record<string, string> }): string {
  const m: Record<string, unknown> = { data: o.data ? sorted(o.data) : '', kind: o.kind, name: '' };
  if (o.kind === 'Secret') {
    if (o.stringData) m.stringData = sorted(o.stringData);
    m.type = o.type ?? '';
  } else if (o.binaryData) m.binaryData = sorted(o.binaryData);
  return encodeHash(sha(goJson(sortTop(m))));
}
