/**
 * A max-heap of (count, pair key) used by BPE training to find the most frequent pair in O(log n)
 * instead of scanning every pair per merge. Entries are never updated in place: training pushes a
 * fresh entry when a count grows and discards stale entries when they surface ("lazy deletion").
 * Ties go to the smaller key so training is deterministic.
 */
export class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    this.siftUp(this.keys.length - 1);
  }

  /** Removes and returns the top entry, or `undefined` when empty. */
  pop(): { count: number; key: number } | undefined {
    const last = this.keys.length - 1;
    if (last < 0) return undefined;
    const top = { count: this.counts[0], key: this.keys[0] };
    this.counts[0] = this.counts[last];
    this.keys[0] = this.keys[last];
    this.counts.pop();
    this.keys.pop();
    if (last > 0) this.siftDown(0);
    return top;
  }

  /** Whether entry `a` should sit above entry `b`. */
  private above(a: number, b: number): boolean {
    const countA = this.counts[a];
    const countB = this.counts[b];
    return countA > countB || (countA === countB && this.keys[a] < this.keys[b]);
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b], this.counts[a]];
    [this.keys[a], this.keys[b]] = [this.keys[b], this.keys[a]];
  }

  private siftUp(index: number): void {
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.above(index, parent)) return;
      this.swap(index, parent);
      index = parent;
    }
  }

  private siftDown(index: number): void {
    const size = this.keys.length;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let best = index;
      if (left < size && this.above(left, best)) best = left;
      if (right < size && this.above(right, best)) best = right;
      if (best === index) return;
      this.swap(index, best);
      index = best;
    }
  }
}
