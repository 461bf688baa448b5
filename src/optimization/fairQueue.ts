/**
 * Deficit round robin over flows (one per merchant): each turn a flow's deficit grows by its
 * quantum and it is served while the deficit covers an item's cost. Every prediction costs one
 * request, so with equal quanta every merchant with queued work gets an equal share of the
 * budget, whatever its backlog; within a flow, items leave in the order they came.
 */
export class FairQueue<T> {
  private readonly flows = new Map<string, { items: T[]; head: number; deficit: number }>();
  /** Flows with queued items, in turn order; `turn` points at the flow being served. */
  private readonly ring: string[] = [];
  private turn = 0;
  private count = 0;

  constructor(private readonly quantum: (flow: string) => number = () => 1) {}

  get size(): number {
    return this.count;
  }

  push(flow: string, item: T): void {
    let entry = this.flows.get(flow);
    if (!entry) {
      entry = { items: [], head: 0, deficit: 0 };
      this.flows.set(flow, entry);
    }
    if (entry.items.length === entry.head) this.ring.push(flow);
    entry.items.push(item);
    this.count++;
  }

  /** The next item by DRR, or undefined when every flow is empty. */
  shift(): T | undefined {
    while (this.ring.length > 0) {
      if (this.turn >= this.ring.length) this.turn = 0;
      const flow = this.ring[this.turn]!;
      const entry = this.flows.get(flow)!;
      if (entry.deficit < 1) {
        entry.deficit += this.quantum(flow);
        if (entry.deficit < 1) {
          this.turn++;
          continue;
        }
      }
      entry.deficit -= 1;
      const item = entry.items[entry.head]!;
      entry.head++;
      this.count--;
      if (entry.head === entry.items.length) {
        // An emptied flow leaves the ring and forgets its deficit (DRR: no credit for idle flows).
        this.flows.delete(flow);
        this.ring.splice(this.turn, 1);
      } else if (entry.deficit < 1) {
        this.turn++;
      }
      if (entry.head > 1024 && entry.head * 2 > entry.items.length) {
        entry.items.splice(0, entry.head);
        entry.head = 0;
      }
      return item;
    }
    return undefined;
  }

  /** Removes the items `drop` selects (claimed elsewhere, cancelled); O(n), for rare events. */
  removeWhere(drop: (item: T) => boolean): void {
    for (const [flow, entry] of [...this.flows]) {
      const kept = entry.items.slice(entry.head).filter((item) => !drop(item));
      this.count -= entry.items.length - entry.head - kept.length;
      if (kept.length > 0) {
        this.flows.set(flow, { ...entry, items: kept, head: 0 });
        continue;
      }
      this.flows.delete(flow);
      const at = this.ring.indexOf(flow);
      this.ring.splice(at, 1);
      if (at < this.turn) this.turn--;
    }
  }

  /** Queued items per flow. */
  sizes(): Map<string, number> {
    return new Map([...this.flows].map(([flow, entry]) => [flow, entry.items.length - entry.head]));
  }
}
