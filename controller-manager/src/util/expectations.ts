// ControllerExpectations (upstream controller_utils.go): how many creations/deletions a controller
// is still waiting to see through its informer, so it never acts twice on a stale cache.
// Expectations expire after a TTL so a lost watch event cannot wedge a controller forever.

interface Expectation {
  add: number;
  del: number;
  /** Keys of pods whose deletion is awaited, so the same pod is never counted twice. */
  deleting: Set<string>;
  at: number;
}

export class Expectations {
  private readonly m = new Map<string, Expectation>();
  constructor(private readonly ttlMs = 5 * 60_000, private readonly now: () => number = Date.now) {}

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
