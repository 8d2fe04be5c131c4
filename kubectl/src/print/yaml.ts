// -o yaml / -o json as kubectl writes them: keys sorted (kubectl prints unstructured maps), YAML with
// unindented sequences and YAML 1.1 quoting (so "y", "1" and timestamps stay strings), JSON indented by 4.
import type YAML from 'yaml';

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function toYaml(obj: unknown): string {
  // Required here, not at the top: `get` imports this file, and the yaml library is ~70 modules of start-up.
  const { stringify } = require('yaml') as typeof YAML; // eslint-disable-line @typescript-eslint/no-require-imports
  return stringify(sortKeys(obj), { version: '1.1', indentSeq: false, lineWidth: 0, defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN' });
}

export function toJson(obj: unknown): string {
  return JSON.stringify(sortKeys(obj), null, 4) + '\n';
}
