// Resource arguments as kubectl reads them: `TYPE[,TYPE] [NAME...]`, `TYPE/NAME [TYPE/NAME...]`, `all`.
import type { Ctx } from './context';
import { CliError } from './errors';
import { findResource, type ResourceType } from './shared';

export interface ResourceRequest {
  rt: ResourceType;
  /** Empty: the whole collection. */
  names: string[];
}

/** Resolve a type name (plural, singular, short name, kind, plural.group) from discovery, or fail as kubectl does. */
export async function resolveType(ctx: Ctx, name: string): Promise<ResourceType> {
  const rt = await ctx.discovery.resolve(name);
  if (!rt) throw new CliError(`the server doesn't have a resource type "${name}"`);
  return rt;
}

/** A built-in type mkctl itself needs (pods for logs, events for describe): from the registry, no discovery. */
export function builtinType(name: string): ResourceType {
  const rt = findResource(name);
  if (!rt) throw new Error(`no built-in resource type "${name}"`);
  return rt;
}

/** Resources in a category ("all"), in discovery order, one version each. */
export async function category(ctx: Ctx, name: string): Promise<ResourceType[]> {
  const seen = new Set<string>();
  return (await ctx.discovery.all()).filter((r) => {
    if (!r.categories.includes(name) || seen.has(`${r.group}/${r.resource}`)) return false;
    seen.add(`${r.group}/${r.resource}`);
    return true;
  });
}

async function expandTypes(ctx: Ctx, spec: string): Promise<ResourceType[]> {
  const out: ResourceType[] = [];
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const types = part.toLowerCase() === 'all' ? await category(ctx, 'all') : [await resolveType(ctx, part)];
    for (const t of types) if (!out.includes(t)) out.push(t);
  }
  return out;
}

/** Parse resource arguments; `verb` shapes the "You must specify" message. */
export async function parseResourceArgs(ctx: Ctx, args: string[], verb = 'get'): Promise<ResourceRequest[]> {
  if (args.length === 0) throw new CliError(`you must specify the type of resource to ${verb}`);
  const slashed = args.filter((a) => a.includes('/'));
  if (slashed.length > 0) {
    if (slashed.length !== args.length) {
      throw new CliError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. \'mkctl get resource/<resource_name>\' instead of \'mkctl get resource resource/<resource_name>\')');
    }
    const out: ResourceRequest[] = [];
    for (const a of args) {
      const i = a.indexOf('/');
      const type = a.slice(0, i);
      const name = a.slice(i + 1);
      if (!type || !name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      const rt = await resolveType(ctx, type);
      const existing = out.find((r) => r.rt === rt);
      if (existing) existing.names.push(name);
      else out.push({ rt, names: [name] });
    }
    return out;
  }
  const types = await expandTypes(ctx, args[0]);
  const names = args.slice(1);
  if (names.length > 0 && types.length > 1) throw new CliError('you may only specify a single resource type when naming objects (use TYPE/NAME for several)');
  return types.map((rt) => ({ rt, names: [...names] }));
}

/** `pod` / `deployment.apps`: the prefix of `-o name` and of multi-type tables. */
export function kindPrefix(rt: ResourceType): string {
  const k = rt.kind.toLowerCase();
  return rt.group ? `${k}.${rt.group}` : k;
}

/** Parse `key=value` and `key-` arguments (label, annotate). */
export function parseKeyValues(args: string[], what: string): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const a of args) {
    if (a.endsWith('-') && !a.includes('=')) remove.push(a.slice(0, -1));
    else {
      const i = a.indexOf('=');
      if (i <= 0) throw new CliError(`invalid ${what} spec: ${a}`);
      set[a.slice(0, i)] = a.slice(i + 1);
    }
  }
  return { set, remove };
}
