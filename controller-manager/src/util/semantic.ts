// Semantic equality of API objects as Go sees them after a JSON round trip: null, empty objects and
// empty arrays are the same as an absent field (omitempty), and key order does not matter.

/** A copy with null/undefined/{}/[] fields removed, recursively (arrays keep their order). */
export function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalize((v as Record<string, unknown>)[k]);
      if (n === null || n === undefined) continue;
      if (Array.isArray(n) && n.length === 0) continue;
      if (typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length === 0) continue;
      out[k] = n;
    }
    return out;
  }
  return v;
}

/** Canonical JSON: sorted keys, empties dropped. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(normalize(v) ?? null);
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
