// Server-side printing: the meta.k8s.io Table that `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, built with the kind's printer
// (ResourceStrategy.table) from the stored objects; rows carry PartialObjectMetadata (default) or the
// whole object at the request's version (?includeObject=Object, used by --sort-by).
import type { FastifyRequest } from 'fastify';
import type { KubeList, KubeObject } from '@minik8s/shared';
import type { ServedResource } from '../registry/kinds';
import { toServed } from '../registry/convert';
import { defaultPrinter } from './columns';
import type { ColumnDefinition, TablePrinter, TableRowCondition } from './types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

export interface TableOptions {
  /** ?includeObject=: None, Metadata (default: PartialObjectMetadata) or Object (the full object). */
  includeObject?: IncludeObject;
  /** meta.k8s.io version the client asked for. */
  version?: 'v1' | 'v1beta1';
  /** "Now" for AGE cells (ms since epoch). */
  now?: number;
}

/**
 * Which Table version the Accept header asks for, or undefined when the client prefers plain JSON.
 * Media types are taken in the client's order, as the upstream negotiator does.
 */
export function tableVersionRequested(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  for (const entry of (accept ?? '').split(',')) {
    const [type, ...rawParams] = entry.split(';').map((s) => s.trim());
    const params = Object.fromEntries(rawParams.map((p) => p.split('=').map((s) => s.trim())));
    if (type !== 'application/json') {
      if (type === '*/*' || type === 'application/*') return undefined;
      continue;
    }
    if (!params.as) return undefined;
    if (params.as === 'Table' && params.g === 'meta.k8s.io' && (params.v === 'v1' || params.v === 'v1beta1')) return params.v;
  }
  return undefined;
}

export function parseIncludeObject(v: unknown): IncludeObject {
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

const isList = (x: KubeObject | KubeList): x is KubeList => Array.isArray((x as KubeList).items);

function rowObject(r: ServedResource, obj: KubeObject, include: IncludeObject, version: string): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return { kind: r.kind, apiVersion: r.apiVersion, ...toServed(r, obj) };
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** The Table for one stored object, a list of them, or one watch-event object. Pure: same input, same rows. */
export function toTable(r: ServedResource, objOrList: KubeObject | KubeList, opts: TableOptions = {}): Table {
  const version = opts.version ?? 'v1';
  const include = opts.includeObject ?? 'Metadata';
  const now = opts.now ?? Date.now();
  const items = isList(objOrList) ? objOrList.items : [objOrList];
  const rowsWith = (printer: TablePrinter) =>
    items.map((obj) => {
      const row: TableRow = { cells: printer.cells(obj, now) };
      const conditions = printer.conditions?.(obj);
      if (conditions) row.conditions = conditions;
      const object = rowObject(r, obj, include, version);
      if (object !== undefined) row.object = object;
      return row;
    });
  let printer = r.table ?? defaultPrinter;
  let rows: TableRow[];
  try {
    rows = rowsWith(printer);
  } catch {
    // A malformed stored object must not break `kubectl get`: fall back to the generic columns.
    printer = defaultPrinter;
    rows = rowsWith(printer);
  }
  const meta = objOrList.metadata ?? {};
  const metadata: Table['metadata'] = {};
  if (meta.resourceVersion) metadata.resourceVersion = meta.resourceVersion;
  if (isList(objOrList) && objOrList.metadata?.continue) metadata.continue = objOrList.metadata.continue;
  if (isList(objOrList) && objOrList.metadata?.remainingItemCount != null) metadata.remainingItemCount = objOrList.metadata.remainingItemCount;
  return { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata, columnDefinitions: printer.columns, rows };
}

/** For `Accept: application/json;as=Table;...`: the Table of stored `objOrList` at `r`; undefined when none was asked for. */
export function maybeTable(req: FastifyRequest, r: ServedResource, objOrList: KubeObject | KubeList): Table | undefined {
  const version = tableVersionRequested(req.headers.accept);
  if (!version || objOrList.kind === 'Status') return undefined;
  const includeObject = parseIncludeObject((req.query as Record<string, unknown> | undefined)?.includeObject);
  return toTable(r, objOrList, { version, includeObject });
}

export { humanDuration } from './format';
export type { ColumnDefinition, TablePrinter, TableRowCondition } from './types';
