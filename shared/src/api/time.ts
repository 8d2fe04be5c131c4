// How API timestamps are written: metav1.Time is RFC 3339 with second precision, metav1.MicroTime
// with six fractional digits (Leases, events.k8s.io). Both in UTC.

/** metav1.Time of a Date or epoch milliseconds (default now). */
export function rfc3339(at: Date | number = Date.now()): string {
  return new Date(at).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** metav1.MicroTime of a Date or epoch milliseconds (default now). */
export function microTime(at: Date | number = Date.now()): string {
  return new Date(at).toISOString().replace(/Z$/, '000Z');
}
