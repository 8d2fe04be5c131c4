// Aligned columns as Go's text/tabwriter does for kubectl (minwidth 0, padding 3): every cell but
// the last of a line is padded to its column's widest cell plus three spaces.
export function formatColumns(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) {
    for (let i = 0; i < r.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, width(r[i]));
  }
  let out = '';
  for (const r of rows) {
    let line = '';
    for (let i = 0; i < r.length; i++) {
      line += i < r.length - 1 ? r[i] + ' '.repeat(widths[i] - width(r[i]) + 3) : r[i];
    }
    out += line + '\n';
  }
  return out;
}

/** Display width, counting code points (kubectl counts runes). */
function width(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
