// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "1.5", "128Mi", "1e3", "2G".
// Parsed exactly (BigInt mantissa + power-of-ten/power-of-two exponents) so milliValue rounds like upstream.

export class QuantityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QuantityError';
  }
}

const REGEXP_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

interface Exact {
  /** Signed integer mantissa. */
  digits: bigint;
  /** value = digits * 10^exp10 * 2^exp2 */
  exp10: number;
  exp2: number;
}

function parseExact(q: string): Exact {
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(q.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new QuantityError(`${REGEXP_MSG} (got "${q}")`);
  const [, sign, intPart, fracPart = '', suffix] = m;
  let exp10 = -fracPart.length;
  let exp2 = 0;
  if (suffix in DECIMAL_SUFFIX) exp10 += DECIMAL_SUFFIX[suffix];
  else if (suffix in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[suffix];
  else if (/^[eE][-+]?[0-9]+$/.test(suffix)) exp10 += Number(suffix.slice(1));
  else throw new QuantityError(`unable to parse quantity's suffix "${suffix}" in "${q}"`);
  let digits = BigInt(`${intPart}${fracPart}` || '0');
  if (sign === '-') digits = -digits;
  return { digits, exp10, exp2 };
}

/** A quantity in base units (cores, bytes, count). Numbers pass through. Throws QuantityError on bad input. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') {
    if (!Number.isFinite(q)) throw new QuantityError(`quantity must be finite, got ${q}`);
    return q;
  }
  const { digits, exp10, exp2 } = parseExact(q);
  const n = digits * 2n ** BigInt(exp2);
  if (exp10 >= 0) return Number(n * 10n ** BigInt(exp10));
  // Division of two exact values is correctly rounded when both fit a double; otherwise close enough.
  return Number(n) / 10 ** -exp10;
}

/** True when the string is a valid quantity. */
export function isQuantity(q: string): boolean {
  try {
    parseExact(q);
    return true;
  } catch {
    return false;
  }
}

/** value × 1000, rounded up (resource.Quantity.MilliValue): "100m" → 100, "0.5" → 500, "1" → 1000. */
export function milliValue(q: string | number): number {
  if (typeof q === 'number') {
    const scaled = q * 1000;
    const r = Math.round(scaled);
    return Math.abs(scaled - r) < 1e-6 ? r : Math.ceil(scaled);
  }
  const { digits, exp10, exp2 } = parseExact(q);
  const n = digits * 2n ** BigInt(exp2);
  const e = exp10 + 3;
  if (e >= 0) return Number(n * 10n ** BigInt(e));
  const d = 10n ** BigInt(-e);
  const quo = n / d;
  // Round toward +infinity like upstream.
  return Number(n % d !== 0n && n > 0n ? quo + 1n : quo);
}

/** The value rounded up to an integer (resource.Quantity.Value): "100m" → 1, "1Ki" → 1024. */
export function quantityValue(q: string | number): number {
  return Math.ceil(milliValue(q) / 1000);
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

/** -1, 0 or 1 as a is less than, equal to or greater than b (resource.Quantity.Cmp at milli precision). */
export function compareQuantities(a: string | number, b: string | number): number {
  return Math.sign(milliValue(a) - milliValue(b));
}
