// The gate that keeps kinds in their modules: the apiserver's generic request, storage, watch, registry,
// discovery, OpenAPI, table and protobuf code names no kind (no kind name, no plural as a string, no
// resource handle, no import of a kind module), and no apiserver code decides what it serves from the
// clients' resource list in @minik8s/shared. Kind-specific code lives in src/kinds (and in the pod
// proxy and metrics.k8s.io, which are about pods and nodes by nature).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kinds } from './kinds';

const SRC = join(__dirname, '..', 'src');
const GENERIC = ['routes', 'storage', 'registry', 'discovery', 'openapi', 'tables', 'protobuf'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every line of `paths` matching `re`, as "file:line: text". */
function hits(paths: string[], re: RegExp): string[] {
  return paths.flatMap((p) =>
    readFileSync(p, 'utf8')
      .split('\n')
      .flatMap((line, i) => (re.test(line) ? [`${relative(SRC, p)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

const generic = GENERIC.flatMap((d) => files(join(SRC, d)));
const served = kinds.stored();

describe('generic apiserver code names no kind', () => {
  it('covers the generic folders', () => {
    expect(generic.length).toBeGreaterThan(20);
  });

  it('has no kind names', () => {
    const names = served.map((r) => r.kind).join('|');
    expect(hits(generic, new RegExp(`\\b(${names})\\b`))).toEqual([]);
  });

  it('has no plurals as strings', () => {
    // '/namespaces/{namespace}/' is part of every namespaced URL, which the generic router parses
    const plurals = served.map((r) => r.resource).filter((p) => p !== 'namespaces');
    expect(hits(generic, new RegExp(`['"\`](${plurals.join('|')})['"\`/]`))).toEqual([]);
  });

  it('imports no kind module and uses no resource handle', () => {
    expect(hits(generic, /from '\.\.\/kinds|\bR\.[a-z]+\b/)).toEqual([]);
  });

  it('takes what it serves from the registered strategies, not from the clients\' list in @minik8s/shared', () => {
    expect(hits(files(SRC), /\b(RESOURCES|findResource|resourceForKind)\b|\bR\.[a-z]+\b|import \{[^}]*\bR\b[^}]*\} from '@minik8s\/shared'/)).toEqual([]);
  });
});
