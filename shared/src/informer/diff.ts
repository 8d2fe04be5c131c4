// What a relist changed: the difference between the cache and a fresh list, so handlers see exactly
// the adds, updates and deletes they missed (e.g. while a watch was down or after a 410).
import { objectKey, type KubeObject } from '../api/types';

export interface ReplaceDiff<T> {
  added: T[];
  updated: { old: T; cur: T }[];
  deleted: T[];
}

/** Compare cached objects with a new full list; an object counts as updated when its resourceVersion changed. */
export function diffForReplace<T extends KubeObject>(
  cached: ReadonlyMap<string, T> | Iterable<[string, T]>,
  items: readonly T[],
): ReplaceDiff<T> {
  const old = cached instanceof Map ? (cached as ReadonlyMap<string, T>) : new Map(cached);
  const diff: ReplaceDiff<T> = { added: [], updated: [], deleted: [] };
  const seen = new Set<string>();
  for (const cur of items) {
    const key = objectKey(cur);
    seen.add(key);
    const prev = old.get(key);
    if (!prev) diff.added.push(cur);
    else if (prev.metadata?.resourceVersion !== cur.metadata?.resourceVersion || prev.metadata?.uid !== cur.metadata?.uid)
      diff.updated.push({ old: prev, cur });
  }
  for (const [key, prev] of old) if (!seen.has(key)) diff.deleted.push(prev);
  return diff;
}
