// intstr.IntOrString scaling (GetScaledValueFromIntOrPercent).

/** An int, or a percentage of `total` rounded up or down; throws on an invalid value. */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean, dflt: number | string): number {
  const x = v ?? dflt;
  if (typeof x === 'number') return x;
  const m = /^(-?\d+)%$/.exec(x);
  if (!m) {
    if (/^-?\d+$/.test(x)) return Number(x);
    throw new Error(`invalid value for IntOrString: invalid value "${x}": must be an integer or a percentage`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}
