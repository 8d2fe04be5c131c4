// JSON as Go's encoding/json writes it (what kubectl hashes and stores): no spaces; <, >, & and the JS line
// separators escaped.
export function goJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
