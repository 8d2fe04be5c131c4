// Cell formatting shared by the printers, as k8s.io/kubernetes/pkg/printers/internalversion does it.
import { humanDuration, labelSelectorFromObject, labelSelectorToString } from '@minik8s/shared';

export { humanDuration };

/** translateTimestampSince: "<unknown>" for a missing timestamp, else the age. */
export function since(ts: string | undefined | null, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** labels.FormatLabels: "k=v,k2=v2" sorted by key, "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

/** metav1.LabelSelectorAsSelector(sel).String(). */
export function formatSelector(sel: unknown): string {
  try {
    return labelSelectorToString(labelSelectorFromObject(sel as Parameters<typeof labelSelectorFromObject>[0]));
  } catch {
    return '<invalid>';
  }
}

/** metav1.FormatLabelSelector: like formatSelector, but "<none>" for an empty or missing selector. */
export function formatLabelSelector(sel: unknown): string {
  return formatSelector(sel) || '<none>';
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: Array<{ name?: string; image?: string }> | undefined): [string, string] {
  const cs = containers ?? [];
  return [cs.map((c) => c.name ?? '').join(','), cs.map((c) => c.image ?? '').join(',')];
}

export const orNone = (s: string | undefined | null): string => (s ? s : '<none>');

/** At most 3 entries, then "+ N more...". */
export function listWithMore(list: string[], count: number, empty: string): string {
  if (count > 3) return `${list.slice(0, 3).join(',')} + ${count - 3} more...`;
  return list.length ? list.join(',') : empty;
}
