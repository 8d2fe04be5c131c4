// Which pods the pod GC removes, pure.
import { isPodTerminal } from '@minik8s/shared';
import type { Pod } from '../../util/types';

export function podsToCollect(pods: Pod[], nodes: Set<string>, threshold: number): { orphaned: Pod[]; unscheduledTerminating: Pod[]; excessTerminated: Pod[] } {
  const orphaned = pods.filter((p) => p.spec?.nodeName && !nodes.has(p.spec.nodeName));
  const unscheduledTerminating = pods.filter((p) => !p.spec?.nodeName && p.metadata.deletionTimestamp);
  let excessTerminated: Pod[] = [];
  if (threshold > 0) {
    const done = pods.filter((p) => isPodTerminal(p) && !p.metadata.deletionTimestamp);
    if (done.length > threshold) {
      done.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''));
      excessTerminated = done.slice(0, done.length - threshold).filter((p) => !orphaned.includes(p));
    }
  }
  return { orphaned, unscheduledTerminating, excessTerminated };
}
