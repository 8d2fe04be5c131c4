// Go's time.ParseDuration, which kubectl's duration flags use ("1h30m", "90s", "500ms", "0").
import { CliError, CodeExitError } from './errors';

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds; a bare number is seconds (kubectl's older flags). With the flag's name the error is worded as
 * kubectl's flag parser words it, and with the command's too it is printed as cobra prints flag errors.
 */
export function parseDuration(s: string, flag?: string, command?: string): number {
  const t = s.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t) * (t === '0' ? 0 : 1000);
  const m = /^([-+]?)((?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(t);
  if (!m) {
    const msg = flag ? `invalid argument "${s}" for "--${flag}" flag: time: invalid duration "${s}"` : `time: invalid duration "${s}"`;
    throw command ? new CodeExitError(`Error: ${msg}\nSee 'mkctl ${command} --help' for usage.`, 1) : new CliError(msg);
  }
  let ms = 0;
  for (const [, n, unit] of m[2].matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(n) * UNITS[unit];
  return m[1] === '-' ? -ms : ms;
}

/** Go's Duration.String(): "1h2m3s", "1.5s", "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  let out = '';
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${Number((rest / 1000).toFixed(9))}s`;
  return (neg ? '-' : '') + out;
}
