// Server warnings (RFC 7234 Warning headers, `299 - "text"`), as client-go's warning handler reads them:
// each value may hold several comma-separated warnings; only code 299 carries a server warning. Header
// values travel as UTF-8 bytes, which Node hands over as latin1 text.

const WARNING = /\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*(?:,|$)/gy;

/** The warning texts of a response's raw header name/value pairs, in order. */
export function warningsOf(rawHeaders: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i].toLowerCase() !== 'warning') continue;
    const value = Buffer.from(rawHeaders[i + 1], 'latin1').toString('utf8');
    WARNING.lastIndex = 0;
    for (let m = WARNING.exec(value); m && m[0]; m = WARNING.exec(value)) {
      if (m[1] === '299') out.push(m[3].replace(/\\(.)/g, '$1'));
      if (WARNING.lastIndex >= value.length) break;
    }
  }
  return out;
}
