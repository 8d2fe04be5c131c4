// Aligned columns as Go's text/tabwriter does for kubectl (minwidth 6, padding 3): every cell but
// the last of a line is padded to its column's widest cell plus three spaces, and to 6 at least.
// With `remember` (kubectl's RememberWidths, used by get -w) widths carry over between calls and only grow.
const MIN_WIDTH = 6;

export function formatColumns(rows: string[][], remember?: number[]): string {
  const widths: number[] = remember ?? [];
  for (const r of rows) {
    for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, width(r[i]));
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) {
      line += i < r.length - 1 ? r[i] + ' '.repeat(Math.max(widths[i] + 3, MIN_WIDTH) - width(r[i])) : r[i];
    }
    out += line + '\n';
  }
  return out;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Display width, counting code points (kubectl counts runes); a regex test keeps the common case cheap. */
function width(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * Go text/tabwriter over tab-separated lines (describe uses padding 2): a column's width is taken over
 * each run of consecutive lines that have a tab-terminated cell in that column, as tabwriter blocks do.
 */
export function tabwrite(lines: string[], padding = 2): string {
  const cells = lines.map((l) => l.split('\t'));
  const widths = cells.map((c) => new Array<number>(Math.max(0, c.length - 1)).fill(0));
  const block = (from: number, to: number, col: number) => {
    let i = from;
    while (i < to) {
      if (cells[i].length - 1 <= col) {
        i++;
        continue;
      }
      let j = i;
      let w = 0;
      for (; j < to && cells[j].length - 1 > col; j++) w = Math.max(w, width(cells[j][col]) + padding);
      for (let k = i; k < j; k++) widths[k][col] = w;
      block(i, j, col + 1);
      i = j;
    }
  };
  block(0, cells.length, 0);
  return (
    cells.map((c, i) => c.map((cell, k) => (k < c.length - 1 ? cell + ' '.repeat(widths[i][k] - width(cell)) : cell)).join('')).join('\n') +
    '\n'
  );
}
