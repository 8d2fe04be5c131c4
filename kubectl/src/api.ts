// Requests mkctl makes the way kubectl makes them: server-side Tables, paged lists, plain objects.
import type { Ctx } from './context';
import { apiVersionOf, resourcePath, type KubeList, type KubeObject, type ResourceType } from './shared';

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  priority: number;
}

export interface TableRow {
  cells: unknown[];
  object?: KubeObject;
}

export interface Table {
  kind: 'Table';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export interface ListQuery {
  labelSelector?: string;
  fieldSelector?: string;
  /** Object: full objects in the rows (--sort-by); None: no row objects; unset: the server's PartialObjectMetadata. */
  includeObject?: 'Object' | 'None';
}

/** Namespace in the URL: none for cluster-scoped types or with -A. */
export function nsFor(rt: ResourceType, ns: string | undefined): string | undefined {
  return rt.namespaced ? ns : undefined;
}

function asTable(rt: ResourceType, body: unknown): Table {
  const b = body as Partial<Table> & { kind?: string; items?: KubeObject[]; metadata?: KubeObject['metadata'] };
  if (b.kind === 'Table') return b as Table;
  // A server that ignores as=Table: kubectl then prints NAME and AGE only.
  const objs = b.items ?? [b as KubeObject];
  return {
    kind: 'Table',
    metadata: { resourceVersion: b.metadata?.resourceVersion },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', priority: 0 },
      { name: 'Age', type: 'string', format: '', priority: 0 },
    ],
    rows: objs.map((o) => ({ cells: [o.metadata?.name ?? '', ''], object: o })),
  };
}

/** The whole collection as one Table (pages of 500, as kubectl asks). */
export async function listTable(ctx: Ctx, rt: ResourceType, ns: string | undefined, q: ListQuery): Promise<Table> {
  let table: Table | undefined;
  let cont: string | undefined;
  do {
    const body = await ctx.client.request('GET', resourcePath(rt, nsFor(rt, ns)), {
      accept: TABLE_ACCEPT,
      query: { ...q, limit: q.includeObject === 'Object' ? undefined : 500, continue: cont },
    });
    const page = asTable(rt, body);
    if (!table) table = page;
    else table.rows.push(...page.rows);
    cont = page.metadata?.continue;
  } while (cont);
  return table;
}

export async function getTable(ctx: Ctx, rt: ResourceType, ns: string | undefined, name: string, q: ListQuery = {}): Promise<Table> {
  const body = await ctx.client.request('GET', resourcePath(rt, nsFor(rt, ns), name), { accept: TABLE_ACCEPT, query: { includeObject: q.includeObject } });
  return asTable(rt, body);
}

/** Every object of the collection (pages of 500), each with kind and apiVersion set. */
export async function listObjects(ctx: Ctx, rt: ResourceType, ns: string | undefined, q: ListQuery = {}): Promise<KubeList> {
  let list: KubeList | undefined;
  let cont: string | undefined;
  do {
    const page = await ctx.client.request<KubeList>('GET', resourcePath(rt, nsFor(rt, ns)), {
      query: { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector, limit: 500, continue: cont },
    });
    page.items = (page.items ?? []).map((o) => withType(rt, o));
    if (!list) list = page;
    else list.items.push(...page.items);
    cont = page.metadata?.continue;
  } while (cont);
  return list;
}

export async function getObject<T extends KubeObject = KubeObject>(ctx: Ctx, rt: ResourceType, ns: string | undefined, name: string): Promise<T> {
  return withType(rt, await ctx.client.request<T>('GET', resourcePath(rt, nsFor(rt, ns), name), { accept: 'application/json' }));
}

export function withType<T extends KubeObject>(rt: ResourceType, o: T): T {
  if (o && !o.kind) {
    o.kind = rt.kind;
    o.apiVersion = apiVersionOf(rt);
  }
  return o;
}
