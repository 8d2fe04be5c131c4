// -v N: kubectl's request log on stderr, in klog lines — at 6 each request's method, URL, status and time;
// at 7 the request headers; at 8 the response headers and bodies (1024 characters, 10240 at 9, all at 10);
// at 9 the request as a curl command and the timing line.
import type { RequestRecord } from '@minik8s/shared/client';
import { klogLine } from './klog';

const log = (source: string, message: string) => process.stderr.write(klogLine('I', source, message) + '\n');

export function truncateBody(body: string, level: number): string {
  const max = level >= 10 ? Infinity : level >= 9 ? 10240 : 1024;
  return body.length <= max ? body : `${body.slice(0, max)} [truncated ${body.length - max} chars]`;
}

const quote = (s: string) => JSON.stringify(s);
const headerName = (h: string) => h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());

/** The lines kubectl logs for one request at this level (the klog prefix added by the caller). */
export function requestLines(r: RequestRecord, level: number): [source: string, message: string][] {
  const out: [string, string][] = [];
  const url = r.url.toString();
  const status = `${r.status} ${r.statusText}`;
  if (level >= 8) out.push(['helper.go:105', `"Request Body" body=${quote(truncateBody(r.requestBody?.toString('utf8') ?? '', level))}`]);
  if (level >= 9) {
    const hs = Object.entries(r.requestHeaders).filter(([k]) => k !== 'Content-Length').map(([k, v]) => ` -H "${k}: ${k === 'Authorization' ? '<masked>' : v}"`).join('');
    out.push(['round_trippers.go:473', `curl -v -X${r.method} ${hs} '${url}'`]);
    out.push(['round_trippers.go:560', `${r.method} ${url} ${status} in ${r.ms} milliseconds`]);
    out.push(['round_trippers.go:577', `HTTP Statistics: GetConnection 0 ms ServerProcessing ${r.ms} ms Duration ${r.ms} ms`]);
  } else if (level >= 7) {
    out.push(['round_trippers.go:470', `${r.method} ${url}`]);
    out.push(['round_trippers.go:476', 'Request Headers:']);
    for (const [k, v] of Object.entries(r.requestHeaders)) if (k !== 'Content-Length') out.push(['round_trippers.go:480', `    ${k}: ${k === 'Authorization' ? '<masked>' : v}`]);
    out.push(['round_trippers.go:581', `Response Status: ${status} in ${r.ms} milliseconds`]);
  } else out.push(['round_trippers.go:560', `${r.method} ${url} ${status} in ${r.ms} milliseconds`]);
  if (level >= 8) {
    out.push(['round_trippers.go:584', 'Response Headers:']);
    for (const [k, v] of Object.entries(r.responseHeaders)) out.push(['round_trippers.go:587', `    ${headerName(k)}: ${Array.isArray(v) ? v.join(', ') : v}`]);
    if (r.responseBody !== undefined) out.push(['helper.go:105', `"Response Body" body=${quote(truncateBody(r.responseBody, level))}`]);
  }
  return out;
}

/** The observer to give the API client, or undefined below -v=6. */
export function requestLogger(level: number): ((r: RequestRecord) => void) | undefined {
  if (level < 6) return undefined;
  return (r) => {
    for (const [source, message] of requestLines(r, level)) log(source, message);
  };
}

/** `Config loaded from file:  PATH`, as kubectl logs it at -v=6. */
export function logConfigLoaded(level: number, file: string | undefined): void {
  if (level >= 6 && file) log('loader.go:402', `Config loaded from file:  ${file}`);
}

