// mkctl get: server-side Tables for human output (as kubectl asks for them), plain objects for
// -o yaml|json|name|jsonpath, a Table watch for -w.
import { getObject, getTable, listObjects, listTable, nsFor, TABLE_ACCEPT, type Table } from '../api';
import { kindPrefix, parseResourceArgs, type ResourceRequest } from '../args';
import type { Ctx } from '../context';
import { CliError, serverErrorLine } from '../errors';
import { evaluate, executeTemplate, parsePath } from '../print/jsonpath';
import { printTable, tableCells, type TableOptions } from '../print/table';
import { formatColumns } from '../print/tabwriter';
import { toJson, toYaml } from '../print/yaml';
import { ApiError, isNotFound, resourcePath, type KubeObject } from '../shared';

export interface GetOptions {
  output?: string;
  selector?: string;
  fieldSelector?: string;
  allNamespaces?: boolean;
  showLabels?: boolean;
  sortBy?: string;
  watch?: boolean;
  noHeaders?: boolean;
  labelColumns?: string[];
  ignoreNotFound?: boolean;
  showManagedFields?: boolean;
}

export async function get(ctx: Ctx, args: string[], o: GetOptions): Promise<number> {
  const reqs = await parseResourceArgs(ctx, args, 'get');
  const ns = o.allNamespaces ? undefined : ctx.namespace;
  const output = o.output ?? '';
  if (output === '' || output === 'wide') return getHuman(ctx, reqs, ns, o);
  return getObjects(ctx, reqs, ns, o, output);
}

function noResources(ctx: Ctx, reqs: ResourceRequest[], ns: string | undefined): string {
  const namespaced = reqs.some((r) => r.rt.namespaced);
  return ns && namespaced ? `No resources found in ${ns} namespace.` : 'No resources found';
}

function sortRows(table: Table, expr: string): void {
  const path = parsePath(expr.replace(/^\{(.*)\}$/, '$1'));
  const key = (o: unknown) => evaluate(path, o)[0];
  table.rows.sort((a, b) => compareValues(key(a.object), key(b.object)));
}

export function compareValues(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = typeof a === 'object' ? JSON.stringify(a) : String(a);
  const y = typeof b === 'object' ? JSON.stringify(b) : String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

async function getHuman(ctx: Ctx, reqs: ResourceRequest[], ns: string | undefined, o: GetOptions): Promise<number> {
  const multi = reqs.length > 1;
  // Rows need their object's metadata only for -A, -L and --show-labels; without them the rows come bare
  // (a quarter of the bytes for pods), which kubectl does not ask for but prints the same from.
  const needsMeta = o.allNamespaces || o.showLabels || (o.labelColumns?.length ?? 0) > 0;
  const q = {
    labelSelector: o.selector,
    fieldSelector: o.fieldSelector,
    includeObject: o.sortBy ? ('Object' as const) : needsMeta ? undefined : ('None' as const),
  };
  let rc = 0;
  let printed = 0;
  const errors: string[] = [];
  const watchFrom: { req: ResourceRequest; rv?: string; opts: TableOptions; widths: number[] }[] = [];
  for (const req of reqs) {
    let table: Table | undefined;
    if (req.names.length === 0) table = await listTable(ctx, req.rt, ns, q);
    else {
      for (const name of req.names) {
        try {
          const t = await getTable(ctx, req.rt, ns ?? ctx.namespace, name, q);
          if (!table) table = t;
          else table.rows.push(...t.rows);
        } catch (e) {
          if (e instanceof ApiError && isNotFound(e) && o.ignoreNotFound) continue;
          if (e instanceof ApiError) {
            errors.push(serverErrorLine(e));
            rc = 1;
          } else throw e;
        }
      }
    }
    const opts: TableOptions = {
      wide: o.output === 'wide',
      allNamespaces: o.allNamespaces && req.rt.namespaced,
      showLabels: o.showLabels,
      noHeaders: o.noHeaders,
      labelColumns: o.labelColumns,
      kindPrefix: multi ? kindPrefix(req.rt) : undefined,
    };
    const widths: number[] = [];
    if (o.watch) watchFrom.push({ req, rv: table?.metadata?.resourceVersion, opts, widths });
    if (!table || table.rows.length === 0) continue;
    if (o.sortBy) sortRows(table, o.sortBy);
    // kubectl separates kinds by a blank line before each new header; without headers, no separator.
    if (printed > 0 && !o.noHeaders) process.stdout.write('\n');
    process.stdout.write(printTable(table, opts, widths));
    printed++;
  }
  for (const e of errors) process.stderr.write(e + '\n');
  if (printed === 0 && errors.length === 0 && !o.watch) process.stderr.write(noResources(ctx, reqs, ns) + '\n');
  if (o.watch) {
    if (watchFrom.length !== 1) throw new CliError('you may only specify a single resource type with --watch');
    const w = watchFrom[0];
    await watchTable(ctx, w.req, ns, o, w.rv, w.opts, printed === 0, w.widths);
  }
  return rc;
}

/** Stream one row per watch event (the header only if the list printed none), until the server ends the watch. */
async function watchTable(
  ctx: Ctx,
  req: ResourceRequest,
  ns: string | undefined,
  o: GetOptions,
  rv: string | undefined,
  opts: TableOptions,
  needHeader: boolean,
  widths: number[],
): Promise<void> {
  const fieldSelector =
    [o.fieldSelector, req.names.length === 1 ? `metadata.name=${req.names[0]}` : undefined].filter(Boolean).join(',') || undefined;
  const res = await ctx.client.request('GET', resourcePath(req.rt, nsFor(req.rt, ns)), {
    stream: true,
    accept: TABLE_ACCEPT,
    query: { watch: 'true', resourceVersion: rv, labelSelector: o.selector, fieldSelector },
  });
  const { LineSplitter } = await import('@minik8s/shared/client');
  const lines = new LineSplitter();
  let header = needHeader;
  const onLine = (line: string) => {
    const ev = JSON.parse(line) as { type: string; object: Table & { kind: string; message?: string; reason?: string; status?: string } };
    if (ev.type === 'BOOKMARK') return;
    if (ev.type === 'ERROR') {
      const s = ev.object;
      process.stdout.write(
        formatColumns([
          ['STATUS', 'REASON', 'MESSAGE'],
          [String(s.status ?? ''), String(s.reason ?? ''), String(s.message ?? '')],
        ]),
      );
      return;
    }
    if (ev.object.kind !== 'Table') return;
    const cells = tableCells(
      ev.object,
      { ...opts, noHeaders: opts.noHeaders || !header },
      header && ev.object.columnDefinitions.length > 0,
    );
    header = false;
    process.stdout.write(formatColumns(cells, widths));
  };
  await new Promise<void>((resolve, reject) => {
    res.on('data', (c: Buffer) => lines.push(c).forEach(onLine));
    res.on('end', () => {
      lines.end().forEach(onLine);
      resolve();
    });
    res.on('error', reject);
  });
}

async function getObjects(ctx: Ctx, reqs: ResourceRequest[], ns: string | undefined, o: GetOptions, output: string): Promise<number> {
  const items: KubeObject[] = [];
  let rc = 0;
  const single = reqs.length === 1 && reqs[0].names.length === 1;
  for (const req of reqs) {
    if (req.names.length === 0)
      items.push(...(await listObjects(ctx, req.rt, ns, { labelSelector: o.selector, fieldSelector: o.fieldSelector })).items);
    else {
      for (const name of req.names) {
        try {
          items.push(await getObject(ctx, req.rt, ns ?? ctx.namespace, name));
        } catch (e) {
          if (e instanceof ApiError && isNotFound(e) && o.ignoreNotFound) continue;
          if (!(e instanceof ApiError) || single) throw e;
          process.stderr.write(serverErrorLine(e) + '\n');
          rc = 1;
        }
      }
    }
  }
  if (o.sortBy) {
    const path = parsePath(o.sortBy.replace(/^\{(.*)\}$/, '$1'));
    items.sort((a, b) => compareValues(evaluate(path, a)[0], evaluate(path, b)[0]));
  }
  const doc: unknown =
    single && items.length === 1 ? items[0] : { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
  if (output === 'yaml') process.stdout.write(toYaml(doc, o.showManagedFields));
  else if (output === 'json') process.stdout.write(toJson(doc, o.showManagedFields));
  else if (output === 'name') {
    for (const it of items) {
      const req = reqs.find((r) => r.rt.kind === it.kind) ?? reqs[0];
      process.stdout.write(`${kindPrefix(req.rt)}/${it.metadata.name}\n`);
    }
  } else if (output.startsWith('jsonpath=') || output.startsWith('jsonpath-as-json=')) {
    const template = output.slice(output.indexOf('=') + 1);
    process.stdout.write(executeTemplate(template, doc));
  } else if (output.startsWith('custom-columns=')) {
    const specs = output
      .slice('custom-columns='.length)
      .split(',')
      .map((s) => {
        const i = s.indexOf(':');
        if (i <= 0) throw new CliError(`custom-columns format specified but no custom columns given`);
        return { header: s.slice(0, i), path: parsePath(s.slice(i + 1).replace(/^\{(.*)\}$/, '$1')) };
      });
    const rows = [
      specs.map((s) => s.header),
      ...items.map((it) =>
        specs.map((s) => {
          const v = evaluate(s.path, it);
          return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',') : '<none>';
        }),
      ),
    ];
    process.stdout.write(formatColumns(o.noHeaders ? rows.slice(1) : rows));
  } else {
    throw new CliError(
      `unable to match a printer suitable for the output format "${output}", allowed formats are: custom-columns,json,jsonpath,jsonpath-as-json,name,wide,yaml`,
    );
  }
  if (items.length === 0 && !single && output !== 'json' && output !== 'yaml') process.stderr.write(noResources(ctx, reqs, ns) + '\n');
  return rc;
}
