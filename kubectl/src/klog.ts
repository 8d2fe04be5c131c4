// Lines in klog's format, as kubectl writes its logs and some errors to stderr:
// `I1207 19:00:47.817806   12345 file.go:560] message` (severity, month-day, time to the microsecond, pid).
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function klogLine(severity: 'I' | 'W' | 'E', source: string, message: string, now = new Date(), micros = Number(process.hrtime.bigint() / 1000n % 1000n)): string {
  const t = `${pad(now.getMonth() + 1)}${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}${pad(micros, 3)}`;
  return `${severity}${t} ${String(process.pid).padStart(7)} ${source}] ${message}`;
}

/** An error kubectl reports through klog rather than as `error: ...` (cobra's required-flag check). */
export class KlogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KlogError';
  }
}

export function klogCommandFailed(message: string): string {
  return klogLine('E', 'run.go:72', `"command failed" err=${JSON.stringify(message)}`);
}
