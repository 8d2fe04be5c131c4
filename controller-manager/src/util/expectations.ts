// ControllerExpectations (upstream controller_utils.go): how many creations/deletions a controller
// is still waiting to see through its informer, so it never acts twice on a stale cache.
// Expectations expire after a TTL so a lost watch event cannot wedge a controller forever.

import { objectKey } from '@minik8s/shared';
import { controllerOf } from './owners';
import type { Pod } from './types';

interface Expectation {
  add: number;
  del: number;
  /** Keys of pods whose deletion is awaited, so the same pod is never counted twice. */
  deleting: Set<string>;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Expectation>();
  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True when nothing is awaited (or the expectation expired): the controller may act. */
  satisfied(key: string): boolean {
    const e = this.m.get(key);
    if (!e) return true;
    if (e.add <= 0 && e.del <= 0) return true;
    return this.now() - e.at > this.ttlMs;
  }

  expectCreations(key: string, n: number): void {
    this.m.set(key, { add: n, del: 0, deleting: new Set(), at: this.now() });
  }

  expectDeletions(key: string, podKeys: string[]): void {
    this.m.set(key, { add: 0, del: podKeys.length, deleting: new Set(podKeys), at: this.now() });
  }

  /** Creations and deletions awaited together. */
  expect(key: string, add: number, podKeys: string[]): void {
    this.m.set(key, { add, del: podKeys.length, deleting: new Set(podKeys), at: this.now() });
  }

  creationObserved(key: string): void {
    const e = this.m.get(key);
    if (e) e.add--;
  }

  deletionObserved(key: string, podKey: string): void {
    const e = this.m.get(key);
    if (e && e.deleting.delete(podKey)) e.del--;
  }

  delete(key: string): void {
    this.m.delete(key);
  }

  pending(key: string): { add: number; del: number } | undefined {
    const e = this.m.get(key);
    return e && { add: e.add, del: e.del };
  }
}

/**
 * Pod event handlers for a controller whose pods carry a controller ownerReference of `kind`:
 * each event settles the owner's expectations, then queues the owner ("ns/name").
 */
export function ownedPodHandlers(kind: string, expectations: Expectations, enqueue: (key: string) => void) {
  const ownerKey = (p: Pod): string | undefined => {
    const ref = controllerOf(p);
    return ref?.kind === kind ? `${p.metadata.namespace}/${ref.name}` : undefined;
  };
  return {
    onAdd: (p: Pod) => {
      const k = ownerKey(p);
      if (!k) return;
      expectations.creationObserved(k);
      enqueue(k);
    },
    onUpdate: (o: Pod, p: Pod) => {
      const k = ownerKey(p);
      if (!k) return;
      if (p.metadata.deletionTimestamp && !o.metadata.deletionTimestamp) expectations.deletionObserved(k, objectKey(p));
      enqueue(k);
    },
    onDelete: (p: Pod) => {
      const k = ownerKey(p);
      if (!k) return;
      expectations.deletionObserved(k, objectKey(p));
      enqueue(k);
    },
  };
}
