// Objects left out of the rules or the pod routes because a value of theirs does not parse
// (shared/src/proxy/checks.ts). The proxier rebuilds a Service on every change of its endpoints and the
// routes are recomputed on every Node update, so the same drop comes back often: it is reported once per
// version of the object (a log line, an Event, the metric), and again when the object changes.
import type { Dropped, DropReporter } from '@minik8s/shared';

/** Bound on the objects remembered (forgetting only means one more report). */
const MAX_REMEMBERED = 10_000;

export function oncePerVersion(report: DropReporter): DropReporter {
  const reported = new Map<string, string>();
  return (d: Dropped) => {
    const k = `${d.kind}/${d.namespace ?? ''}/${d.name}`;
    const version = `${d.uid}/${d.resourceVersion}/${d.reason}`;
    if (reported.get(k) === version) return;
    if (reported.size >= MAX_REMEMBERED) reported.clear();
    reported.set(k, version);
    report(d);
  };
}
