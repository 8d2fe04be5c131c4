// Property-based fuzzing helpers (fast-check) shared by the apiserver's, kube-proxy's and the kubelet's fuzz
// tests: hostile values (the examples first), and mutations of valid objects at random paths.
import fc from 'fast-check';

/** How many cases a fuzz property runs: a bounded number in `npm test`, more under `npm run fuzz` (FUZZ_RUNS). */
export const fuzzRuns = (inTests: number): number => Number(process.env.FUZZ_RUNS ?? inTests);

/** The values that broke a component once, and their relatives. */
export const HOSTILE_STRINGS = [
  '1.2.3.4 x',
  '1.2.3.4\n-A KUBE-SERVICES -j ACCEPT',
  '10.0.0.1\nCOMMIT',
  'default',
  '10.0.0.0/8 via 1.2.3.4',
  '1e30000000',
  '-1e30000000',
  '1E2147483647',
  '99999999999999999999',
  '0.000000000000000000000000000001',
  '12 GB',
  '../../etc',
  '..',
  '/etc/passwd',
  '/var/lib/docker:/host:rw',
  'a:b',
  '',
  ' ',
  '\u0000',
  '\n',
  '010.0.0.1',
  '::ffff:1.2.3.4',
  '0.0.0.0',
  '127.0.0.1',
  '169.254.169.254',
  'fe80::1%eth0',
  '$(reboot)',
  '`id`',
  "'; DROP TABLE x; --",
  '--reap',
  '-j ACCEPT',
  'None',
  '*',
  'a'.repeat(300),
  'Ω≈ç√∫',
  '%00',
  'TZ=UTC 0 * * * *',
  '61 * * * *',
  '@every 1s',
];

export const HOSTILE_NUMBERS = [0, -1, 1, 65535, 65536, 86400, 86401, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -0.5, 1e308, Number.MAX_SAFE_INTEGER];

/** A hostile JSON value: mostly the lists above, then anything JSON can hold. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

type Path = (string | number)[];

/** Every path of an object (containers and leaves), root excluded. */
export function pathsOf(o: unknown, prefix: Path = []): Path[] {
  if (typeof o !== 'object' || o === null) return [];
  const out: Path[] = [];
  for (const [k, v] of Array.isArray(o) ? o.map((v, i) => [i, v] as const) : Object.entries(o)) {
    const p = [...prefix, k];
    out.push(p, ...pathsOf(v, p));
  }
  return out;
}

export interface Mutation {
  pick: number;
  op: 'set' | 'delete' | 'add';
  value: unknown;
  key: string;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  pick: fc.nat(),
  op: fc.constantFrom('set' as const, 'set' as const, 'set' as const, 'delete' as const, 'add' as const),
  value: hostileValue,
  key: fc.constantFrom('ip', 'port', 'name', 'path', 'x', 'hostPort', 'subPath', 'podCIDR', 'timeoutSeconds', 'cpu', 'memory'),
});

/** `base` (deep-copied) with the mutations applied at paths picked among its own. */
export function mutate<T>(base: T, mutations: Mutation[]): T {
  const o = structuredClone(base) as unknown;
  for (const m of mutations) {
    const paths = pathsOf(o).filter((p) => p[0] !== 'apiVersion' && p[0] !== 'kind');
    if (!paths.length) break;
    const p = paths[m.pick % paths.length];
    const parent = p.slice(0, -1).reduce<any>((x, k) => x[k], o);
    const last = p[p.length - 1];
    const target = parent[last];
    // a copy: one generated value inserted twice would otherwise make a cycle
    const value = structuredClone(m.value);
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
    } else if (m.op === 'add' && typeof target === 'object' && target !== null) {
      if (Array.isArray(target)) target.push(value);
      else target[m.key] = value;
    } else parent[last] = value;
  }
  return o as T;
}
