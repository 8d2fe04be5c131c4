// The client watchers of one watch cache, indexed as upstream's "indexed triggers": a watcher whose field
// selector requires one exact value of the cache's index field (e.g. an agent watching only the objects
// assigned to it) is filed under that value and offered only the events whose object, now or before,
// has it. Its filter cannot match any other object, so skipping the rest changes nothing it receives
// (selector transitions included: an object moved off the value still reaches it through the previous
// object's value).
import type { KubeObject } from '@minik8s/shared';

/** The field watchers are indexed by, and its value in an object ("" when absent, as field selectors compare it). */
export interface IndexField {
  field: string;
  valueOf(obj: KubeObject): string;
}

export interface IndexedWatcher {
  /** The value of the index field this watcher's selector requires, if any. */
  indexValue?: string;
}

export class WatcherIndex<W extends IndexedWatcher> {
  private readonly unindexed = new Set<W>();
  private readonly byValue = new Map<string, Set<W>>();

  /** index: the index field, or undefined for none (every watcher is then offered every event). */
  constructor(readonly index?: IndexField) {}

  get field(): string | undefined {
    return this.index?.field;
  }

  add(w: W): void {
    if (this.index === undefined || w.indexValue === undefined) {
      this.unindexed.add(w);
      return;
    }
    let set = this.byValue.get(w.indexValue);
    if (!set) this.byValue.set(w.indexValue, (set = new Set()));
    set.add(w);
  }

  delete(w: W): void {
    if (this.unindexed.delete(w) || w.indexValue === undefined) return;
    const set = this.byValue.get(w.indexValue);
    if (set?.delete(w) && set.size === 0) this.byValue.delete(w.indexValue);
  }

  clear(): void {
    this.unindexed.clear();
    this.byValue.clear();
  }

  get size(): number {
    let n = this.unindexed.size;
    for (const set of this.byValue.values()) n += set.size;
    return n;
  }

  *[Symbol.iterator](): IterableIterator<W> {
    yield* this.unindexed;
    for (const set of this.byValue.values()) yield* set;
  }

  /** Each watcher the change from `prev` to `obj` may concern, once. */
  *forChange(obj: KubeObject, prev: KubeObject | undefined): IterableIterator<W> {
    yield* this.unindexed;
    if (this.index === undefined || this.byValue.size === 0) return;
    const cur = this.index.valueOf(obj);
    const set = this.byValue.get(cur);
    if (set) yield* set;
    if (!prev) return;
    const before = this.index.valueOf(prev);
    if (before !== cur) {
      const old = this.byValue.get(before);
      if (old) yield* old;
    }
  }
}
