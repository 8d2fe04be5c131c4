// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5", "128Mi", "1e3", "2G".
// Scanned with upstream's grammar (parseQuantityString and the suffixer), then held exactly as a count of
// nano-units (values below 1n round up to 1n, as upstream). Every bound is checked on the digit counts BEFORE
// any arithmetic, so "1e30000000" or a megabyte of digits costs microseconds: magnitudes above 2^63-1 base
// units (upstream's maximum) are refused (BinarySI ones capped there, as upstream), digits below a nano-unit
// only round up, and a binary-suffixed fraction of more than MAX_SIGNIFICANT digits is refused.

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

/** Upstream's ErrFormatWrong, ErrNumeric and ErrSuffix. */
export const QUANTITY_FORMAT_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const NUMERIC_MSG = 'unable to parse numeric part of quantity';
const SUFFIX_MSG = "unable to parse quantity's suffix";

/** The largest magnitude a quantity may have, in base units (upstream's maxAllowed, 2^63-1). */
export const MAX_QUANTITY = 2n ** 63n - 1n;
/** Significant digits of a fraction with a binary suffix ("1.5Gi"); 28 already reach from 2^63 to a nano-unit. */
export const MAX_SIGNIFICANT = 64;

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A parsed quantity: its exact value in nano-units (10^-9 base units) and the suffix family it was written in. */
export interface Quantity {
  nano: bigint;
  format: QuantityFormat;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_CHARS = 'eEinumkKMGTP';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  positive: boolean;
  /** integer digits without leading zeros ("" for zero) */
  num: string;
  /** fraction digits as written */
  denom: string;
  suffix: string;
}

/** upstream parseQuantityString: sign, digits, optional "." and digits, then the suffix characters. */
function scan(s: string): Scanned {
  let pos = 0;
  let positive = true;
  if (s[0] === '-' || s[0] === '+') {
    positive = s[0] === '+';
    pos++;
  }
  while (s[pos] === '0') pos++;
  let start = pos;
  while (isDigit(s[pos])) pos++;
  const num = s.slice(start, pos);
  let denom = '';
  if (s[pos] === '.') {
    start = ++pos;
    while (isDigit(s[pos])) pos++;
    denom = s.slice(start, pos);
  }
  const suffixStart = pos;
  while (pos < s.length && SUFFIX_CHARS.includes(s[pos])) pos++;
  if (s[pos] === '-' || s[pos] === '+') pos++;
  while (isDigit(s[pos])) pos++;
  if (pos !== s.length) throw new QuantityError(QUANTITY_FORMAT_MSG);
  return { positive, num, denom, suffix: s.slice(suffixStart) };
}

/** The suffixer: base 10 or 2, its exponent, and the format it implies. */
function interpret(suffix: string): { exp10: number; exp2: number; format: QuantityFormat } {
  if (suffix in DECIMAL_SUFFIX) return { exp10: DECIMAL_SUFFIX[suffix], exp2: 0, format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIX) return { exp10: 0, exp2: BINARY_SUFFIX[suffix], format: 'BinarySI' };
  if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    // upstream reads the exponent as an int32; anything longer is out of range before we look at it
    const digits = suffix.replace(/^[eE][-+]?0*/, '');
    if (digits.length > 10) throw new QuantityError(SUFFIX_MSG);
    const e = Number(suffix.slice(1));
    if (e > 2 ** 31 - 1 || e < -(2 ** 31)) throw new QuantityError(SUFFIX_MSG);
    return { exp10: e, exp2: 0, format: 'DecimalExponent' };
  }
  throw new QuantityError(SUFFIX_MSG);
}

const LOG10_2 = Math.log10(2);
const TEN = 10n;
const NANO = 1_000_000_000n;

/** Parse a quantity string exactly. Throws QuantityError (upstream's messages, plus the bounds above). */
export function parseQuantityExact(str: string): Quantity {
  if (typeof str !== 'string' || str.length === 0) throw new QuantityError(QUANTITY_FORMAT_MSG);
  if (str === '0') return { nano: 0n, format: 'DecimalSI' };
  const { positive, num, denom, suffix } = scan(str);
  const { exp10, exp2, format } = interpret(suffix);
  // The significant digits and the decimal exponent of their last one, without arithmetic.
  const all = num + denom;
  const first = all.search(/[1-9]/);
  if (first < 0) return { nano: 0n, format };
  let last = all.length - 1;
  while (all[last] === '0') last--;
  const digits = all.slice(first, last + 1);
  // value = digits × 10^(e) × 2^exp2, e = exponent of the last significant digit
  const e = exp10 - denom.length + (all.length - 1 - last);
  // The leading digit sits at 10^(e + digits.length - 1); past 2^63 (≈ 10^18.96) the value is too large.
  const top = e + digits.length - 1 + exp2 * LOG10_2;
  const tooLarge = () => {
    // upstream caps BinarySI at the maximum; the other formats have no representable value there
    if (format === 'BinarySI') return { nano: (positive ? 1n : -1n) * MAX_QUANTITY * NANO, format };
    throw new QuantityError(`quantity ${JSON.stringify(str)} is too large: the maximum is ${MAX_QUANTITY} (2^63-1)`);
  };
  if (top >= 19) return tooLarge();
  // Below 10^-9 even with the largest binary factor: rounds up to the smallest representable value.
  if (top < -10) return { nano: positive ? 1n : -1n, format: format === 'BinarySI' ? 'DecimalSI' : format };
  // Exact: nano = ceil(digits × 10^(e+9) × 2^exp2); every exponent here is bounded by the checks above.
  const shift = e + 9;
  let n: bigint;
  if (shift >= 0) n = BigInt(digits) * 2n ** BigInt(exp2) * TEN ** BigInt(shift);
  else if (exp2 === 0) {
    // the digits below a nano-unit end in a non-zero one: keep those above and round up
    n = BigInt(digits.slice(0, Math.max(0, digits.length + shift)) || '0') + 1n;
  } else {
    if (digits.length > MAX_SIGNIFICANT) throw new QuantityError(`quantity ${JSON.stringify(str)} has more than ${MAX_SIGNIFICANT} significant digits`);
    const d = TEN ** BigInt(-shift);
    const x = BigInt(digits) * 2n ** BigInt(exp2);
    n = x % d === 0n ? x / d : x / d + 1n;
  }
  if (n > MAX_QUANTITY * NANO) return tooLarge();
  return { nano: positive ? n : -n, format: format === 'BinarySI' && n < NANO ? 'DecimalSI' : format };
}

function fromNumber(q: number): Quantity {
  if (!Number.isFinite(q)) throw new QuantityError(`quantity must be finite, got ${q}`);
  if (Math.abs(q) > Number(MAX_QUANTITY)) throw new QuantityError(`quantity ${q} is too large: the maximum is ${MAX_QUANTITY} (2^63-1)`);
  return parseQuantityExact(String(q).replace(/e\+?/, 'e'));
}

/** A quantity string or a JSON number (Go's decoder accepts both) as an exact Quantity. */
export function toQuantity(q: string | number): Quantity {
  return typeof q === 'number' ? fromNumber(q) : parseQuantityExact(q);
}

/** A quantity in base units (cores, bytes, count), as a double. Throws QuantityError on bad input. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    fromNumber(q);
    return q;
  }
  const { nano } = parseQuantityExact(q);
  return Number(nano) / 1e9;
}

/** True when the string is a valid quantity. */
export function isQuantity(q: string): boolean {
  try {
    parseQuantityExact(q);
    return true;
  } catch {
    return false;
  }
}

/** ceil(nano / d), the way upstream's ScaledValue rounds (toward +infinity). */
function scaledUp(nano: bigint, d: bigint): number {
  const quo = nano / d;
  return Number(nano % d !== 0n && nano > 0n ? quo + 1n : quo);
}

/** value × 1000, rounded up (resource.Quantity.MilliValue): "100m" → 100, "0.5" → 500, "1" → 1000. */
export function milliValue(q: string | number): number {
  if (typeof q === 'number') {
    fromNumber(q);
    const scaled = q * 1000;
    const r = Math.round(scaled);
    return Math.abs(scaled - r) < 1e-6 ? r : Math.ceil(scaled);
  }
  return scaledUp(parseQuantityExact(q).nano, 1_000_000n);
}

/** The value rounded up to an integer (resource.Quantity.Value): "100m" → 1, "1Ki" → 1024. */
export function quantityValue(q: string | number): number {
  if (typeof q === 'number') return Math.ceil(milliValue(q) / 1000);
  return scaledUp(parseQuantityExact(q).nano, 1_000_000_000n);
}

/** Compare two quantities exactly (Quantity.Cmp): -1, 0 or 1. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = toQuantity(a).nano;
  const y = toQuantity(b).nano;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Canonical form as upstream prints it. DecimalSI: "100m", "2k", "1500", "1.5" → "1500m".
 * BinarySI: integers that are multiples of 1024 use Ki..Ei ("128Mi"); anything else falls back to decimal.
 */
export function formatQuantity(value: number, format: 'DecimalSI' | 'BinarySI' = 'DecimalSI'): string {
  if (!Number.isFinite(value)) throw new QuantityError(`cannot format ${value}`);
  if (value === 0) return '0';
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  if (format === 'BinarySI' && Number.isInteger(abs) && abs >= 1024) {
    const suffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
    let k = 0;
    let n = abs;
    while (k < suffixes.length - 1 && n % 1024 === 0) {
      n /= 1024;
      k++;
    }
    if (k > 0) return `${sign}${n}${suffixes[k]}`;
  }
  if (Number.isInteger(abs)) {
    const suffixes = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
    let k = 0;
    let n = abs;
    while (k < suffixes.length - 1 && n % 1000 === 0) {
      n /= 1000;
      k++;
    }
    return `${sign}${n}${suffixes[k]}`;
  }
  for (const [scale, suffix] of [[1e3, 'm'], [1e6, 'u'], [1e9, 'n']] as const) {
    const s = abs * scale;
    const r = Math.round(s);
    if (Math.abs(s - r) < 1e-6 * Math.max(1, s)) return `${sign}${r}${suffix}`;
  }
  return `${sign}${Math.ceil(abs * 1e9)}n`;
}

/** The format upstream keeps for a quantity: BinarySI for the Ki..Ei suffixes, DecimalSI otherwise. */
export function quantityFormat(q: string | number): 'DecimalSI' | 'BinarySI' {
  return typeof q === 'string' && /[KMGTPE]i$/.test(q.trim()) ? 'BinarySI' : 'DecimalSI';
}

/** a + b in the format of `a` (of `b` when `a` is absent or zero), as resource.Quantity.Add prints the sum. */
export function addQuantities(a: string | number | undefined, b: string | number | undefined): string {
  const ma = milliValue(a ?? 0);
  const first = ma === 0 ? (b ?? 0) : a!;
  return formatQuantity((ma + milliValue(b ?? 0)) / 1000, quantityFormat(first));
}

