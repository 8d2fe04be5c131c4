// Go's time.Duration as Kubernetes flags, configs and printers use it: time.ParseDuration's grammar
// ("1h2m3.5s", "300ms", "-1.5h"), Duration.String(), and apimachinery's HumanDuration for ages.
// Nanoseconds are exact (bigint, int64 range); the millisecond forms are what timers take.

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

const NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n, // U+00B5 micro sign
  'μs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const LIMIT = 1n << 63n;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's time-package quote: printable ASCII as is (with `"` and `\` escaped), other bytes as \xNN. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x80 || code < 0x20) for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    else out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  }
  return out + '"';
}

/** time.ParseDuration, in nanoseconds; anything outside int64 is rejected as Go rejects it. */
export function parseDurationNs(orig: string): bigint {
  const invalid = () => new DurationError(`time: invalid duration ${quote(orig)}`);
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    let i = 0;
    let whole = 0n;
    for (; isDigit(s[i]); i++) {
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > LIMIT) throw invalid();
    }
    const pre = i > 0;
    s = s.slice(i);
    // The fraction keeps the digits that fit in 63 bits and ignores the rest, as Go's leadingFraction.
    let frac = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let full = false;
      for (; isDigit(s[j]); j++) {
        if (full) continue;
        const next = frac * 10n + BigInt(s.charCodeAt(j) - 48);
        if (frac > (LIMIT - 1n) / 10n || next > LIMIT) full = true;
        else {
          frac = next;
          scale *= 10;
        }
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let k = 0;
    while (k < s.length && !(s[k] === '.' || isDigit(s[k]))) k++;
    if (k === 0) throw new DurationError(`time: missing unit in duration ${quote(orig)}`);
    const u = s.slice(0, k);
    s = s.slice(k);
    const unit = NS[u];
    if (unit === undefined) throw new DurationError(`time: unknown unit ${quote(u)} in duration ${quote(orig)}`);
    if (whole > LIMIT / unit) throw invalid();
    let v = whole * unit;
    // Go computes the fraction in float64, which is nanosecond-exact up to hours.
    if (frac > 0n) v += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
    if (v > LIMIT) throw invalid();
    total += v;
    if (total > LIMIT) throw invalid();
  }
  if (neg) return -total;
  if (total > LIMIT - 1n) throw invalid();
  return total;
}

/** time.ParseDuration in milliseconds (a fraction below one millisecond is kept). */
export function parseDuration(s: string): number {
  return Number(parseDurationNs(s)) / 1e6;
}

/**
 * A duration flag (pflag's DurationVar) in milliseconds. Errors are worded as pflag words them and name
 * the flag; a negative value is refused too, since every duration flag here is a period or a timeout.
 */
export function parseDurationFlag(flag: string, value: string): number {
  const refuse = (why: string, cause?: unknown) => new DurationError(`invalid argument ${JSON.stringify(value)} for "--${flag}" flag: ${why}`, { cause });
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    throw refuse((e as Error).message, e);
  }
  if (ms < 0) throw refuse('must not be negative');
  return ms;
}

function fraction(v: bigint, digits: number): { rest: bigint; text: string } {
  let text = '';
  let printing = false;
  for (let i = 0; i < digits; i++) {
    const d = v % 10n;
    printing ||= d !== 0n;
    if (printing) text = `${d}${text}`;
    v /= 10n;
  }
  return { rest: v, text: printing ? `.${text}` : '' };
}

/** Duration.String() of a nanosecond count: "1h0m0s", "1m1.5s", "20.064s", "500ms", "1.5µs", "0s". */
export function formatDurationNs(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    const [digits, unit] = u < 1_000n ? [0, 'ns'] : u < 1_000_000n ? [3, 'µs'] : [6, 'ms'];
    const f = fraction(u, digits);
    out = `${f.rest}${f.text}${unit}`;
  } else {
    const f = fraction(u, 9);
    u = f.rest;
    out = `${u % 60n}${f.text}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Duration.String() of a span in milliseconds (rounded to the nanosecond). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new DurationError(`not a finite duration: ${ms} ms`);
  return formatDurationNs(BigInt(Math.round(ms * 1e6)));
}

/**
 * duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration) of a span in milliseconds: about two
 * significant figures ("90s", "5m3s", "3h20m", "2d5h", "3y45d"); up to 2 s in the future reads "0s".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${days}d` : `${days}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) {
    const d = days % 365;
    return d === 0 ? `${years}y` : `${years}y${d}d`;
  }
  return `${years}y`;
}
