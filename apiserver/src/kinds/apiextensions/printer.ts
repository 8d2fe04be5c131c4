// A custom resource's server-side Table (upstream's CRD table convertor): Name, then the version's
// additionalPrinterColumns (Age from metadata.creationTimestamp when it has none), each cell the first
// result of the column's JSONPath, evaluated with jsonpath-plus (its safe evaluator for filters). Kubernetes
// writes JSONPath without the leading `$` and escapes dots in keys (`.metadata.labels.app\.kubernetes\.io/name`):
// toJsonPathPlus turns that into jsonpath-plus syntax. Cells are typed as upstream's cellForJSONValue:
// integer, number, boolean, string (objects as JSON), date (an age).
import { JSONPath } from 'jsonpath-plus';
import { since } from '../../tables/format';
import { NAME, col, nameOf } from '../../tables/columns';
import type { TablePrinter } from '../../tables/types';
import type { Obj } from '../../registry/objects';

export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

const CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The columns of a version without printer columns of its own (upstream serveDefaultColumnsIfEmpty). */
export const DEFAULT_COLUMNS: PrinterColumn[] = [{ name: 'Age', type: 'date', description: CREATION_TIMESTAMP_DESCRIPTION, jsonPath: '.metadata.creationTimestamp' }];

/** A Kubernetes JSONPath (`.a.b[0]`, `.a[?(@.x=="y")].z`, escaped dots) as jsonpath-plus reads it. */
export function toJsonPathPlus(path: string): string {
  let out = '$';
  let i = 0;
  const p = path.trim().replace(/^\{(.*)\}$/s, '$1').replace(/^\$/, '');
  while (i < p.length) {
    const c = p[i];
    if (c === '[') {
      // copied as it is, up to the matching bracket (quotes and nested brackets respected)
      let depth = 0;
      let quote = '';
      let j = i;
      for (; j < p.length; j++) {
        const d = p[j];
        if (quote) {
          if (d === '\\') j++;
          else if (d === quote) quote = '';
        } else if (d === '"' || d === "'") quote = d;
        else if (d === '[') depth++;
        else if (d === ']' && --depth === 0) break;
      }
      out += p.slice(i, j + 1);
      i = j + 1;
    } else if (c === '.') {
      if (p[i + 1] === '.') {
        out += '..';
        i += 2;
        continue;
      }
      i++;
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) i++;
        name += p[i++];
      }
      out += name === '*' ? '.*' : `['${name}']`;
    } else {
      // a leading name without a dot
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') name += p[i++];
      out += `['${name}']`;
    }
  }
  return out;
}

/** The first value a JSONPath finds in `obj` (undefined: none, or the path does not evaluate). */
export function firstResult(path: string, obj: unknown): unknown {
  try {
    const found = JSONPath({ path, json: obj as object, eval: 'safe', wrap: true }) as unknown[];
    return found.length ? found[0] : undefined;
  } catch {
    return undefined;
  }
}

/** A cell as upstream's cellForJSONValue types it (null when the value does not fit the column's type). */
export function cellFor(type: string, v: unknown, now: number): unknown {
  if (v === undefined || v === null) return null;
  switch (type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'string':
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'date':
      if (typeof v !== 'string') return null;
      return Number.isNaN(Date.parse(v)) || !/^\d{4}-\d{2}-\d{2}T/.test(v) ? '<invalid>' : since(v, now);
    default:
      return null;
  }
}

/** The Table printer of a version with these printer columns. */
export function customResourcePrinter(columns: readonly PrinterColumn[]): TablePrinter {
  const cols = columns.length ? columns : DEFAULT_COLUMNS;
  const paths = cols.map((c) => toJsonPathPlus(c.jsonPath));
  return {
    columns: [
      NAME,
      ...cols.map((c) => ({ ...col(c.name, { type: c.type, format: c.format ?? '', priority: c.priority ?? 0 }), description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}` })),
    ],
    cells: (o: Obj, now: number) => [nameOf(o), ...cols.map((c, i) => cellFor(c.type, firstResult(paths[i], o), now))],
  };
}
