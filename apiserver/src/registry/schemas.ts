// The OpenAPI schema of each served kind at each version: the one its strategy brings (a kind registered
// at run time), else upstream's definition of its group, version and kind. Resolved and compiled on first
// use (strict decoding, strategic merge patch, the OpenAPI documents), never at start-up, and once per
// kind and version: the compiled graph is kept beside the ServedResource (dropped with it on unregister).
import { SchemaCompiler, upstreamCompiler, upstreamDefinitionName, upstreamDefinitions, type Definitions, type SchemaNode } from '@minik8s/shared/openapi';
import type { ServedResource } from './kinds';
import type { KindOpenApi } from './strategy';

/** Where a served kind's schema comes from: the name of its definition, and the definitions it adds to upstream's. */
export interface KindDefinition {
  readonly name: string;
  /** The kind's own definitions (absent for upstream's kinds). */
  readonly own?: Definitions;
}

const definitions = new WeakMap<ServedResource, KindDefinition | null>();
const compiled = new WeakMap<ServedResource, SchemaNode | null>();
const compilers = new WeakMap<KindOpenApi, SchemaCompiler>();

/** The definition of `r`'s objects, or undefined when neither its strategy nor upstream has one. */
export function kindDefinition(r: ServedResource): KindDefinition | undefined {
  let d = definitions.get(r);
  if (d === undefined) {
    const own = r.openapi;
    const upstream = own ? undefined : upstreamDefinitionName(r.group, r.version, r.kind);
    d = own ? { name: own.definition, own: own.definitions } : upstream ? { name: upstream } : null;
    definitions.set(r, d);
  }
  return d ?? undefined;
}

/** The compiled schema of `r`'s objects (undefined: no schema, nothing is checked). */
export function kindSchema(r: ServedResource): SchemaNode | undefined {
  let node = compiled.get(r);
  if (node === undefined) {
    const d = kindDefinition(r);
    node = d ? compilerOf(r.openapi).definition(d.name) : null;
    compiled.set(r, node);
  }
  return node ?? undefined;
}

/** A kind's own definitions are looked up first, then upstream's (ObjectMeta, ...). */
function compilerOf(openapi: KindOpenApi | undefined): SchemaCompiler {
  if (!openapi) return upstreamCompiler();
  let c = compilers.get(openapi);
  if (!c) {
    const own = openapi.definitions;
    const upstream = upstreamDefinitions();
    c = new SchemaCompiler((name) => (Object.hasOwn(own, name) ? own[name] : Object.hasOwn(upstream, name) ? upstream[name] : undefined));
    compilers.set(openapi, c);
  }
  return c;
}
