// A fixed-capacity ring buffer: pushing onto a full ring evicts the oldest item, and the slot it occupied is
// reused at once, so the ring never holds more than `capacity` items (nor a reference to an evicted one).

export class Ring<T> {
  private readonly slots: (T | undefined)[] = [];
  /** Index of the oldest item in `slots`. */
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.count;
  }

  /** Add `item` as the newest; returns the item evicted to make room, if the ring was full. */
  push(item: T): T | undefined {
    if (this.count < this.capacity) {
      this.slots[(this.start + this.count++) % this.capacity] = item;
      return undefined;
    }
    const evicted = this.slots[this.start];
    this.slots[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    return evicted;
  }

  /** Oldest first. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.count; i++) yield this.slots[(this.start + i) % this.capacity] as T;
  }

  clear(): void {
    this.slots.length = 0;
    this.start = 0;
    this.count = 0;
  }
}
