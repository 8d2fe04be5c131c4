// Printing server-side Tables as kubectl does: upper-case headers, priority-1 columns only with -o wide,
// NAMESPACE first with -A, LABELS last with --show-labels, `kind/name` when several types are shown.
import type { Table, TableRow } from '../api';
import { formatColumns } from './tabwriter';

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  showLabels?: boolean;
  noHeaders?: boolean;
  /** `pod` / `deployment.apps`: prefix names with it (several types requested). */
  kindPrefix?: string;
  /** -L key columns. */
  labelColumns?: string[];
}

export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '<none>';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Header + rows as string cells (no padding yet). */
export function tableCells(table: Table, opts: TableOptions, header = true): string[][] {
  const cols = table.columnDefinitions.map((c, i) => ({ ...c, i })).filter((c) => opts.wide || c.priority === 0);
  const out: string[][] = [];
  if (header && !opts.noHeaders) {
    const h = cols.map((c) => c.name.toUpperCase());
    if (opts.allNamespaces) h.unshift('NAMESPACE');
    for (const l of opts.labelColumns ?? []) h.push(l.toUpperCase());
    if (opts.showLabels) h.push('LABELS');
    out.push(h);
  }
  for (const row of table.rows) out.push(rowCells(row, cols, opts));
  return out;
}

function rowCells(row: TableRow, cols: { format: string; i: number }[], opts: TableOptions): string[] {
  const meta = row.object?.metadata;
  const cells = cols.map((c) => {
    const t = cellText(row.cells[c.i]);
    return c.format === 'name' && opts.kindPrefix ? `${opts.kindPrefix}/${t}` : t;
  });
  if (opts.allNamespaces) cells.unshift(meta?.namespace ?? '');
  for (const l of opts.labelColumns ?? []) cells.push(meta?.labels?.[l] ?? '');
  if (opts.showLabels) cells.push(formatLabels(meta?.labels));
  return cells;
}

export function printTable(table: Table, opts: TableOptions, widths?: number[]): string {
  return formatColumns(tableCells(table, opts), widths);
}
