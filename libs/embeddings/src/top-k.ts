import type { VectorHit } from '@app/common';

/**
 * The k best hits seen so far, in a min-heap on score: a scan keeps constant memory however many
 * vectors it reads, and each candidate costs O(log k).
 */
export class TopK {
  private readonly heap: VectorHit[] = [];

  constructor(private readonly k: number) {}

  offer(hit: VectorHit): void {
    if (this.k <= 0) return;
    if (this.heap.length < this.k) {
      this.heap.push(hit);
      this.up(this.heap.length - 1);
    } else if (hit.score > this.heap[0].score) {
      this.heap[0] = hit;
      this.down(0);
    }
  }

  /** Best first; ties by id so answers are stable. */
  sorted(): VectorHit[] {
    return [...this.heap].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  }

  private up(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].score <= heap[i].score) return;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private down(i: number): void {
    const { heap } = this;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < heap.length && heap[left].score < heap[least].score) least = left;
      if (right < heap.length && heap[right].score < heap[least].score) least = right;
      if (least === i) return;
      [heap[least], heap[i]] = [heap[i], heap[least]];
      i = least;
    }
  }
}
